/**
 * The thread protocol: the only shapes that cross between the main thread and the workers.
 * Versioned; handled with exhaustive switches; an unknown message fails loudly.
 *
 *   main ── task (plain data + a MessagePort) ──▶ worker
 *   main ◀── WorkerMessage on that port, at most every `progressIntervalMs` ── worker
 *   main ◀── task result (plain data) ── worker
 */
import type { PlainError } from '../errors.js';
import type { DeadLetter } from './dead-letters.js';
import type { Difference } from '../verify/task.js';

export const PROTOCOL_VERSION = 1 as const;

/** Live counters and histogram deltas a worker sends while a task runs. */
export interface ProgressMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'progress';
  readonly taskId: string;
  /** Counter deltas since the previous message (e.g. rowsWritten, retries). */
  readonly counters: Readonly<Record<string, number>>;
  /** hdr-histogram compressed base64 deltas since the previous message, per phase. */
  readonly histograms: Readonly<Record<string, string | undefined>>;
  /** The last message of a task: the main thread waits for it before using the result. */
  readonly final?: boolean;
}

/** A retryable problem the worker handled itself; the main thread logs it. */
export interface WarningMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'warning';
  readonly taskId: string;
  readonly error: PlainError;
}

/** Rows a worker could not write; sent before the position that moves past them. */
export interface DeadLetterMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'dead-letters';
  readonly taskId: string;
  readonly letters: readonly DeadLetter[];
}

/**
 * Every row of the range with token ≤ resumeAfter is written or dead-lettered: the checkpoint
 * may move there. Sent after each fully handled page.
 */
export interface PositionMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'position';
  readonly taskId: string;
  readonly rangeId: string;
  readonly resumeAfter: string;
}

/** Differences a verify worker found (and, with --fix, repaired). */
export interface DifferencesMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'differences';
  readonly taskId: string;
  readonly differences: readonly Difference[];
}

export type WorkerMessage = ProgressMessage | WarningMessage | DeadLetterMessage | PositionMessage | DifferencesMessage;
export type StatsMessage = ProgressMessage | WarningMessage;

/** Broadcast on interrupt: finish what is in flight, return a 'stopped' result, start nothing new. */
export interface StopMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'stop';
}

/** Broadcast from the main thread to every worker at the end of a job. */
export interface ShutdownMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'shutdown';
}

/** A worker's answer to a shutdown: it has closed its clients. */
export interface ShutdownAckMessage {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'shutdown-ack';
  readonly threadId: number;
}

export type ControlMessage = StopMessage | ShutdownMessage | ShutdownAckMessage;

/** Every task result has a status; partial failure is a result, not an exception. */
export type TaskResult<Done> =
  | { readonly status: 'done'; readonly taskId: string; readonly value: Done }
  | { readonly status: 'stopped'; readonly taskId: string; readonly partial: Done }
  | { readonly status: 'failed'; readonly taskId: string; readonly error: PlainError; readonly partial?: Done };

export function assertWorkerMessage(message: unknown): asserts message is WorkerMessage {
  const m = message as { v?: unknown; type?: unknown } | null;
  if (m === null || typeof m !== 'object' || m.v !== PROTOCOL_VERSION) {
    throw new Error(`thread protocol: unexpected message ${JSON.stringify(message)?.slice(0, 200)}`);
  }
}

export function unreachable(value: never, what: string): never {
  throw new Error(`thread protocol: unknown ${what} ${JSON.stringify(value)?.slice(0, 200)}`);
}
