/**
 * What every worker entry shares: the shutdown listener that closes the worker's clients, and
 * the per-task reporter that streams counters and histogram deltas over the task's port.
 */
import '../node-warnings.js';
import { BroadcastChannel, threadId, workerData, type MessagePort } from 'node:worker_threads';
import { PhaseRecorder } from '../metrics/histogram.js';
import { PROTOCOL_VERSION, type ControlMessage, type DeadLetterMessage, type DifferencesMessage, type PositionMessage, type ProgressMessage, type WarningMessage } from './protocol.js';
import type { DeadLetter } from './dead-letters.js';
import type { Difference } from '../verify/task.js';
import { shutdownChannelName } from './pool.js';
import type { PlainError } from '../errors.js';

export interface WorkerData<T> {
  readonly jobId: string;
  readonly data: T;
}

export function getWorkerData<T>(): WorkerData<T> {
  return workerData as WorkerData<T>;
}

const closers: Array<() => Promise<void>> = [];
let listening = false;
let stopping = false;

/** True once the main thread asked for a graceful stop: tasks return what they have. */
export function isStopping(): boolean {
  return stopping;
}

/** Registers clean-up to run when the main thread broadcasts shutdown. */
export function onShutdown(close: () => Promise<void>): void {
  closers.push(close);
}

/** Call once at worker load: answers the main thread's shutdown broadcast. */
export function listenForShutdown(): void {
  if (listening) return;
  listening = true;
  const { jobId } = getWorkerData<unknown>();
  const channel = new BroadcastChannel(shutdownChannelName(jobId));
  // The channel must not keep an idle worker alive on its own.
  channel.unref();
  channel.onmessage = (event: unknown) => {
    const data = (event as { data: ControlMessage }).data;
    switch (data.type) {
      case 'stop':
        stopping = true;
        return;
      case 'shutdown': {
        const pending = closers.splice(0).map((close) => close().catch(() => undefined));
        void Promise.all(pending).then(() => {
          const ack: ControlMessage = { v: PROTOCOL_VERSION, type: 'shutdown-ack', threadId };
          channel.postMessage(ack);
        });
        return;
      }
      case 'shutdown-ack':
        return; // another worker's answer
      default: {
        const never: never = data;
        throw new Error(`thread protocol: unknown control message ${JSON.stringify(never)}`);
      }
    }
  };
}

/**
 * A resource a worker opens on first use and keeps for its life, closed by the shutdown
 * broadcast. A failed open is forgotten, so the next task tries again.
 */
export function lazyResource<T>(open: () => Promise<T>, close: (value: T) => Promise<void>): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => {
    if (opened === undefined) {
      const attempt = open();
      opened = attempt;
      attempt.then(
        (value) => onShutdown(() => close(value)),
        () => {
          if (opened === attempt) opened = undefined;
        },
      );
    }
    return opened;
  };
}

/** Streams a task's counters and latencies to the main thread at a fixed cadence. */
export class TaskReporter<Phase extends string, Counter extends string> {
  private readonly recorder = new PhaseRecorder<Phase>();
  private counters: Partial<Record<Counter, number>> = {};
  private readonly totals: Partial<Record<Counter, number>> = {};
  private readonly timer: NodeJS.Timeout;
  private finished = false;

  constructor(
    private readonly port: MessagePort,
    private readonly taskId: string,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.flush(false), intervalMs);
  }

  add(counter: Counter, n = 1): void {
    this.counters[counter] = (this.counters[counter] ?? 0) + n;
    this.totals[counter] = (this.totals[counter] ?? 0) + n;
  }

  record(phase: Phase, micros: number): void {
    this.recorder.record(phase, micros);
  }

  total(counter: Counter): number {
    return this.totals[counter] ?? 0;
  }

  warn(error: PlainError): void {
    const message: WarningMessage = { v: PROTOCOL_VERSION, type: 'warning', taskId: this.taskId, error };
    this.port.postMessage(message);
  }

  /** Dead letters go out before the position that moves past them (one port: ordered). */
  deadLetters(letters: readonly DeadLetter[]): void {
    if (letters.length === 0) return;
    const message: DeadLetterMessage = { v: PROTOCOL_VERSION, type: 'dead-letters', taskId: this.taskId, letters };
    this.port.postMessage(message);
  }

  differences(differences: readonly Difference[]): void {
    if (differences.length === 0) return;
    const message: DifferencesMessage = { v: PROTOCOL_VERSION, type: 'differences', taskId: this.taskId, differences };
    this.port.postMessage(message);
  }

  /** Flushes counters first, so the main thread's totals include every row up to the position. */
  position(rangeId: string, resumeAfter: string): void {
    this.flush(false);
    const message: PositionMessage = { v: PROTOCOL_VERSION, type: 'position', taskId: this.taskId, rangeId, resumeAfter };
    this.port.postMessage(message);
  }

  /** Sends the last deltas with `final: true` and releases the port. */
  finish(): Readonly<Partial<Record<Counter, number>>> {
    if (!this.finished) {
      this.finished = true;
      clearInterval(this.timer);
      this.flush(true);
      this.port.close();
    }
    return { ...this.totals };
  }

  private flush(final: boolean): void {
    const counters = this.counters as Record<string, number>;
    this.counters = {};
    const message: ProgressMessage = {
      v: PROTOCOL_VERSION,
      type: 'progress',
      taskId: this.taskId,
      counters,
      histograms: this.recorder.drain(),
      ...(final ? { final: true } : {}),
    };
    if (final || Object.keys(counters).length > 0) this.port.postMessage(message);
  }
}
