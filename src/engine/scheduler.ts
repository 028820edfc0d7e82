/**
 * The scheduler: runs a job's work on the worker pool. It owns the pool, the dispatch of items
 * pulled from a WorkSource, the per-item retry policy, the silence watchdog, the progress ticker,
 * stop/abort, and closing everything on every exit path.
 *
 *   source.next() ──▶ lane (threads × concurrentTasksPerWorker of them) ──▶ pool.run(envelope)
 *        ▲                                                        │ progress, warning ──▶ stats
 *        │                                                        │ data ──▶ job's onData
 *        └── advance(cursor) ◀── position ────────────────────────┤
 *            complete | release | fail ◀── result (retried with backoff from the last cursor)
 *   watchdog: a task that sends nothing for taskSilenceTimeoutMs is killed and retried
 */
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from '../config/defaults.js';
import { isFatal, toPlainError, type ErrorCodeName, type PlainError } from '../errors.js';
import type { JobStats } from '../metrics/job-stats.js';
import type { ProgressSnapshot } from '../metrics/progress.js';
import { backoffDelayMs, sleep } from './backoff.js';
import type { ArmedFailpoints } from './failpoints.js';
import { WorkerPool, type RunningTask } from './pool.js';
import { PROTOCOL_VERSION, unreachable, type JobShape, type ResultMessage, type StartedMessage, type TaskEnvelope, type TaskMessage } from './protocol.js';
import type { WorkItem, WorkSource } from './work-source.js';
import type { HistogramDelta } from '../metrics/histogram.js';

/** Something that runs alongside the job (rate control, checkpoint saves); stopped on every path. */
export interface JobService {
  start(): void;
  stop(): void;
}

export interface RetryPolicy {
  /** Retries of one item after a retryable failure, within one run. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Codes that mean a database as a whole is out of reach (every node down, a restart): an item
   * failing with one is retried without using up `retries`, with the same backoff, for as long
   * as `outageLimitMs` since its first such failure without progress in between.
   */
  readonly outageCodes: readonly ErrorCodeName[];
  /** How long an outage is waited out; past it the job ends with the outage's error (exit 3). */
  readonly outageLimitMs: number;
}

export interface SchedulerOptions<J extends JobShape, D> {
  /** Worker entry under workers/ (e.g. 'migrate-worker') or an absolute path. */
  readonly worker: string;
  readonly threads: number;
  readonly concurrentTasksPerWorker?: number;
  readonly workerData: D;
  readonly stats: JobStats<J['counter']>;
  readonly progressIntervalMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly taskSilenceTimeoutMs?: number;
  readonly workerStartTimeoutMs?: number;
  /** The job's own messages (dead letters, differences), in order with the item's positions. */
  readonly onData?: (data: J['data'], item: WorkItem<J['task']>) => void;
  /**
   * The task sent for each attempt of an item; default the item's task. A job may add what
   * earlier attempts taught it (monitor: how far a shard's changes are already counted).
   */
  readonly taskForAttempt?: (item: WorkItem<J['task']>, attempt: number) => J['task'];
  /** Told before an item is retried. */
  readonly onRetry?: (item: WorkItem<J['task']>, attempt: number, error: PlainError) => void;
  /** Told when an item is given up in this run (the job may stop: later items would fail alike). */
  readonly onGiveUp?: (item: WorkItem<J['task']>, error: PlainError) => void;
  readonly progress?: {
    readonly display: { update(snapshot: ProgressSnapshot, force?: boolean): void; clear(): void };
    readonly snapshot: (final: boolean) => ProgressSnapshot;
    readonly everyMs?: number;
  };
  readonly services?: readonly JobService[];
  /**
   * Told the number of tasks running whenever it changes (the main thread knows it exactly, even
   * when a thread is killed): jobs share their rate among the workers that are busy.
   */
  readonly onRunningTasks?: (running: number) => void;
  /** Test hook (failpoints.ts): the command arms them from its environment. */
  readonly failpoints?: ArmedFailpoints;
}

