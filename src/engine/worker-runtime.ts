/**
 * The worker side of the engine, shared by every worker entry: `defineWorker` opens the
 * worker's clients once at load and says READY (or START-FAILED, so a bad credential fails the
 * job once, at start), then runs each task with its own context — its own counters, histograms,
 * port and stop signal — so one thread can serve several tasks at once.
 *
 *   load ──▶ open(data) ──▶ job channel: ready | start-failed
 *   task envelope {kind, cursor, port} ──▶ handlers[kind](task, context) ──▶ outcome
 *     context ──▶ port: progress (every progressIntervalMs, when counters moved), warning,
 *                       data, position … result (last; carries the counters not sent yet)
 *   port: abort ──▶ this task's signal;  job channel: stop ──▶ every task's signal
 *   job channel: shutdown ──▶ close(resources) ──▶ shutdown-ack
 */
import '../node-warnings.js';
import { BroadcastChannel, threadId, workerData, type MessagePort } from 'node:worker_threads';
import { toPlainError, toolError, type PlainError } from '../errors.js';
import { PhaseRecorder } from '../metrics/histogram.js';
import { hitFailpoint, type ArmedFailpoints } from './failpoints.js';
import {
  PROTOCOL_VERSION,
  assertVersion,
  controlMessage,
  unreachable,
  type ControlMessage,
  type Counters,
  type JobShape,
  type ResultMessage,
  type TaskEnvelope,
  type TaskStatus,
} from './protocol.js';

/** What the pool puts into every worker's `workerData`. */
export interface WorkerEnvelopeData<D> {
  readonly jobId: string;
  readonly progressIntervalMs: number;
  readonly failpoints?: ArmedFailpoints;
  readonly data: D;
}

export function jobChannelName(jobId: string): string {
  return `cass2ddb-fast:${jobId}`;
}

export type TaskOutcome = { readonly status: 'done' } | { readonly status: 'stopped' } | { readonly status: 'failed'; readonly error: PlainError };

export const DONE: TaskOutcome = Object.freeze({ status: 'done' });
export const STOPPED: TaskOutcome = Object.freeze({ status: 'stopped' });
export function failed(error: PlainError): TaskOutcome {
  return { status: 'failed', error };
}

/** A task's view of the engine: report through it, stop when its signal says so. */
export interface TaskContext<J extends JobShape, R> {
  readonly taskId: string;
  readonly itemId: string;
  readonly attempt: number;
  /** Where earlier attempts got to; undefined: from the start. */
  readonly cursor: string | undefined;
  readonly resources: R;
  /** Aborted when this task (or the whole job) is asked to stop: finish what is in flight. */
  readonly signal: AbortSignal;
  add(counter: J['counter'], n?: number): void;
  /** Records `micros` once, or `count` times (one value for many items). */
  record(phase: J['phase'], micros: number, count?: number): void;
  total(counter: J['counter']): number;
  warn(error: PlainError): void;
  /**
   * A job payload; goes out before any later position (one port: ordered), and after the
   * counters added so far (flushed first), so the main thread has counted what it speaks of.
   */
  send(data: J['data']): void;
  /** Everything up to `cursor` is settled; flushes counters first so totals include it. */
  position(cursor: string): void;
  /** A test hook (src/engine/failpoints.ts); does nothing unless armed. */
  failpoint(name: string): Promise<void>;
}

export type TaskHandler<J extends JobShape, K extends J['task']['kind'], R> = (
  task: Extract<J['task'], { kind: K }>,
  context: TaskContext<J, R>,
) => Promise<TaskOutcome>;

export interface WorkerDefinition<J extends JobShape, D, R> {
  /** Opens the worker's clients; they live as long as the worker. */
  open(data: D): Promise<R>;
  close(resources: R): Promise<void>;
  readonly handlers: { readonly [K in J['task']['kind']]: TaskHandler<J, K, R> };
}

class TaskRun<J extends JobShape, R> implements TaskContext<J, R> {
  readonly taskId: string;
  readonly itemId: string;
  readonly attempt: number;
  readonly cursor: string | undefined;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly recorder = new PhaseRecorder<J['phase']>();
  private counters: Counters<J['counter']> = {};
  private readonly totals: Counters<J['counter']> = {};
  private readonly timer: NodeJS.Timeout;
  private ended = false;

  constructor(
    envelope: TaskEnvelope<J>,
    private readonly port: MessagePort,
    readonly resources: R,
    intervalMs: number,
    private readonly failpoints: ArmedFailpoints | undefined,
  ) {
    this.taskId = envelope.taskId;
    this.itemId = envelope.itemId;
    this.attempt = envelope.attempt;
    this.cursor = envelope.cursor;
    this.signal = this.controller.signal;
    this.timer = setInterval(() => this.flush(), intervalMs);
    port.on('message', (message: unknown) => {
      assertVersion(message, 'message from the main thread');
      if (message.type !== 'abort') throw new Error(`thread protocol: unknown task message ${message.type}`);
      this.stop();
    });
  }

  stop(): void {
    this.controller.abort();
  }

