/**
 * Stream shards as work for the engine's scheduler: a DependentSource fed from DescribeStream.
 * The rules are the KCL's shard graph (and what the Go monitor gets wrong):
 *
 * - A child is read only after its parent is read to its end, so the changes to one key come in
 *   order across a split. The parent is waited for only while it is in the listing and not
 *   finished: a parent gone from the listing was trimmed away (24 h retention), nothing of it is
 *   left to read first, and waiting for it would block its children for good.
 * - `LATEST` applies only to the shards open at the first listing. Every shard found later is a
 *   child of one being read and starts at TRIM_HORIZON: at LATEST its first records would be lost.
 *   Shards already closed at that first listing hold only the past the user chose to skip: they
 *   are skipped (`skipped()`), as the KCL does for LATEST.
 * - A shard resumed from a checkpoint carries its cursor (a sequence number): the reader takes an
 *   AFTER_SEQUENCE_NUMBER iterator. A resumed source never starts at LATEST: shards new since the
 *   checkpoint are children of shards it had, whose records follow on from theirs.
 *
 * `update()` may be called with every listing (periodic, or at a shard's end); shards seen before
 * are ignored. `seal()` says no listing will come (the stream is disabled, or the run is ending).
 */
import { DependentSource } from '../engine/dependent-source.js';
import type { ItemState, Pull, WorkSource } from '../engine/work-source.js';
import type { PlainError } from '../errors.js';
import { isClosed, type ShardInfo } from './shards.js';

export type ShardStart = 'TRIM_HORIZON' | 'LATEST';

export interface ShardTask {
  readonly kind: 'shard';
  readonly shardId: string;
  /** Where to start when the item has no cursor; a cursor (sequence number) always wins. */
  readonly iterator: ShardStart;
}

export interface ShardSourceOptions {
  /** Where the shards open at the first listing start (the user's `--iterator-type`). */
  readonly initialPosition: ShardStart;
  /** A checkpoint from an earlier run. */
  readonly resume?: {
    /** Shard id → last sequence number handled. */
    readonly cursors?: ReadonlyMap<string, string>;
    /** Shards read to their end (or skipped) in earlier runs: never handed out again. */
    readonly finished?: Iterable<string>;
  };
}

export class ShardSource implements WorkSource<ShardTask> {
  private readonly items = new DependentSource<ShardTask>();
  private readonly cursors: ReadonlyMap<string, string>;
  /** Finished in an earlier run, completed in this one, or skipped: no child waits for these. */
  private readonly finished: Set<string>;
  private readonly skippedIds: string[] = [];
  private readonly resumed: boolean;
  private listings = 0;

  constructor(private readonly options: ShardSourceOptions) {
    this.cursors = options.resume?.cursors ?? new Map();
    this.finished = new Set(options.resume?.finished ?? []);
    this.resumed = options.resume !== undefined;
  }

  /** Adds the shards of a listing not seen before; returns their ids, in listing order. */
  update(shards: readonly ShardInfo[]): string[] {
    const first = this.listings++ === 0;
    const latest = first && !this.resumed && this.options.initialPosition === 'LATEST';
    const listed = new Set(shards.map((s) => s.shardId));
    const added: string[] = [];
    for (const shard of shards) {
      const id = shard.shardId;
      if (this.finished.has(id) || this.items.state(id) !== undefined) continue;
      if (latest && isClosed(shard) && !this.cursors.has(id)) {
        this.finished.add(id);
        this.skippedIds.push(id);
        continue;
      }
      const parent = shard.parentShardId;
      const waitFor = parent !== undefined && listed.has(parent) && !this.finished.has(parent) ? [parent] : [];
      const cursor = this.cursors.get(id);
      const task: ShardTask = { kind: 'shard', shardId: id, iterator: latest ? 'LATEST' : 'TRIM_HORIZON' };
      // An open shard read from LATEST owes nothing to its parent: nothing before now is read.
      this.items.add(cursor === undefined ? { id, task } : { id, task, cursor }, task.iterator === 'LATEST' ? [] : waitFor);
      added.push(id);
    }
    return added;
  }

  seal(): void {
    this.items.seal();
  }

  next(): Pull<ShardTask> {
    return this.items.next();
  }

  advance(id: string, cursor: string): void {
    this.items.advance(id, cursor);
  }

  complete(id: string): void {
    this.items.complete(id);
    this.finished.add(id);
  }

  fail(id: string, error: PlainError): void {
    this.items.fail(id, error);
  }

  release(id: string): void {
    this.items.release(id);
  }

  /** undefined for a shard never added (skipped, finished earlier, or not listed yet). */
  state(id: string): ItemState | undefined {
    return this.items.state(id);
  }

  /** Shards waiting for a parent that is not complete (a failed parent keeps them here). */
  blocked(): string[] {
    return this.items.blocked();
  }

  /** Closed at the first listing of a LATEST run: not read. A checkpoint keeps them as finished. */
  skipped(): readonly string[] {
    return this.skippedIds;
  }

  get failures(): ReadonlyMap<string, PlainError> {
    return this.items.failures;
  }
}