export interface SchedulerOutcome {
  /** The failure that ended the job (a fatal code, or a start failure). */
  readonly fatal?: PlainError;
  /** stop() was called (signal, or the job itself): unfinished items were released. */
  readonly stopped: boolean;
  /** Items given up in this run, with their last error. */
  readonly failures: ReadonlyMap<string, PlainError>;
  readonly tasks: number;
  readonly retries: number;
  /** Tasks killed by the silence watchdog. */
  readonly silentTasks: number;
  /** Items the source took away while they ran (leases taken over by another process). */
  readonly lostItems: number;
}

interface Watched {
  lastMessageAt: number;
  readonly running: RunningTask<JobShape>;
}

export class Scheduler<J extends JobShape, D> {
  private readonly retry: RetryPolicy;
  private readonly silenceMs: number;
  private stopping = false;
  private wakeOnStop: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.wakeOnStop = resolve));
  private fatal: PlainError | undefined;
  private readonly failures = new Map<string, PlainError>();
  private readonly watched = new Map<string, Watched>();
  private pool: WorkerPool<J, D> | undefined;
  private tasks = 0;
  private retries = 0;
  private silentTasks = 0;
  private running = 0;
  /** The task running each item now (an item runs once at a time). */
  private readonly byItem = new Map<string, RunningTask<JobShape>>();
  /** Items the source took away while they ran: stopped, and never reported back to it. */
  private readonly lost = new Set<string>();
  private lostCount = 0;

  constructor(private readonly o: SchedulerOptions<J, D>) {
    const e = DEFAULTS.engine;
    this.retry = {
      retries: o.retry?.retries ?? e.taskRetries,
      baseDelayMs: o.retry?.baseDelayMs ?? e.taskRetryBaseDelayMs,
      maxDelayMs: o.retry?.maxDelayMs ?? e.taskRetryMaxDelayMs,
      outageCodes: o.retry?.outageCodes ?? e.outageCodes,
      outageLimitMs: o.retry?.outageLimitMs ?? e.outageLimitMs,
    };
    this.silenceMs = o.taskSilenceTimeoutMs ?? e.taskSilenceTimeoutMs;
  }

  /** Graceful: running tasks finish what they have in flight; nothing new starts. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.pool?.stop();
    this.wakeOnStop();
  }

  /** Ends the job with `error` (exit status from its code). */
  abort(error: PlainError): void {
    this.fatal ??= error;
    this.stop();
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  async run(source: WorkSource<J['task']>, signal?: AbortSignal): Promise<SchedulerOutcome> {
    const onAbort = (): void => this.stop();
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted === true) this.stop();
    const pool = new WorkerPool<J, D>({
      worker: this.o.worker,
      threads: this.o.threads,
      ...(this.o.concurrentTasksPerWorker === undefined ? {} : { concurrentTasksPerWorker: this.o.concurrentTasksPerWorker }),
      jobId: randomUUID(),
      progressIntervalMs: this.o.progressIntervalMs ?? DEFAULTS.progressIntervalMs,
      workerData: this.o.workerData,
      ...(this.o.failpoints === undefined ? {} : { failpoints: this.o.failpoints }),
    });
    this.pool = pool;
    if (this.stopping) pool.stop();
    source.watchLost?.((id, error) => {
      this.lost.add(id);
      this.lostCount++;
      this.o.stats.warning(error);
      this.byItem.get(id)?.stop();
    });
    const services = this.o.services ?? [];
    const progress = this.o.progress;
    const ticker = progress === undefined ? undefined : setInterval(() => progress.display.update(progress.snapshot(false)), progress.everyMs ?? DEFAULTS.engine.progressTickMs);
    const watchdog = setInterval(() => this.watch(), Math.max(50, Math.min(1000, this.silenceMs / 4)));
    try {
      await Promise.race([pool.whenReady(DEFAULTS.engine.workerStartTimeoutMs), this.stopped]);
      for (const s of services) s.start();
      const lanes = this.o.threads * (this.o.concurrentTasksPerWorker ?? 1);
      await Promise.all(Array.from({ length: lanes }, () => this.lane(source)));
    } catch (error) {
      this.abort(toPlainError(error));
    } finally {
      signal?.removeEventListener('abort', onAbort);
      clearInterval(watchdog);
      if (ticker !== undefined) clearInterval(ticker);
      for (const s of services) s.stop();
      if (progress !== undefined) {
        progress.display.update(progress.snapshot(true), true);
        progress.display.clear();
      }
      await pool.close();
    }
    return {
      ...(this.fatal === undefined ? {} : { fatal: this.fatal }),
      stopped: this.stopping,
      failures: this.failures,
      tasks: this.tasks,
      retries: this.retries,
      silentTasks: this.silentTasks,
      lostItems: this.lostCount,
    };
  }

  private async lane(source: WorkSource<J['task']>): Promise<void> {
    try {
      while (!this.stopping) {
        const pull = await source.next();
        switch (pull.kind) {
          case 'finished':
            return;
          case 'wait':
            await Promise.race([pull.until, this.stopped]);
            break;
          case 'item':
            await this.runItem(source, pull.item);
            break;
          default:
            unreachable(pull, 'work source answer');
        }
      }
    } catch (error) {
      // The source failed (a lease that cannot be taken or given up): the job ends, but this
      // lane returns instead of rejecting, so the pool closes only after the other lanes' tasks end.
      this.abort(toPlainError(error));
    }
  }

  /** Runs one item to its end in this run: done, stopped, or given up after its retries. */
  private async runItem(source: WorkSource<J['task']>, item: WorkItem<J['task']>): Promise<void> {
    let cursor = item.cursor;
    /** Failures that use up `retries` (outage failures do not). */
    let counted = 0;
    /** When the current outage began for this item (its first outage failure since it last moved). */
    let outageSince: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const cursorAtStart = cursor;
      // Positions may be async (a lease write): each waits for the one before, the end for all.
      let advanced: Promise<void> = Promise.resolve();
      let broken: PlainError | undefined;
      const envelope: TaskEnvelope<J> = {
        v: PROTOCOL_VERSION,
        taskId: `${item.id}#${attempt}`,
        itemId: item.id,
        attempt,
        ...(cursor === undefined ? {} : { cursor }),
        task: this.o.taskForAttempt?.(item, attempt) ?? item.task,
      };
      const onMessage = (m: Exclude<TaskMessage<J>, ResultMessage<J> | StartedMessage>): void => {
        const w = this.watched.get(envelope.taskId);
        if (w !== undefined) w.lastMessageAt = performance.now();
        if (broken !== undefined) return;
        try {
          this.onMessage(m, item, (c) => {
            cursor = c;
            // A position the source cannot take (a lease write that failed) ends the job like a
            // message the job cannot take; later positions of the item are not passed on.
            advanced = advanced
              .then(() => (broken === undefined ? source.advance(item.id, c) : undefined))
              .catch((error: unknown) => {
                broken ??= toPlainError(error);
                this.abort(broken);
              });
          });
        } catch (error) {
          // A message the job could not take (e.g. a dead-letter file that cannot be written):
          // nothing after it may move the item's position, and the job cannot go on.
          broken = toPlainError(error);
          this.abort(broken);
        }
      };
      this.tasks++;
      this.setRunning(+1);
      const running = this.pool!.run(envelope, onMessage);
      this.watched.set(envelope.taskId, { lastMessageAt: performance.now(), running: running as unknown as RunningTask<JobShape> });
      this.byItem.set(item.id, running as unknown as RunningTask<JobShape>);
      if (this.lost.has(item.id)) running.stop();
      const result = await running.result;
      this.watched.delete(envelope.taskId);
      this.byItem.delete(item.id);
      this.setRunning(-1);
      this.o.stats.addDeltas(result.counters, result.histograms as Record<string, HistogramDelta | undefined>);
      await advanced;
      // Taken away while it ran: whatever the task says, the item is another's now.
      if (this.lost.delete(item.id)) return;
      if (broken !== undefined) {
        await this.giveUp(source, item, broken);
        return;
      }
      switch (result.status) {
        case 'done':
          await source.complete(item.id);
          return;
        case 'stopped':
          await source.release(item.id);
          return;
        case 'failed': {
          const error = result.error ?? { code: 'INTERNAL', message: `task ${envelope.taskId} failed without an error`, retryable: false };
          // Fatal: every other item would fail alike, so the job ends. Not retryable: this item
          // is given up and the job goes on (the job decides what a given-up item means).
          if (isFatal(error.code)) {
            this.abort(error);
            await this.giveUp(source, item, error);
            return;
          }
          const outage = error.retryable && this.retry.outageCodes.includes(error.code);
          if (!outage || cursor !== cursorAtStart) outageSince = undefined;
          if (outage) outageSince ??= performance.now();
          else counted++;
          if (outage && performance.now() - outageSince! > this.retry.outageLimitMs) {
            // Waited out as long as the user allows: the job stops, its checkpoint resumes later.
            const limitMs = this.retry.outageLimitMs;
            const limit = `${(limitMs / 1000).toFixed(limitMs < 10_000 ? 1 : 0)} s`;
            const over: PlainError = { ...error, message: `${error.message} (still failing after the outage limit of ${limit}; --resume continues from the checkpoint)`, retryable: false };
            this.abort(over);
            await this.giveUp(source, item, over);
            return;
          }
          if (!error.retryable || counted > this.retry.retries || this.stopping) {
            await this.giveUp(source, item, error);
            return;
          }
          this.retries++;
          this.o.onRetry?.(item, attempt, error);
          await Promise.race([sleep(backoffDelayMs(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs)), this.stopped]);
          if (this.stopping) {
            await source.release(item.id);
            return;
          }
          break;
        }
        default:
          unreachable(result.status, 'task status');
      }
    }
  }

  private setRunning(delta: number): void {
    this.running += delta;
    this.o.onRunningTasks?.(this.running);
  }

  private async giveUp(source: WorkSource<J['task']>, item: WorkItem<J['task']>, error: PlainError): Promise<void> {
    this.failures.set(item.id, error);
    await source.fail(item.id, error);
    this.o.onGiveUp?.(item, error);
  }

  private onMessage(m: Exclude<TaskMessage<J>, ResultMessage<J> | StartedMessage>, item: WorkItem<J['task']>, position: (cursor: string) => void): void {
    switch (m.type) {
      case 'progress':
        this.o.stats.addDeltas(m.counters, m.histograms as Record<string, HistogramDelta | undefined>);
        return;
      case 'warning':
        this.o.stats.warning(m.error);
        return;
      case 'data':
        if (this.o.onData === undefined) throw new Error(`thread protocol: this job takes no data messages (${m.data.type})`);
        this.o.onData(m.data, item);
        return;
      case 'position':
        position(m.cursor);
        return;
      default:
        unreachable(m, 'worker message');
    }
  }

  /** Kills tasks that have sent nothing for the silence timeout; their items are retried. */
  private watch(): void {
    const now = performance.now();
    for (const [taskId, w] of this.watched) {
      // The clock starts when a thread takes the task, not while it waits for one.
      if (!w.running.started) {
        w.lastMessageAt = now;
        continue;
      }
      if (now - w.lastMessageAt < this.silenceMs) continue;
      this.watched.delete(taskId);
      this.silentTasks++;
      const seconds = Math.round(this.silenceMs / 100) / 10;
      const error: PlainError = { code: 'TASK_TIMEOUT', message: `task ${taskId} sent nothing for ${seconds} s; its thread was stopped and the work is retried`, retryable: true };
      this.o.stats.warning(error);
      w.running.kill(error);
    }
  }
}
