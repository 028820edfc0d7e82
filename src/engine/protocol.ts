/**
 * The thread protocol: the only shapes that cross between the main thread and the workers.
 * It belongs to no command: each job declares its own names and payloads as a `JobShape`
 * (counters, phases, task kinds, data messages) and the engine carries them typed on both sides.
 * Versioned; handled with exhaustive switches; an unknown message fails loudly.
 *
 *   main ── TaskEnvelope (plain data + a MessagePort) ─────────────────────────────▶ worker
 *   main ◀── started, progress | warning | data | position … result, in order, on that port ── worker
 *   main ── abort (this task only: finish what is in flight, answer 'stopped') ───▶ worker
 *   main ◀─▶ job channel (BroadcastChannel): ready / start-failed, stop, shutdown / ack
 */
import type { PlainError } from '../errors.js';
import type { HistogramDelta } from '../metrics/histogram.js';

/** 3: histogram deltas are sparse (value, count) pairs, no longer compressed base64. */
export const PROTOCOL_VERSION = 3 as const;

/** What a job declares once and both sides of the thread boundary share. */
export interface JobShape {
  /** Counter names (`rowsRead`, …): a misspelt one is a compile error. */
  readonly counter: string;
  /** Latency phases recorded into hdr histograms (`page-fetch`, …). */
  readonly phase: string;
  /** Task payloads; `kind` picks the worker's handler, so one pool runs several kinds. */
  readonly task: { readonly kind: string };
  /** The job's own messages from a running task (dead letters, differences, …). */
  readonly data: { readonly type: string };
}

export type Counters<C extends string> = Partial<Record<C, number>>;
/** Per phase, the latency values recorded since the last message (src/metrics/histogram.ts). */
export type EncodedHistograms<P extends string> = Partial<Record<P, HistogramDelta>>;

/** What the scheduler hands a worker: one attempt at one work item. */
export interface TaskEnvelope<J extends JobShape> {
  readonly v: typeof PROTOCOL_VERSION;
  /** `<item id>#<attempt>`: unique within a job. */
  readonly taskId: string;
  readonly itemId: string;
  readonly attempt: number;
  /** Where the item's previous attempts got to (opaque to the engine); absent: from the start. */
  readonly cursor?: string;
  readonly task: J['task'];
}

/** The first message of a task: which thread runs it (the pool can stop that thread if it hangs). */
export interface StartedMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'started';
  readonly taskId: string;
  readonly threadId: number;
}

/** Counter and histogram deltas since the previous message; sent only when something moved. */
export interface ProgressMessage<J extends JobShape> {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'progress';
  readonly taskId: string;
  readonly counters: Counters<J['counter']>;
  readonly histograms: EncodedHistograms<J['phase']>;
}

/** A retryable problem the worker handled itself; the main thread logs it. */
export interface WarningMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'warning';
  readonly taskId: string;
  readonly error: PlainError;
}

/** A job payload (dead letters, differences): delivered before any later position. */
export interface DataMessage<J extends JobShape> {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'data';
  readonly taskId: string;
  readonly data: J['data'];
}

/** Everything of the item up to `cursor` is settled: a retry or a resumed run starts after it. */
export interface PositionMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'position';
  readonly taskId: string;
  readonly cursor: string;
}

export type TaskStatus = 'done' | 'stopped' | 'failed';

/** The last message of a task; it carries the counters and histograms not sent yet. */
export interface ResultMessage<J extends JobShape> {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'result';
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly error?: PlainError;
  readonly counters: Counters<J['counter']>;
  readonly histograms: EncodedHistograms<J['phase']>;
}

/** Worker → main on a task's port. */
export type TaskMessage<J extends JobShape> = StartedMessage | ProgressMessage<J> | WarningMessage | DataMessage<J> | PositionMessage | ResultMessage<J>;
/** The messages a job's statistics take in. */
export type StatsMessage<J extends JobShape> = ProgressMessage<J> | WarningMessage | ResultMessage<J>;

/** Main → worker on a task's port: stop this task gracefully (its result will say 'stopped'). */
export interface AbortTaskMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'abort';
}

/** The job channel, a BroadcastChannel named after the job. */
export type ControlMessage =
  /** A worker opened its clients and takes tasks. */
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'ready'; readonly threadId: number }
  /** A worker could not open its clients: the job fails once, at start. */
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'start-failed'; readonly threadId: number; readonly error: PlainError }
  /** Interrupt: every running task finishes what is in flight and answers 'stopped'. */
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'stop' }
  /** End of the job: close your clients. */
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'shutdown' }
  | { readonly v: typeof PROTOCOL_VERSION; readonly type: 'shutdown-ack'; readonly threadId: number };

export function controlMessage<T extends ControlMessage['type']>(type: T, rest: Omit<Extract<ControlMessage, { type: T }>, 'v' | 'type'>): ControlMessage {
  return { v: PROTOCOL_VERSION, type, ...rest } as ControlMessage;
}

function describe(message: unknown): string {
  return JSON.stringify(message)?.slice(0, 200) ?? String(message);
}

export function assertVersion(message: unknown, what: string): asserts message is { v: typeof PROTOCOL_VERSION; type: string } {
  const m = message as { v?: unknown; type?: unknown } | null;
  if (m === null || typeof m !== 'object' || m.v !== PROTOCOL_VERSION || typeof m.type !== 'string') {
    throw new Error(`thread protocol: unexpected ${what} ${describe(message)}`);
  }
}

export function unreachable(value: never, what: string): never {
  throw new Error(`thread protocol: unknown ${what} ${describe(value)}`);
}
