/**
 * The job shape of test/fixtures/workers/engine-test-worker.mjs, and what the engine's thread
 * tests share: the worker's path, a scheduler with fast retries, and a work source wrapper that
 * logs every call the scheduler makes, in one log with the job's data messages.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ErrorCodeName, PlainError } from '../../src/errors.js';
import { JobStats } from '../../src/metrics/job-stats.js';
import type { JobShape } from '../../src/engine/protocol.js';
import { Scheduler, type SchedulerOptions } from '../../src/engine/scheduler.js';
import type { Pull, WorkItem, WorkSource } from '../../src/engine/work-source.js';

export const WORKER = fileURLToPath(new URL('../fixtures/workers/engine-test-worker.mjs', import.meta.url));

// The fixture imports the compiled engine; `npm test` and scripts/test.sh build it first.
if (!existsSync(fileURLToPath(new URL('../../dist/src/engine/worker-runtime.js', import.meta.url)))) {
  throw new Error('test/engine needs the compiled engine: run `npm run build` first');
}

/** Applies at step `at` of the listed attempts. */
export interface StepRule {
  readonly attempts: readonly number[];
  readonly at: number;
}

export interface CountTask {
  readonly kind: 'count';
  readonly n: number;
  readonly stepMs?: number;
  readonly tickEvery?: number;
  readonly fail?: StepRule & { readonly code: ErrorCodeName; readonly retryable: boolean };
  readonly hang?: StepRule;
  readonly crash?: StepRule;
  readonly throwAt?: number;
}
export interface UntilStopTask {
  readonly kind: 'until-stop';
  readonly n: number;
  /** Time taken after the stop signal, finishing what is in flight. */
  readonly lingerMs?: number;
}
export interface MeetTask {
  readonly kind: 'meet';
  readonly expect: number;
  readonly n: number;
  readonly untilStop: boolean;
}
export interface EchoTask {
  readonly kind: 'echo';
  readonly text: string;
}
export interface ShardChild {
  readonly id: string;
  readonly parents: readonly string[];
}
export interface ShardTask {
  readonly kind: 'shard';
  readonly ms: number;
  readonly children: readonly ShardChild[];
}

export type FixtureTask = CountTask | UntilStopTask | MeetTask | EchoTask | ShardTask;

export type FixtureData =
  | { readonly type: 'begin'; readonly kind: FixtureTask['kind']; readonly attempt: number; readonly cursor: string | null; readonly threadId: number }
  | { readonly type: 'end'; readonly kind: FixtureTask['kind'] }
  | { readonly type: 'tick'; readonly i: number }
  | { readonly type: 'met'; readonly together: number; readonly threadId: number }
  | { readonly type: 'echo'; readonly text: string }
  | { readonly type: 'split'; readonly children: readonly ShardChild[] };

export interface FixtureJob extends JobShape {
  readonly counter: 'units' | 'evens' | 'tails' | 'echoes';
  readonly phase: 'step';
  readonly task: FixtureTask;
  readonly data: FixtureData;
}

export interface FixtureWorkerData {
  readonly failOpen?: { readonly code: ErrorCodeName; readonly message: string };
}

/** Fast retries: the tests wait for backoff many times. */
export const FAST_RETRY = { retries: 2, baseDelayMs: 10, maxDelayMs: 20 } as const;

export function newStats(): JobStats<FixtureJob['counter']> {
  return new JobStats<FixtureJob['counter']>('units');
}

export function scheduler(
  options: Partial<SchedulerOptions<FixtureJob, FixtureWorkerData>> & Pick<SchedulerOptions<FixtureJob, FixtureWorkerData>, 'stats'>,
): Scheduler<FixtureJob, FixtureWorkerData> {
  return new Scheduler<FixtureJob, FixtureWorkerData>({
    worker: WORKER,
    threads: 2,
    workerData: {},
    progressIntervalMs: 20,
    retry: FAST_RETRY,
    ...options,
  });
}

export function count(n: number, more: Omit<CountTask, 'kind' | 'n'> = {}): CountTask {
  return { kind: 'count', n, ...more };
}

export type LogEntry =
  | { readonly what: 'next'; readonly id: string; readonly cursor: string | undefined }
  | { readonly what: 'advance'; readonly id: string; readonly cursor: string }
  | { readonly what: 'complete' | 'release'; readonly id: string }
  | { readonly what: 'fail'; readonly id: string; readonly error: PlainError }
  | { readonly what: 'data'; readonly id: string; readonly data: FixtureData };

/** Passes every call to `inner` and logs it; `onData` adds the job's data messages to the same log. */
export class LoggedSource<T> implements WorkSource<T> {
  readonly log: LogEntry[] = [];

  constructor(readonly inner: WorkSource<T>) {}

  async next(): Promise<Pull<T>> {
    const pull = await this.inner.next();
    if (pull.kind === 'item') this.log.push({ what: 'next', id: pull.item.id, cursor: pull.item.cursor });
    return pull;
  }

  async advance(id: string, cursor: string): Promise<void> {
    this.log.push({ what: 'advance', id, cursor });
    await this.inner.advance(id, cursor);
  }

  async complete(id: string): Promise<void> {
    this.log.push({ what: 'complete', id });
    await this.inner.complete(id);
  }

  async fail(id: string, error: PlainError): Promise<void> {
    this.log.push({ what: 'fail', id, error });
    await this.inner.fail(id, error);
  }

  async release(id: string): Promise<void> {
    this.log.push({ what: 'release', id });
    await this.inner.release(id);
  }

  readonly onData = (data: FixtureData, item: WorkItem<unknown>): void => {
    this.log.push({ what: 'data', id: item.id, data });
  };

  /** The log entries of one item. */
  of(id: string): LogEntry[] {
    return this.log.filter((e) => e.id === id);
  }

  /** The data messages of one item (or of all), in arrival order. */
  data(id?: string): FixtureData[] {
    return this.log.flatMap((e) => (e.what === 'data' && (id === undefined || e.id === id) ? [e.data] : []));
  }

  /** How many times `what` was called, per item. */
  tally(what: LogEntry['what']): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.log) if (e.what === what) out.set(e.id, (out.get(e.id) ?? 0) + 1);
    return out;
  }
}

export function items<T>(tasks: Record<string, T>): Array<WorkItem<T>> {
  return Object.entries(tasks).map(([id, task]) => ({ id, task }));
}
