/**
 * The WorkerPool on real threads, below the scheduler: one task's messages in order before its
 * result, a task stopped or killed on its own, two tasks at once on one thread, a start failure.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerPool } from '../../src/engine/pool.js';
import { PROTOCOL_VERSION, type ResultMessage, type TaskEnvelope, type TaskMessage } from '../../src/engine/protocol.js';
import { WORKER, count, type FixtureData, type FixtureJob, type FixtureTask, type FixtureWorkerData } from './fixture-job.js';

type Message = Exclude<TaskMessage<FixtureJob>, ResultMessage<FixtureJob>>;

const pools: Array<WorkerPool<FixtureJob, FixtureWorkerData>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function openPool(threads: number, concurrentTasksPerWorker = 1, workerData: FixtureWorkerData = {}): WorkerPool<FixtureJob, FixtureWorkerData> {
  const pool = new WorkerPool<FixtureJob, FixtureWorkerData>({ worker: WORKER, threads, concurrentTasksPerWorker, jobId: randomUUID(), progressIntervalMs: 20, workerData });
  pools.push(pool);
  return pool;
}

function envelope(id: string, task: FixtureTask, attempt = 1): TaskEnvelope<FixtureJob> {
  return { v: PROTOCOL_VERSION, taskId: `${id}#${attempt}`, itemId: id, attempt, task };
}

/** Resolves with 'pending' when `p` has not settled within `ms`. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, sleep(ms).then(() => 'pending' as const)]);
}

/** A counter's total over a task's progress messages and its result. */
function total(messages: readonly Message[], result: ResultMessage<FixtureJob> | 'pending', counter: FixtureJob['counter']): number {
  const progressed = messages.reduce((sum, m) => sum + (m.type === 'progress' ? (m.counters[counter] ?? 0) : 0), 0);
  return progressed + (result === 'pending' ? 0 : (result.counters[counter] ?? 0));
}

function dataOf(messages: readonly Message[]): FixtureData[] {
  return messages.flatMap((m) => (m.type === 'data' ? [m.data] : []));
}

