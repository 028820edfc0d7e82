/**
 * The built binary in a subprocess, watched: its --json progress events are read as they come,
 * so a test can act at a moment of the run (send signals, stop a database node) and know how far
 * the run had got.
 */
import { spawn } from 'node:child_process';
import { BIN, jsonLines } from './cli.js';

export interface WatchedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly events: Array<Record<string, unknown>>;
  /** The run's `done` at its last progress event before the first signal was sent (-1: none sent). */
  readonly doneAtSignal: number;
  /** From the last signal sent to the exit (-1: none sent). */
  readonly exitAfterSignalMs: number;
}

export interface Watch {
  /** Asked once per progress event until it answers; the answer's signals are sent `afterMs` later, `gapMs` apart. */
  readonly signals?: (done: number) => { signals: NodeJS.Signals[]; afterMs: number; gapMs?: number } | undefined;
  /** Asked once per progress event until it answers true (then not again): run an action mid-run. */
  readonly at?: (done: number) => boolean;
  readonly action?: () => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The `done` field of a command's --json progress events. */
const PROGRESS = /"event":"progress","command":"[a-z]+","done":(\d+)/g;

export function watchedRun(args: string[], watch: Watch = {}): Promise<WatchedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: watch.env ?? process.env });
    let out = '';
    let err = '';
    let planned = false;
    let acted = false;
    let doneAtSignal = -1;
    let lastSignalAt = 0;
    let lastDone = 0;
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      const chunk = c.toString();
      out += chunk;
      for (const m of (out.slice(-chunk.length - 200)).matchAll(PROGRESS)) lastDone = Number(m[1]);
      if (!acted && watch.at?.(lastDone) === true) {
        acted = true;
        watch.action?.();
      }
      if (planned || watch.signals === undefined) return;
      const plan = watch.signals(lastDone);
      if (plan === undefined) return;
      planned = true;
      setTimeout(() => {
        plan.signals.forEach((sig, i) =>
          setTimeout(() => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            if (i === 0) doneAtSignal = lastDone;
            lastSignalAt = performance.now();
            child.kill(sig);
          }, i * (plan.gapMs ?? 0)),
        );
      }, plan.afterMs);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const events = jsonLines(out);
      resolve({ code, signal, stdout: out, stderr: err, events, doneAtSignal, exitAfterSignalMs: lastSignalAt === 0 ? -1 : performance.now() - lastSignalAt });
    });
  });
}

export const summaryOf = (run: { events: Array<Record<string, unknown>> }): Record<string, unknown> | undefined => run.events.find((e) => e.event === 'summary');
