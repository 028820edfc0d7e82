/**
 * The worker pool: Piscina with the settings the engine depends on, plus the per-task
 * MessagePort that carries live counters and histogram deltas back to the main thread.
 *
 * - `atomics: 'disabled'`: the default 'sync' mode parks an idle worker in Atomics.wait, which
 *   blocks its event loop between tasks and stalls driver heartbeats and keep-alive sockets.
 * - Workers live for the whole job (long idle timeout), each owning its own clients.
 * - At the end a shutdown is broadcast so every worker closes its clients before the threads
 *   are destroyed (a terminated thread cannot run async clean-up).
 */
import { BroadcastChannel, MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Piscina } from 'piscina';
import { ErrorCode } from '../errors.js';
import { PACKAGE_ROOT } from '../package-info.js';
import {
  PROTOCOL_VERSION,
  assertWorkerMessage,
  type ControlMessage,
  type TaskResult,
  type WorkerMessage,
} from './protocol.js';

export interface PoolOptions {
  /** Worker entry name under workers/, without extension, e.g. 'populate-worker'. */
  readonly worker: string;
  readonly threads: number;
  /** Names the shutdown channel; unique per job so parallel jobs in one process never mix. */
  readonly jobId: string;
  /** Plain data every worker receives as `workerData`. */
  readonly workerData: unknown;
}

/** Base of every task: the pool adds `port`. */
export interface TaskBase {
  readonly taskId: string;
}

export function shutdownChannelName(jobId: string): string {
  return `cass2ddb-fast:${jobId}`;
}

/** Workers are always run from the compiled JavaScript (Node 20 cannot load .ts in a thread). */
export function workerFilename(worker: string): string {
  const here = fileURLToPath(import.meta.url);
  // Running from source (vitest) uses the build that `npm test` makes first.
  if (here.endsWith('.ts')) return path.join(PACKAGE_ROOT, 'dist', 'workers', `${worker}.js`);
  return path.resolve(path.dirname(here), '..', '..', 'workers', `${worker}.js`);
}

export class WorkerPool {
  private readonly piscina: Piscina;
  private readonly options: PoolOptions;
  private closed = false;

  constructor(options: PoolOptions) {
    this.options = options;
    this.piscina = new Piscina({
      filename: workerFilename(options.worker),
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: 60 * 60 * 1000,
      concurrentTasksPerWorker: 1,
      atomics: 'disabled',
      workerData: { jobId: options.jobId, data: options.workerData },
    });
  }

  /**
   * Runs one task. `onMessage` sees every live message; the promise resolves once both the
   * result and the worker's final message have arrived, so no counter is ever lost.
   */
  async run<T extends TaskBase, Done>(task: T, onMessage: (message: WorkerMessage) => void): Promise<TaskResult<Done>> {
    const { port1, port2 } = new MessageChannel();
    let resolveFinal!: () => void;
    const finalSeen = new Promise<void>((resolve) => (resolveFinal = resolve));
    port1.on('message', (message: unknown) => {
      assertWorkerMessage(message);
      onMessage(message);
      if (message.type === 'progress' && message.final === true) resolveFinal();
    });
    try {
      const result = (await this.piscina.run({ ...task, port: port2 }, { transferList: [port2] })) as TaskResult<Done>;
      await finalSeen;
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: 'failed', taskId: task.taskId, error: { code: ErrorCode.WORKER_CRASHED, message, retryable: true } };
    } finally {
      port1.close();
    }
  }

  /**
   * Asks every worker to finish what it has in flight and return a 'stopped' result. Used on
   * SIGINT/SIGTERM: a terminated thread could not save where it was.
   */
  stop(): void {
    const channel = new BroadcastChannel(shutdownChannelName(this.options.jobId));
    const stop: ControlMessage = { v: PROTOCOL_VERSION, type: 'stop' };
    channel.postMessage(stop);
    channel.close();
  }

  get threadCount(): number {
    return this.piscina.threads.length;
  }

  /** Asks every worker to close its clients, then destroys the threads. Safe to call twice. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const channel = new BroadcastChannel(shutdownChannelName(this.options.jobId));
    const expected = this.piscina.threads.length;
    const acked = new Set<number>();
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        channel.onmessage = (event: unknown) => {
          const data = (event as { data: ControlMessage }).data;
          if (data.type === 'shutdown-ack') acked.add(data.threadId);
          if (acked.size >= expected) {
            clearTimeout(timer);
            resolve();
          }
        };
        const shutdown: ControlMessage = { v: PROTOCOL_VERSION, type: 'shutdown' };
        channel.postMessage(shutdown);
        if (expected === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    } finally {
      channel.close();
      await this.piscina.destroy();
    }
  }
}
