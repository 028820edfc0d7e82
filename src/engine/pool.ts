/**
 * The worker pool: Piscina with the settings the engine depends on, the job channel (ready,
 * stop, shutdown) and one MessagePort per task for its messages.
 *
 * - `atomics: 'disabled'`: the default 'sync' mode parks an idle worker in Atomics.wait, which
 *   blocks its event loop between tasks and stalls driver heartbeats and keep-alive sockets.
 * - Workers live for the whole job (long idle timeout), each owning its own clients, and may
 *   run `concurrentTasksPerWorker` tasks at once (one thread follows many stream shards).
 * - `ready()` waits until every worker has opened its clients, or fails at the first that could not.
 * - A task can be stopped gracefully (a message on its port) or killed (Piscina terminates its
 *   thread and starts a new one): the way out for a thread that no longer answers.
 * - At the end a shutdown is broadcast so every worker closes its clients before the threads
 *   are destroyed (a terminated thread cannot run async clean-up).
 */
import { BroadcastChannel, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Piscina } from 'piscina';
import { DEFAULTS } from '../config/defaults.js';
import { toolError, type PlainError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-info.js';
import type { ArmedFailpoints } from './failpoints.js';
import {
  PROTOCOL_VERSION,
  assertVersion,
  controlMessage,
  type AbortTaskMessage,
  type ControlMessage,
  type JobShape,
  type ResultMessage,
  type StartedMessage,
  type TaskEnvelope,
  type TaskMessage,
} from './protocol.js';
import { jobChannelName, type WorkerEnvelopeData } from './worker-runtime.js';

export interface PoolOptions<D> {
  /** Worker entry name under workers/, without extension, e.g. 'migrate-worker'; or an absolute file. */
  readonly worker: string;
  readonly threads: number;
  readonly concurrentTasksPerWorker?: number;
  /** Names the job channel; unique per job so parallel jobs in one process never mix. */
  readonly jobId: string;
  readonly progressIntervalMs: number;
  readonly failpoints?: ArmedFailpoints;
  /** Plain data every worker receives. */
  readonly workerData: D;
}

/** Workers are always run from the compiled JavaScript (Node 20 cannot load .ts in a thread). */
export function workerFilename(worker: string): string {
  if (path.isAbsolute(worker)) return worker;
  const here = fileURLToPath(import.meta.url);
  // Running from source (vitest) uses the build that `npm test` makes first.
  if (here.endsWith('.ts')) return path.join(PACKAGE_ROOT, 'dist', 'workers', `${worker}.js`);
  return path.resolve(path.dirname(here), '..', '..', 'workers', `${worker}.js`);
}

/** A running task: its result, and the two ways to end it early. */
export interface RunningTask<J extends JobShape> {
  /** The worker's result message; a crashed or killed thread gives a 'failed' result. */
  readonly result: Promise<ResultMessage<J>>;
  /** True once a thread has taken the task (before that it waits in Piscina's queue). */
  readonly started: boolean;
  /** Graceful: the task finishes what is in flight and answers 'stopped'. */
  stop(): void;
  /** Terminates the thread running it (and any other task on that thread); the result fails with `error`. */
  kill(error: PlainError): void;
}

function failedResult<J extends JobShape>(taskId: string, error: PlainError): ResultMessage<J> {
  return { v: PROTOCOL_VERSION, type: 'result', taskId, status: 'failed', error, counters: {}, histograms: {} };
}

export class WorkerPool<J extends JobShape, D> {
  private readonly piscina: Piscina;
  private readonly channel: BroadcastChannel;
  private readonly ready = new Set<number>();
  private readonly readyWaiters = new Set<() => void>();
  private startFailure: PlainError | undefined;
  private readonly acks = new Set<number>();
  private onAck: (() => void) | undefined;
  private closed = false;
  private stopped = false;

  constructor(private readonly options: PoolOptions<D>) {
    this.channel = new BroadcastChannel(jobChannelName(options.jobId));
    this.channel.onmessage = (event: unknown) => this.onControl((event as { data: unknown }).data);
    const data: WorkerEnvelopeData<D> = {
      jobId: options.jobId,
      progressIntervalMs: options.progressIntervalMs,
      ...(options.failpoints === undefined ? {} : { failpoints: options.failpoints }),
      data: options.workerData,
    };
    this.piscina = new Piscina({
      filename: workerFilename(options.worker),
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 60 * 60 * 1000,
      concurrentTasksPerWorker: options.concurrentTasksPerWorker ?? 1,
      atomics: 'disabled',
      workerData: data,
    });
    // Piscina reports a thread that died outside a task here. Before every worker is ready it is
    // a start failure (a worker entry that cannot load); later, Piscina replaces the thread.
    this.piscina.on('error', (error: unknown) => {
      if (this.ready.size >= this.options.threads) return;
      const message = error instanceof Error ? error.message : String(error);
      this.startFailure ??= { code: 'WORKER_START_FAILED', message: `a worker thread failed to start: ${message}`, retryable: false };
      for (const waiter of this.readyWaiters) waiter();
    });
  }

  /** Resolves once every worker has opened its clients; throws the first start failure. */
  async whenReady(timeoutMs: number): Promise<void> {
    const settled = () => this.startFailure !== undefined || this.ready.size >= this.options.threads;
    if (!settled()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        const waiter = (): void => {
          if (settled()) done();
        };
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.readyWaiters.add(waiter);
      });
    }
    this.readyWaiters.clear();
    if (this.startFailure !== undefined) throw toolError(this.startFailure.code, this.startFailure.message, this.startFailure.context === undefined ? undefined : { ...this.startFailure.context });
    if (this.ready.size < this.options.threads) {
      throw toolError('WORKER_START_FAILED', `${this.options.threads - this.ready.size} of ${this.options.threads} worker threads did not open their clients within ${Math.round(timeoutMs / 1000)} s`);
    }
  }

  /** Dispatches one task; `onMessage` sees every message before the result, in order. */
  run(envelope: TaskEnvelope<J>, onMessage: (message: Exclude<TaskMessage<J>, ResultMessage<J> | StartedMessage>) => void): RunningTask<J> {
    const { port1, port2 } = new MessageChannel();
    let killedWith: PlainError | undefined;
    let threadId: number | undefined;
    let resolveResult!: (m: ResultMessage<J>) => void;
    const resultSeen = new Promise<ResultMessage<J>>((resolve) => (resolveResult = resolve));
    const handle = (message: unknown): void => {
      assertVersion(message, 'worker message');
      const m = message as TaskMessage<J>;
      if (m.type === 'started') threadId = m.threadId;
      else if (m.type === 'result') resolveResult(m);
      else if (killedWith === undefined) onMessage(m);
    };
    port1.on('message', handle);
    // No AbortSignal to Piscina: it never lets abortable tasks share a thread, and one thread must
    // be able to follow many stream shards. A hung task is ended by terminating its thread.
    const result = (async (): Promise<ResultMessage<J>> => {
      try {
        await this.piscina.run({ ...envelope, port: port2 }, { transferList: [port2] });
        // Posted before the worker returned, on the same port as every earlier message.
        return await resultSeen;
      } catch (error) {
        if (killedWith !== undefined) return failedResult(envelope.taskId, killedWith);
        // The thread died: what it posted before (positions, payloads) may still wait in the
        // port, and the port closes below. Take it now, in order, so the retry starts from the
        // last position the thread reached rather than an earlier one.
        for (let queued = receiveMessageOnPort(port1); queued !== undefined; queued = receiveMessageOnPort(port1)) handle(queued.message);
        const message = error instanceof Error ? error.message : String(error);
        return failedResult(envelope.taskId, { code: 'WORKER_CRASHED', message: `worker thread failed: ${message}`, retryable: true });
      } finally {
        port1.close();
      }
    })();
    const piscina = this.piscina;
    return {
      result,
      get started() {
        return threadId !== undefined;
      },
      stop: () => {
        const abort: AbortTaskMessage = { v: PROTOCOL_VERSION, type: 'abort' };
        port1.postMessage(abort);
      },
      kill: (error) => {
        if (threadId === undefined || killedWith !== undefined) return;
        killedWith = error;
        // Piscina sees the thread exit, fails its tasks and starts a new thread in its place.
        void piscina.threads.find((w) => w.threadId === threadId)?.terminate();
      },
    };
  }

  /** Asks every running task to finish what it has in flight and answer 'stopped'. */
  stop(): void {
    this.stopped = true;
    this.channel.postMessage(controlMessage('stop', {}));
  }

  get threadCount(): number {
    return this.piscina.threads.length;
  }

  /** Asks every worker to close its clients, then destroys the threads. Safe to call twice. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const expected = this.piscina.threads.length;
    try {
      if (expected > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          this.onAck = () => {
            if (this.acks.size >= expected) {
              clearTimeout(timer);
              resolve();
            }
          };
          this.channel.postMessage(controlMessage('shutdown', {}));
        });
      }
    } finally {
      this.channel.close();
      await this.piscina.destroy();
    }
  }

  /**
   * A thread that joined the job channel after a stop or shutdown was broadcast (the replacement
   * of a killed or crashed thread, or one still loading) never heard it: say it again to the
   * newcomer. Workers take both messages more than once.
   */
  private repeatBroadcasts(): void {
    if (this.stopped) this.channel.postMessage(controlMessage('stop', {}));
    if (this.closed) this.channel.postMessage(controlMessage('shutdown', {}));
  }

  private onControl(message: unknown): void {
    assertVersion(message, 'control message');
    const m = message as ControlMessage;
    switch (m.type) {
      case 'ready':
        this.ready.add(m.threadId);
        this.repeatBroadcasts();
        break;
      case 'start-failed':
        this.startFailure ??= m.error;
        this.repeatBroadcasts();
        break;
      case 'shutdown-ack':
        this.acks.add(m.threadId);
        this.onAck?.();
        return;
      case 'stop':
      case 'shutdown':
        return; // our own broadcasts are not echoed, but other pools' could be
      default: {
        const never: never = m;
        throw new Error(`thread protocol: unknown control message ${JSON.stringify(never)}`);
      }
    }
    for (const waiter of this.readyWaiters) waiter();
  }
}

/**
 * How `ranges` tasks at once run on worker threads: one thread per task up to `maxThreads` (one
 * per core), then several tasks on each thread. `workerThreads × tasksPerThread` is at least
 * `ranges` (rounded up to a whole number of tasks per thread).
 */
export function threadLayout(ranges: number, maxThreads: number = DEFAULTS.maxWorkerThreads): { readonly workerThreads: number; readonly tasksPerThread: number } {
  const workerThreads = Math.max(1, Math.min(ranges, maxThreads));
  return { workerThreads, tasksPerThread: Math.ceil(ranges / workerThreads) };
}

/** "on 2 threads", or "8 at once on 2 threads" when each thread runs several. */
export function describeLayout(workerThreads: number, tasksPerThread: number): string {
  const threads = `${workerThreads} thread${workerThreads === 1 ? '' : 's'}`;
  return tasksPerThread === 1 ? `on ${threads}` : `${workerThreads * tasksPerThread} at once on ${threads}`;
}
