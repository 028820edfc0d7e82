/**
 * What the Scheduler does when tasks go wrong on real worker threads: retries from the last
 * reported cursor, gives an item up after its retries and goes on, ends the job on a fatal code,
 * kills a silent task, survives a crashed thread, fails once when workers cannot open, and fires
 * failpoints a set number of times across all threads.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorCodeName, PlainError } from '../../src/errors.js';
import { armFailpoints } from '../../src/engine/failpoints.js';
import { ListSource } from '../../src/engine/work-source.js';
import { FAST_RETRY, LoggedSource, count, items, newStats, scheduler, type FixtureData, type FixtureTask } from './fixture-job.js';

function begins(source: LoggedSource<FixtureTask>, id: string): Array<{ attempt: number; cursor: string | null }> {
  return source.data(id).flatMap((d: FixtureData) => (d.type === 'begin' ? [{ attempt: d.attempt, cursor: d.cursor }] : []));
}

function cursors(source: LoggedSource<FixtureTask>, id: string): string[] {
  return source.of(id).flatMap((e) => (e.what === 'advance' ? [e.cursor] : []));
}

interface Retry {
  readonly id: string;
  readonly attempt: number;
  readonly error: PlainError;
}

describe('scheduler failures', () => {
  it('retries a failed item from the last cursor it reported, and it completes', async () => {
    const list = new ListSource(
      items<FixtureTask>({
        r: count(6, { fail: { attempts: [1], at: 4, code: 'DYNAMODB_THROTTLED', retryable: true } }),
        ok: count(2),
      }),
    );
    const source = new LoggedSource(list);
    const stats = newStats();
    const retried: Retry[] = [];

    const outcome = await scheduler({ stats, onData: source.onData, onRetry: (item, attempt, error) => retried.push({ id: item.id, attempt, error }) }).run(source);

    expect(outcome).toMatchObject({ stopped: false, tasks: 3, retries: 1, silentTasks: 0 });
    expect(outcome.fatal).toBeUndefined();
    expect(outcome.failures.size).toBe(0);
    expect(retried).toEqual([{ id: 'r', attempt: 1, error: { code: 'DYNAMODB_THROTTLED', message: 'count failed at 4 on attempt 1', retryable: true } }]);
    expect(begins(source, 'r')).toEqual([
      { attempt: 1, cursor: null },
      { attempt: 2, cursor: '3' },
    ]);
    expect(cursors(source, 'r')).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(list.ids('done')).toEqual(['r', 'ok']);
    // the second attempt counted only what the first had not: nothing twice, nothing lost
    expect(stats.counters()).toEqual({ units: 8, evens: 4, tails: 2 });
  });

  it('gives an item up at once on an error retrying cannot mend that is not fatal, and the job goes on', async () => {
    const list = new ListSource(
      items<FixtureTask>({
        g1: count(3),
        bad: count(3, { fail: { attempts: [1], at: 2, code: 'CASSANDRA_QUERY', retryable: false } }),
        g2: count(3),
      }),
    );
    const source = new LoggedSource(list);
    const outcome = await scheduler({ stats: newStats(), onData: source.onData }).run(source);
    expect(outcome.fatal).toBeUndefined();
    expect(outcome).toMatchObject({ stopped: false, tasks: 3, retries: 0 });
    expect(outcome.failures.get('bad')).toMatchObject({ code: 'CASSANDRA_QUERY', retryable: false });
    expect(list.state('bad')).toBe('failed');
    expect(list.ids('done')).toEqual(['g1', 'g2']);
  });

  it('gives an item up when its retries run out, and the job goes on', async () => {
    const list = new ListSource(
      items<FixtureTask>({
        g1: count(4, { stepMs: 5 }),
        bad: count(3, { fail: { attempts: [1, 2, 3], at: 2, code: 'DYNAMODB_THROTTLED', retryable: true } }),
        g2: count(4),
        g3: count(4),
      }),
    );
    const source = new LoggedSource(list);
    const stats = newStats();
    const gaveUp: Array<{ id: string; error: PlainError }> = [];

    const outcome = await scheduler({ stats, onData: source.onData, onGiveUp: (item, error) => gaveUp.push({ id: item.id, error }) }).run(source);

    const error: PlainError = { code: 'DYNAMODB_THROTTLED', message: 'count failed at 2 on attempt 3', retryable: true };
    expect(outcome.fatal).toBeUndefined();
    expect(outcome).toMatchObject({ stopped: false, tasks: 6, retries: 2 });
    expect(outcome.failures).toEqual(new Map([['bad', error]]));
    expect(gaveUp).toEqual([{ id: 'bad', error }]);
    expect(list.state('bad')).toBe('failed');
    expect(list.failures).toEqual(new Map([['bad', error]]));
    expect(list.ids('done')).toEqual(['g1', 'g2', 'g3']);
    expect(begins(source, 'bad')).toEqual([
      { attempt: 1, cursor: null },
      { attempt: 2, cursor: '1' },
      { attempt: 3, cursor: '1' },
    ]);
    expect(source.of('bad').filter((e) => e.what === 'fail' || e.what === 'complete' || e.what === 'release')).toEqual([{ what: 'fail', id: 'bad', error }]);
  });

  it('waits out an outage (CASSANDRA_UNREACHABLE) past its retries, from its cursor, and the item completes', async () => {
    const list = new ListSource(
      items<FixtureTask>({ down: count(4, { fail: { attempts: [1, 2, 3, 4, 5, 6], at: 3, code: 'CASSANDRA_UNREACHABLE', retryable: true } }), ok: count(2) }),
    );
    const source = new LoggedSource(list);
    const stats = newStats();

    // 2 retries allowed, 6 outage failures in a row: none of them uses up a retry
    const outcome = await scheduler({ stats, onData: source.onData, retry: { ...FAST_RETRY, outageLimitMs: 60_000 } }).run(source);

    expect(outcome.fatal).toBeUndefined();
    expect(outcome.failures.size).toBe(0);
    expect(outcome).toMatchObject({ retries: 6 });
    expect(list.ids('done').sort()).toEqual(['down', 'ok']);
    expect(begins(source, 'down').map((b) => b.cursor)).toEqual([null, '2', '2', '2', '2', '2', '2']);
    expect(stats.counters()).toMatchObject({ units: 6 });
  });

  it('ends the job with the outage’s error past the outage limit (exit 3), leaving the item to --resume', async () => {
    const every = Array.from({ length: 200 }, (_, i) => i + 1);
    const list = new ListSource(items<FixtureTask>({ down: count(4, { fail: { attempts: every, at: 2, code: 'CASSANDRA_UNREACHABLE', retryable: true } }) }));
    const source = new LoggedSource(list);
    const stats = newStats();

    const t0 = performance.now();
    const outcome = await scheduler({ stats, onData: source.onData, retry: { ...FAST_RETRY, outageLimitMs: 300 } }).run(source);

    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(outcome.fatal).toMatchObject({ code: 'CASSANDRA_UNREACHABLE', retryable: false });
    expect(outcome.fatal!.message).toBe('count failed at 2 on attempt ' + String(outcome.tasks) + ' (still failing after the outage limit of 0.3 s; --resume continues from the checkpoint)');
    // far more attempts than the 2 retries a failure of another kind gets
    expect(outcome.tasks).toBeGreaterThan(FAST_RETRY.retries + 1);
    expect(list.state('down')).toBe('failed');
  });

  it.each<[string, FixtureTask, ErrorCodeName, string]>([
    ['a fatal code (CASSANDRA_AUTH)', count(3, { stepMs: 30, fail: { attempts: [1], at: 2, code: 'CASSANDRA_AUTH', retryable: false } }), 'CASSANDRA_AUTH', 'count failed at 2 on attempt 1'],
    ['a thrown error (INTERNAL)', count(3, { stepMs: 30, throwAt: 2 }), 'INTERNAL', 'count threw at 2'],
  ])('ends the job on %s: the item is given up, running tasks stop, nothing new starts', async (_, fatalTask, code, message) => {
    const list = new ListSource(items<FixtureTask>({ long: { kind: 'until-stop', n: 1 }, fatal: fatalTask, x1: count(2), x2: count(2) }));
    const source = new LoggedSource(list);
    const stats = newStats();

    const outcome = await scheduler({ stats, onData: source.onData }).run(source);

    const error: PlainError = { code, message, retryable: false };
    expect(outcome.fatal).toEqual(error);
    expect(outcome).toMatchObject({ stopped: true, tasks: 2, retries: 0 });
    expect(outcome.failures).toEqual(new Map([['fatal', error]]));
    expect(list.state('fatal')).toBe('failed');
    // the running task was stopped and released: still to do
    expect(source.of('long').map((e) => e.what)).toEqual(['next', 'data', 'data', 'release']);
    expect(source.data('long').map((d) => d.type)).toEqual(['begin', 'end']);
    expect(list.ids('pending')).toEqual(['long', 'x1', 'x2']);
    expect(source.tally('next')).toEqual(new Map([['long', 1], ['fatal', 1]]));
  });

  it('kills a task that sends nothing for taskSilenceTimeoutMs and retries it from its last cursor', async () => {
    const list = new ListSource(items<FixtureTask>({ hung: count(5, { hang: { attempts: [1], at: 3 } }), ok: count(3) }));
    const source = new LoggedSource(list);
    const stats = newStats();
    const retried: Retry[] = [];
    const started = performance.now();

    const outcome = await scheduler({
      stats,
      taskSilenceTimeoutMs: 500,
      onData: source.onData,
      onRetry: (item, attempt, error) => retried.push({ id: item.id, attempt, error }),
    }).run(source);

    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    expect(outcome.fatal).toBeUndefined();
    expect(outcome).toMatchObject({ stopped: false, silentTasks: 1, retries: 1, tasks: 3 });
    expect(retried).toEqual([{ id: 'hung', attempt: 1, error: expect.objectContaining({ code: 'TASK_TIMEOUT', retryable: true }) }]);
    expect(stats.warnings.map((w) => w.code)).toEqual(['TASK_TIMEOUT']);
    expect(begins(source, 'hung')).toEqual([
      { attempt: 1, cursor: null },
      { attempt: 2, cursor: '2' },
    ]);
    expect(cursors(source, 'hung')).toEqual(['1', '2', '3', '4', '5']);
    expect(list.ids('done')).toEqual(['hung', 'ok']);
    expect(stats.counters()).toEqual({ units: 8, evens: 3, tails: 2 });
  });

  it('retries the item of a crashed thread (WORKER_CRASHED) from its last cursor, and it completes', async () => {
    const list = new ListSource(items<FixtureTask>({ crash: count(5, { crash: { attempts: [1], at: 3 } }), ok: count(3, { stepMs: 5 }) }));
    const source = new LoggedSource(list);
    const stats = newStats();
    const retried: Retry[] = [];

    const outcome = await scheduler({ stats, onData: source.onData, onRetry: (item, attempt, error) => retried.push({ id: item.id, attempt, error }) }).run(source);

    expect(outcome.fatal).toBeUndefined();
    expect(outcome).toMatchObject({ stopped: false, silentTasks: 0, retries: 1, tasks: 3 });
    expect(retried).toEqual([{ id: 'crash', attempt: 1, error: expect.objectContaining({ code: 'WORKER_CRASHED', retryable: true }) }]);
    expect(retried[0]?.error.message).toContain('count crashed the thread at 3');
    expect(begins(source, 'crash')).toEqual([
      { attempt: 1, cursor: null },
      { attempt: 2, cursor: '2' },
    ]);
    expect(list.ids('done')).toEqual(['crash', 'ok']);
  });

  it('fails once, at start, when the workers cannot open their clients: no task runs', async () => {
    const list = new ListSource(items<FixtureTask>({ a: count(1), b: count(1), c: count(1) }));
    const source = new LoggedSource(list);
    const stats = newStats();
    const gaveUp: string[] = [];

    const outcome = await scheduler({
      stats,
      workerData: { failOpen: { code: 'CASSANDRA_AUTH', message: 'Provided username and/or password are incorrect' } },
      onData: source.onData,
      onGiveUp: (item) => gaveUp.push(item.id),
    }).run(source);

    expect(outcome.fatal).toEqual({ code: 'CASSANDRA_AUTH', message: 'Provided username and/or password are incorrect', retryable: false });
    expect(outcome).toMatchObject({ stopped: true, tasks: 0, retries: 0 });
    expect(outcome.failures.size).toBe(0);
    expect(gaveUp).toEqual([]);
    expect(source.log).toEqual([]);
    expect(list.ids('pending')).toEqual(['a', 'b', 'c']);
    expect(stats.warnings).toEqual([]);
  });

  // A lease-backed source writes each position to a shared table: that write can fail.
  it('ends the job when the source cannot take a position: the item is ended, the other running task stops and is released', async () => {
    const list = new ListSource(items<FixtureTask>({ a: count(3, { stepMs: 20 }), b: { kind: 'until-stop', n: 1 } }));
    const source = new LoggedSource({
      next: () => list.next(),
      advance: async (id: string, cursor: string) => {
        await Promise.resolve();
        if (id === 'a' && cursor === '1') throw new Error('lease lost');
        list.advance(id, cursor);
      },
      complete: (id: string) => list.complete(id),
      fail: (id: string, error: PlainError) => list.fail(id, error),
      release: (id: string) => list.release(id),
    });

    const outcome = await scheduler({ stats: newStats(), onData: source.onData }).run(source);

    expect(outcome.fatal).toEqual({ code: 'INTERNAL', message: 'lease lost', retryable: false });
    expect(outcome.stopped).toBe(true);
    // every item handed out was ended in the source: none is left running
    expect(list.ids('running')).toEqual([]);
    expect(list.state('a')).not.toBe('done');
    // b did nothing wrong: it was stopped and released like any running task of an aborted job
    expect(source.of('b').map((e) => (e.what === 'data' ? `data:${e.data.type}` : e.what))).toEqual(['next', 'data:begin', 'data:end', 'release']);
    expect(outcome.failures.has('b')).toBe(false);
  });

  it('ends the job when the source cannot take an item’s end, after the other running task stopped and was released', async () => {
    const list = new ListSource(items<FixtureTask>({ a: count(2, { stepMs: 20 }), b: { kind: 'until-stop', n: 1, lingerMs: 300 } }));
    const source = new LoggedSource({
      next: () => list.next(),
      advance: (id: string, cursor: string) => list.advance(id, cursor),
      complete: async (id: string) => {
        await Promise.resolve();
        if (id === 'a') throw new Error('lease release failed');
        list.complete(id);
      },
      fail: (id: string, error: PlainError) => list.fail(id, error),
      release: (id: string) => list.release(id),
    });

    const outcome = await scheduler({ stats: newStats(), onData: source.onData }).run(source);

    expect(outcome.fatal).toEqual({ code: 'INTERNAL', message: 'lease release failed', retryable: false });
    expect(outcome.stopped).toBe(true);
    // the pool was closed only after b had ended: b was not killed with it
    expect(source.of('b').map((e) => (e.what === 'data' ? `data:${e.data.type}` : e.what))).toEqual(['next', 'data:begin', 'data:end', 'release']);
    expect(outcome.failures.has('b')).toBe(false);
  });

  it('fires a failpoint the armed number of times across every thread of the job', async () => {
    const failpoints = armFailpoints({ CASS2DDB_FAILPOINTS: 'fixture.step=fail*2' });
    const list = new ListSource(items<FixtureTask>({ a: count(3), b: count(3), c: count(3), d: count(3) }));
    const source = new LoggedSource(list);
    const stats = newStats();
    const retried: Retry[] = [];

    const outcome = await scheduler({ stats, failpoints, onData: source.onData, onRetry: (item, attempt, error) => retried.push({ id: item.id, attempt, error }) }).run(source);

    expect(outcome.fatal).toBeUndefined();
    expect(outcome.retries).toBe(2);
    expect(retried.map((r) => r.error)).toEqual([
      { code: 'WORKER_CRASHED', message: 'failpoint fixture.step: fail', retryable: true },
      { code: 'WORKER_CRASHED', message: 'failpoint fixture.step: fail', retryable: true },
    ]);
    expect(list.ids('done')).toEqual(['a', 'b', 'c', 'd']);
    expect(stats.get('units')).toBe(12);
    // every step of every attempt passed the failpoint: 12 steps, plus the 2 that failed
    expect(failpoints?.fired[0]).toBe(14);
  });
});
