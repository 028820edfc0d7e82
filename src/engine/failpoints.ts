/**
 * Failpoints: named places in worker code where a test can make a task misbehave the way
 * production does (a thread that hangs, crashes or fails mid-range), to prove the engine redoes
 * the work and loses nothing. Off unless the environment variable CASS2DDB_FAILPOINTS is set:
 *
 *   CASS2DDB_FAILPOINTS='migrate.page-written=hang*1,verify.page-checked=fail*2'
 *
 * `name=action*times` (times defaults to 1, counted across all workers of the job):
 *   hang   the task awaits forever and sends nothing (the scheduler's silence timeout ends it)
 *   crash  an uncaught exception ends the worker thread
 *   fail   the task fails with a retryable error
 */
import { toolError } from '../errors.js';

export const FAILPOINTS_ENV = 'CASS2DDB_FAILPOINTS';

export type FailpointAction = 'hang' | 'crash' | 'fail';

export interface FailpointSpec {
  readonly name: string;
  readonly action: FailpointAction;
  readonly times: number;
}

/** Plain data for workerData: the specs and one shared counter per spec. */
export interface ArmedFailpoints {
  readonly specs: readonly FailpointSpec[];
  readonly fired: Int32Array;
}

const ACTIONS: ReadonlySet<string> = new Set(['hang', 'crash', 'fail']);

export function parseFailpoints(text: string): FailpointSpec[] {
  const specs: FailpointSpec[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_.-]+)=([a-z]+)(?:\*(\d+))?$/.exec(part);
    if (m === null || !ACTIONS.has(m[2] as string)) {
      throw toolError('USAGE', `${FAILPOINTS_ENV}: "${part}" is not name=hang|crash|fail[*times]`);
    }
    specs.push({ name: m[1] as string, action: m[2] as FailpointAction, times: m[3] === undefined ? 1 : Number(m[3]) });
  }
  return specs;
}

/** Reads the environment once on the main thread; undefined when no failpoint is set. */
export function armFailpoints(env: NodeJS.ProcessEnv = process.env): ArmedFailpoints | undefined {
  const text = env[FAILPOINTS_ENV];
  if (text === undefined || text.trim() === '') return undefined;
  const specs = parseFailpoints(text);
  return { specs, fired: new Int32Array(new SharedArrayBuffer(Math.max(1, specs.length) * 4)) };
}

/** Worker side: runs the action of `name` if it is armed and has firings left. */
export async function hitFailpoint(armed: ArmedFailpoints | undefined, name: string): Promise<void> {
  if (armed === undefined) return;
  const index = armed.specs.findIndex((s) => s.name === name);
  const spec = armed.specs[index];
  if (spec === undefined) return;
  if (Atomics.add(armed.fired, index, 1) >= spec.times) return;
  switch (spec.action) {
    case 'hang':
      await new Promise<never>(() => undefined);
      return;
    case 'crash':
      setImmediate(() => {
        throw new Error(`failpoint ${name}: crash`);
      });
      await new Promise<never>(() => undefined);
      return;
    case 'fail':
      throw toolError('WORKER_CRASHED', `failpoint ${name}: fail`, undefined, true);
    default: {
      const never: never = spec.action;
      throw new Error(`failpoint: unknown action ${String(never)}`);
    }
  }
}
