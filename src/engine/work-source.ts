/**
 * Where a job's work comes from. The scheduler pulls items from a source, one per free task
 * slot, and tells the source how each one moves and ends:
 *
 *   next()  ──▶ item | wait (nothing now, look again when `until` settles) | finished
 *   advance(id, cursor)   a running item settled everything up to cursor (checkpoint, lease)
 *   complete(id)          the item is done
 *   fail(id, error)       the item was given up in this run (fatal, or its retries ran out)
 *   release(id)           the item was stopped unfinished (interrupt): it stays to do
 *
 * Sources: a plain list (populate, verify), the checkpoint of a migration (checkpoint-source.ts),
 * and items that appear while the job runs and wait for their parents (dependent-source.ts:
 * stream shards). A source backed by leases in a shared table fits the same shape: `next` claims
 * a lease (or says wait until one expires), `advance` writes the lease's checkpoint, `complete`
 * and `release` give it up. Every method may be async.
 */
import type { PlainError } from '../errors.js';

export interface WorkItem<T> {
  /** Stable across attempts and runs: a range id, a shard id. */
  readonly id: string;
  readonly task: T;
  /** Where an earlier run got to; absent: from the start. */
  readonly cursor?: string;
}

export type Pull<T> =
  | { readonly kind: 'item'; readonly item: WorkItem<T> }
  | { readonly kind: 'wait'; readonly until: Promise<void> }
  | { readonly kind: 'finished' };

type Awaitable<T> = T | Promise<T>;

export interface WorkSource<T> {
  next(): Awaitable<Pull<T>>;
  advance(id: string, cursor: string): Awaitable<void>;
  complete(id: string): Awaitable<void>;
  fail(id: string, error: PlainError): Awaitable<void>;
  release(id: string): Awaitable<void>;
  /**
   * A source whose items can be taken away while they run (a lease another process took over)
   * says so here; the scheduler stops the item's task and tells the source nothing more of it.
   */
  watchLost?(listener: (id: string, error: PlainError) => void): void;
}

export const FINISHED: Pull<never> = Object.freeze({ kind: 'finished' });

export function itemPull<T>(item: WorkItem<T>): Pull<T> {
  return { kind: 'item', item };
}

export type ItemState = 'pending' | 'running' | 'done' | 'failed';

/** A fixed list, handed out in order. Items stopped by an interrupt are not handed out again. */
export class ListSource<T> implements WorkSource<T> {
  private readonly queue: Array<WorkItem<T>>;
  private readonly states = new Map<string, ItemState>();
  private readonly cursors = new Map<string, string>();
  readonly failures = new Map<string, PlainError>();

  constructor(items: ReadonlyArray<WorkItem<T>>) {
    this.queue = [...items];
    for (const item of items) {
      if (this.states.has(item.id)) throw new Error(`work source: duplicate item id ${item.id}`);
      this.states.set(item.id, 'pending');
    }
  }

  next(): Pull<T> {
    const item = this.queue.shift();
    if (item === undefined) return FINISHED;
    this.states.set(item.id, 'running');
    return itemPull(item);
  }

  advance(id: string, cursor: string): void {
    this.mustBe(id, 'running');
    this.cursors.set(id, cursor);
  }

  complete(id: string): void {
    this.mustBe(id, 'running');
    this.states.set(id, 'done');
  }

  fail(id: string, error: PlainError): void {
    this.mustBe(id, 'running');
    this.states.set(id, 'failed');
    this.failures.set(id, error);
  }

  release(id: string): void {
    this.mustBe(id, 'running');
    this.states.set(id, 'pending');
  }

  state(id: string): ItemState | undefined {
    return this.states.get(id);
  }

  cursor(id: string): string | undefined {
    return this.cursors.get(id);
  }

  /** Ids in a state, in the order they were given. */
  ids(state: ItemState): string[] {
    return [...this.states].filter(([, s]) => s === state).map(([id]) => id);
  }

  private mustBe(id: string, state: ItemState): void {
    const actual = this.states.get(id);
    if (actual !== state) throw new Error(`work source: item ${id} is ${actual ?? 'unknown'}, not ${state}`);
  }
}