describe('worker pool', () => {
  it('delivers a task’s messages in order before its result; progress and result counters add up', async () => {
    const pool = openPool(1);
    await pool.whenReady(10_000);
    const messages: Message[] = [];
    const result = await pool.run(envelope('a', count(6, { tickEvery: 3, stepMs: 5 })), (m) => messages.push(m)).result;

    // The tail is counted just before the end payload, and every payload flushes the counters
    // before it: the result has none left to carry.
    expect(result).toMatchObject({ type: 'result', taskId: 'a#1', status: 'done', counters: {} });
    expect(messages.every((m) => m.taskId === 'a#1')).toBe(true);
    // each position and each payload is preceded by the progress that flushed its step's counters
    const kinds = messages.map((m) => (m.type === 'data' ? `data:${m.data.type}` : m.type));
    expect(kinds).toEqual([
      'data:begin',
      ...['progress', 'position', 'progress', 'position'],
      ...['progress', 'data:tick', 'position'],
      ...['progress', 'position', 'progress', 'position'],
      ...['progress', 'data:tick', 'position'],
      'progress',
      'data:end',
    ]);
    const tails = messages.flatMap((m) => (m.type === 'progress' ? [m.counters.tails ?? 0] : []));
    expect(tails.reduce((a, b) => a + b, 0)).toBe(1);
    expect(messages.flatMap((m) => (m.type === 'position' ? [m.cursor] : []))).toEqual(['1', '2', '3', '4', '5', '6']);
    const progressed = { units: 0, evens: 0 };
    for (const m of messages) if (m.type === 'progress') for (const k of ['units', 'evens'] as const) progressed[k] += m.counters[k] ?? 0;
    expect(progressed).toEqual({ units: 6, evens: 3 });
  });

  it('stops one task through RunningTask.stop() and leaves the other running', async () => {
    const pool = openPool(2);
    await pool.whenReady(10_000);
    const seenA: Message[] = [];
    const seenB: Message[] = [];
    const a = pool.run(envelope('a', { kind: 'until-stop', n: 2 }), (m) => seenA.push(m));
    const b = pool.run(envelope('b', { kind: 'until-stop', n: 3 }), (m) => seenB.push(m));
    await vi.waitFor(() => expect([...dataOf(seenA), ...dataOf(seenB)].filter((d) => d.type === 'begin')).toHaveLength(2), { timeout: 5_000 });

    a.stop();
    const resultA = await settledWithin(a.result, 5_000);
    expect(resultA).toMatchObject({ taskId: 'a#1', status: 'stopped' });
    expect(total(seenA, resultA, 'units')).toBe(2);
    expect(await settledWithin(b.result, 300)).toBe('pending');
    expect(dataOf(seenB).map((d) => d.type)).toEqual(['begin']);

    b.stop();
    const resultB = await settledWithin(b.result, 5_000);
    expect(resultB).toMatchObject({ taskId: 'b#1', status: 'stopped' });
    expect(total(seenB, resultB, 'units')).toBe(3);
    expect(dataOf(seenB).map((d) => d.type)).toEqual(['begin', 'end']);
  });

  it('runs two tasks at once on one thread with concurrentTasksPerWorker 2, each with its own counters and stop signal', async () => {
    const pool = openPool(1, 2);
    await pool.whenReady(10_000);
    const seen = new Map<string, Message[]>([
      ['a', []],
      ['b', []],
    ]);
    const a = pool.run(envelope('a', { kind: 'meet', expect: 2, n: 2, untilStop: true }), (m) => seen.get('a')!.push(m));
    const b = pool.run(envelope('b', { kind: 'meet', expect: 2, n: 5, untilStop: true }), (m) => seen.get('b')!.push(m));
    const met = (id: string): FixtureData[] => dataOf(seen.get(id)!).filter((d) => d.type === 'met');
    await vi.waitFor(
      () => {
        expect(met('a')).toHaveLength(1);
        expect(met('b')).toHaveLength(1);
      },
      { timeout: 4_000 },
    );
    // both were inside the handler at the same time, on the same thread
    expect(met('a')).toEqual([{ type: 'met', together: 2, threadId: expect.any(Number) }]);
    expect(met('b')).toEqual(met('a'));

    b.stop();
    const resultB = await settledWithin(b.result, 5_000);
    expect(resultB).toMatchObject({ taskId: 'b#1', status: 'stopped' });
    expect(total(seen.get('b')!, resultB, 'units')).toBe(5);
    expect(await settledWithin(a.result, 300)).toBe('pending');
    a.stop();
    const resultA = await settledWithin(a.result, 5_000);
    expect(resultA).toMatchObject({ taskId: 'a#1', status: 'stopped' });
    expect(total(seen.get('a')!, resultA, 'units')).toBe(2);
  });

  it('kills a task that does not answer: its result fails with the given error, and the pool runs the next task', async () => {
    const pool = openPool(1);
    await pool.whenReady(10_000);
    const hung = pool.run(envelope('h', count(3, { hang: { attempts: [1], at: 2 } })), () => undefined);
    await sleep(100);
    const error = { code: 'TASK_TIMEOUT', message: 'test kill', retryable: true } as const;
    hung.kill(error);
    expect(await settledWithin(hung.result, 5_000)).toEqual({ v: PROTOCOL_VERSION, type: 'result', taskId: 'h#1', status: 'failed', error, counters: {}, histograms: {} });

    const next = await settledWithin(pool.run(envelope('n', count(2)), () => undefined).result, 10_000);
    expect(next).toMatchObject({ taskId: 'n#1', status: 'done' });
  });

  // A killed thread is replaced at once; the new one takes a while to load the worker entry and
  // join the job channel. A broadcast sent meanwhile must still reach it.
  it('close() reaches a thread that was still starting (the replacement of a killed one) without waiting for its timeout', async () => {
    const pool = openPool(1);
    await pool.whenReady(10_000);
    const hung = pool.run(envelope('h', { kind: 'until-stop', n: 1 }), () => undefined);
    await sleep(50);
    hung.kill({ code: 'TASK_TIMEOUT', message: 'test kill', retryable: true });
    expect(await settledWithin(hung.result, 5_000)).toMatchObject({ status: 'failed', error: { code: 'TASK_TIMEOUT' } });
    const started = performance.now();
    await pool.close(5_000);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('stop() reaches a thread that was still starting: its tasks stop too', async () => {
    const pool = openPool(1);
    await pool.whenReady(10_000);
    const hung = pool.run(envelope('h', { kind: 'until-stop', n: 1 }), () => undefined);
    await sleep(50);
    hung.kill({ code: 'TASK_TIMEOUT', message: 'test kill', retryable: true });
    expect(await settledWithin(hung.result, 5_000)).toMatchObject({ status: 'failed', error: { code: 'TASK_TIMEOUT' } });
    pool.stop();
    // runs on the replacement thread, which loaded after the stop was broadcast
    const late = pool.run(envelope('late', { kind: 'until-stop', n: 1 }), () => undefined);
    expect(await settledWithin(late.result, 3_000)).toMatchObject({ taskId: 'late#1', status: 'stopped' });
  });

  it('whenReady() throws the first start failure with its code and message', async () => {
    const pool = openPool(2, 1, { failOpen: { code: 'DYNAMODB_AUTH', message: 'the security token is invalid' } });
    await expect(pool.whenReady(10_000)).rejects.toMatchObject({ code: 'DYNAMODB_AUTH', message: 'the security token is invalid' });
  });
});