  add(counter: J['counter'], n = 1): void {
    const c = this.counters as Record<string, number>;
    const t = this.totals as Record<string, number>;
    c[counter] = (c[counter] ?? 0) + n;
    t[counter] = (t[counter] ?? 0) + n;
  }

  record(phase: J['phase'], micros: number, count = 1): void {
    this.recorder.record(phase, micros, count);
  }

  total(counter: J['counter']): number {
    return (this.totals as Record<string, number>)[counter] ?? 0;
  }

  warn(error: PlainError): void {
    this.port.postMessage({ v: PROTOCOL_VERSION, type: 'warning', taskId: this.taskId, error });
  }

  send(data: J['data']): void {
    // Counters first: a payload that says "counted up to here" is never ahead of the counts.
    this.flush();
    this.port.postMessage({ v: PROTOCOL_VERSION, type: 'data', taskId: this.taskId, data });
  }

  position(cursor: string): void {
    this.flush();
    this.port.postMessage({ v: PROTOCOL_VERSION, type: 'position', taskId: this.taskId, cursor });
  }

  failpoint(name: string): Promise<void> {
    return hitFailpoint(this.failpoints, name);
  }

  /** Posts the result (the last message, with what was not sent yet) and releases the port. */
  end(status: TaskStatus, error?: PlainError): { status: TaskStatus } {
    if (!this.ended) {
      this.ended = true;
      clearInterval(this.timer);
      const result: ResultMessage<J> = {
        v: PROTOCOL_VERSION,
        type: 'result',
        taskId: this.taskId,
        status,
        ...(error === undefined ? {} : { error }),
        counters: this.counters,
        histograms: this.recorder.drain(),
      };
      this.counters = {};
      this.port.postMessage(result);
      this.port.close();
    }
    return { status };
  }

  private flush(): void {
    const counters = this.counters;
    if (Object.keys(counters).length === 0) return;
    this.counters = {};
    this.port.postMessage({ v: PROTOCOL_VERSION, type: 'progress', taskId: this.taskId, counters, histograms: this.recorder.drain() });
  }
}

/**
 * Builds a worker entry: `export default defineWorker({...})`. Opening starts at load, so a
 * worker's clients are ready (or its failure known) before its first task.
 */
export function defineWorker<J extends JobShape, D, R>(definition: WorkerDefinition<J, D, R>): (envelope: TaskEnvelope<J> & { port: MessagePort }) => Promise<{ status: TaskStatus }> {
  const env = workerData as WorkerEnvelopeData<D>;
  const running = new Set<TaskRun<J, R>>();
  let stopped = false;
  let closing: Promise<void> | undefined;
  const channel = new BroadcastChannel(jobChannelName(env.jobId));
  // The channel must not keep an idle worker alive on its own.
  channel.unref();
  const post = (message: ControlMessage): void => channel.postMessage(message);

  const opened = definition.open(env.data);
  opened.then(
    () => post(controlMessage('ready', { threadId })),
    (error: unknown) => post(controlMessage('start-failed', { threadId, error: toPlainError(error) })),
  );

  channel.onmessage = (event: unknown) => {
    const message = (event as { data: unknown }).data;
    assertVersion(message, 'control message');
    const m = message as ControlMessage;
    switch (m.type) {
      case 'stop':
        stopped = true;
        for (const task of running) task.stop();
        return;
      case 'shutdown':
        closing ??= opened.then((r) => definition.close(r), () => undefined).catch(() => undefined);
        void closing.then(() => post(controlMessage('shutdown-ack', { threadId })));
        return;
      case 'ready':
      case 'start-failed':
      case 'shutdown-ack':
        return; // other workers' messages to the main thread
      default:
        unreachable(m, 'control message');
    }
  };

  return async function run(envelope) {
    envelope.port.postMessage({ v: PROTOCOL_VERSION, type: 'started', taskId: envelope.taskId, threadId });
    let resources: R;
    try {
      resources = await opened;
    } catch (error) {
      const run = new TaskRun<J, undefined>(envelope, envelope.port, undefined, env.progressIntervalMs, env.failpoints);
      const plain = toPlainError(error);
      return run.end('failed', { ...plain, code: 'WORKER_START_FAILED', retryable: false });
    }
    const task = new TaskRun<J, R>(envelope, envelope.port, resources, env.progressIntervalMs, env.failpoints);
    if (stopped) task.stop();
    running.add(task);
    let outcome: TaskOutcome;
    try {
      const kind = envelope.task.kind as J['task']['kind'];
      const handler = definition.handlers[kind] as TaskHandler<J, typeof kind, R> | undefined;
      if (handler === undefined) throw toolError('INTERNAL', `worker: no handler for task kind '${String(kind)}'`);
      outcome = await handler(envelope.task as Extract<J['task'], { kind: typeof kind }>, task);
    } catch (error) {
      outcome = failed(toPlainError(error));
    } finally {
      running.delete(task);
    }
    return outcome.status === 'failed' ? task.end('failed', outcome.error) : task.end(outcome.status);
  };
}

/** Microseconds since `startedMs` (a performance.now() reading). */
export function microsSince(startedMs: number): number {
  return (performance.now() - startedMs) * 1000;
}
