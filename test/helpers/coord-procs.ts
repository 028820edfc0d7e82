/**
 * Processes of one coordinated job (`migrate --coordinator`), each the built binary in a
 * subprocess with `--json`: its events are read as they come, each stamped with the time it
 * arrived (performance.now() of the test process, the clock the recording proxy stamps requests
 * with), so a test can act at a moment of the run (SIGKILL, SIGSTOP) and line up what a process
 * said with what the proxies saw. Also: the coordination table read directly, as a test's
 * independent view of the leases.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BIN } from './cli.js';

export interface TimedEvent {
  readonly atMs: number;
  readonly e: Record<string, unknown>;
}

export interface CoordProcess {
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: TimedEvent[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status (128 + signal number for a signal). */
  readonly exited: Promise<number>;
  /** The last progress event so far. */
  lastProgress(): Record<string, unknown> | undefined;
  summary(): Record<string, unknown> | undefined;
  /** Resolves once an event satisfies `pred` (or rejects after `timeoutMs`, or when the process exits first). */
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<TimedEvent>;
  kill(signal: NodeJS.Signals): void;
}

export function startProcess(name: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): CoordProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const events: TimedEvent[] = [];
  let out = '';
  let err = '';
  let partial = '';
  const waiters = new Set<{ pred: (e: Record<string, unknown>) => boolean; resolve: (t: TimedEvent) => void }>();
  child.stdout.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    out += text;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    const atMs = performance.now();
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const t = { atMs, e };
      events.push(t);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.delete(w);
          w.resolve(t);
        }
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 180_000);
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? 128 + (signal === null ? 0 : (os.constants.signals[signal] ?? 0)));
    });
  });
  const summary = () => [...events].reverse().find((t) => t.e.event === 'summary')?.e;
  return {
    name,
    child,
    events,
    stdout: () => out,
    stderr: () => err,
    exited,
    lastProgress: () => [...events].reverse().find((t) => t.e.event === 'progress')?.e,
    summary,
    waitFor(pred, timeoutMs, what) {
      const seen = events.find((t) => pred(t.e));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (t: TimedEvent) => (clearTimeout(timeout), resolve(t)) };
        const timeout = setTimeout(() => (waiters.delete(w), reject(new Error(`${name}: no ${what} within ${timeoutMs} ms; stderr: ${err}`))), timeoutMs);
        waiters.add(w);
        void exited.then((status) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timeout);
          reject(new Error(`${name} exited (${status}) before ${what}; stderr: ${err}`));
        });
      });
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The `itemsWritten` of a process's last progress event (0 before any). */
export function writtenSoFar(p: CoordProcess): number {
  return Number(p.lastProgress()?.itemsWritten ?? 0);
}

/** One work item of a coordinated job as the coordination table holds it. */
export interface LeaseItem {
  readonly sk: string;
  readonly id: string;
  readonly state: string;
  readonly owner?: string;
  readonly counter: number;
  readonly cursor?: string;
  readonly doneBy?: string;
  /** The range's bounds, (start, end] as token text. */
  readonly start: string;
  readonly end: string;
}

/** Every item of the job `job` in a coordination table, by a strongly consistent query. */
export async function leaseItems(ddb: DynamoDBClient, table: string, job = 'migrate'): Promise<{ items: LeaseItem[]; plan?: Record<string, AttributeValue>; procs: Array<Record<string, AttributeValue>> }> {
  const all: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: job } }, ConsistentRead: true, ExclusiveStartKey: start }));
    all.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  const plan = all.find((i) => i.sk?.S === 'plan');
  const planId = plan?.planId?.S;
  const items = all
    .filter((i) => planId !== undefined && (i.sk?.S ?? '').startsWith(`item#${planId}#`))
    .map((i) => {
      const task = JSON.parse(i.task?.S ?? '{}') as { start: string; end: string };
      return {
        sk: i.sk!.S!,
        id: i.id?.S ?? '',
        state: i.state?.S ?? '',
        ...(i.owner?.S === undefined ? {} : { owner: i.owner.S }),
        counter: Number(i.counter?.N ?? 0),
        ...(i.cursor?.S === undefined ? {} : { cursor: i.cursor.S }),
        ...(i.doneBy?.S === undefined ? {} : { doneBy: i.doneBy.S }),
        start: task.start,
        end: task.end,
      };
    });
  return { items, ...(plan === undefined ? {} : { plan }), procs: all.filter((i) => (i.sk?.S ?? '').startsWith('proc#')) };
}

/** Rows of `tokens` (sorted ascending) in (after, end]. */
export function rowsIn(tokens: readonly bigint[], after: bigint, end: bigint): number {
  return upperBound(tokens, end) - upperBound(tokens, after);
}

/** How many of the sorted `tokens` are ≤ x. */
function upperBound(tokens: readonly bigint[], x: bigint): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number, what: string): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (performance.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
