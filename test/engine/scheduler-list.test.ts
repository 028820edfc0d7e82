/**
 * The Scheduler over a ListSource on real worker threads (the fixture worker): every item done
 * once, counter totals exact, positions and data messages reaching the job in order and before
 * the item's completion, several kinds of task on one pool, two tasks at once on one thread.
 */
import { describe, expect, it } from 'vitest';
import { ListSource } from '../../src/engine/work-source.js';
import { LoggedSource, count, items, newStats, scheduler, type FixtureTask } from './fixture-job.js';

describe('scheduler over a list', () => {
  it('runs every item exactly once, sums counters exactly, and reports positions and data in order before completion', async () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const tasks = Object.fromEntries(sizes.map((n) => [`i${n}`, count(n, { tickEvery: 2, stepMs: 2 })]));
    const list = new ListSource(items<FixtureTask>(tasks));
    const source = new LoggedSource(list);
    const stats = newStats();

    const outcome = await scheduler({ stats, onData: source.onData }).run(source);

    expect(outcome).toMatchObject({ stopped: false, tasks: sizes.length, retries: 0, silentTasks: 0 });
    expect(outcome.fatal).toBeUndefined();
    expect(outcome.failures.size).toBe(0);
    const ids = Object.keys(tasks);
    expect(list.ids('done')).toEqual(ids);
    expect(source.tally('next')).toEqual(new Map(ids.map((id) => [id, 1])));
    expect(source.tally('complete')).toEqual(new Map(ids.map((id) => [id, 1])));
    expect(source.log.filter((e) => e.what === 'fail' || e.what === 'release')).toEqual([]);

    // units and evens travel in progress messages (each position flushes them), tails only in
    // results: a lost delta of either kind shows here.
    const sum = (f: (n: number) => number): number => sizes.reduce((s, n) => s + f(n), 0);
    expect(stats.counters()).toEqual({ units: sum((n) => n), evens: sum((n) => Math.floor(n / 2)), tails: sizes.length });
    expect(stats.get('units')).toBe(55);
    // @ts-expect-error a counter the job does not declare is a compile error
    expect(stats.get('rows')).toBe(0);

    for (const [id, { n }] of Object.entries(tasks)) {
      const log = source.of(id);
      const at = (p: (e: (typeof log)[number]) => boolean): number => log.findIndex(p);
      // positions reach the source one by one, in order, all before the completion
      expect(log.flatMap((e) => (e.what === 'advance' ? [e.cursor] : []))).toEqual(Array.from({ length: n }, (_, k) => String(k + 1)));
      const completed = at((e) => e.what === 'complete');
      expect(completed).toBe(log.length - 1);
      expect(list.cursor(id)).toBe(String(n));
      // data: begin first, each tick before the position of its step, end before completion
      expect(source.data(id)).toEqual([
        { type: 'begin', kind: 'count', attempt: 1, cursor: null, threadId: expect.any(Number) },
        ...Array.from({ length: Math.floor(n / 2) }, (_, k) => ({ type: 'tick', i: 2 * (k + 1) })),
        { type: 'end', kind: 'count' },
      ]);
      for (let i = 2; i <= n; i += 2) {
        const tick = at((e) => e.what === 'data' && e.data.type === 'tick' && e.data.i === i);
        const position = at((e) => e.what === 'advance' && e.cursor === String(i));
        expect(tick).toBeGreaterThanOrEqual(0);
        expect(tick).toBeLessThan(position);
      }
      expect(at((e) => e.what === 'data' && e.data.type === 'end')).toBe(completed - 1);
    }
  });

  it('runs two kinds of task on one pool, each by its own handler', async () => {
    const list = new ListSource(
      items<FixtureTask>({
        c1: count(3),
        e1: { kind: 'echo', text: 'first' },
        c2: count(4),
        e2: { kind: 'echo', text: 'second' },
        e3: { kind: 'echo', text: 'third' },
      }),
    );
    const source = new LoggedSource(list);
    const stats = newStats();

    const outcome = await scheduler({ stats, threads: 1, onData: source.onData }).run(source);

    expect(outcome.fatal).toBeUndefined();
    expect(list.ids('done')).toEqual(['c1', 'e1', 'c2', 'e2', 'e3']);
    expect(stats.counters()).toEqual({ units: 7, evens: 3, tails: 2, echoes: 3 });
    expect(source.data('e2')).toEqual([{ type: 'echo', text: 'second' }]);
    expect(source.data('c2').map((d) => d.type)).toEqual(['begin', 'end']);
    expect(source.data().filter((d) => d.type === 'echo')).toEqual(['first', 'second', 'third'].map((text) => ({ type: 'echo', text })));
  });

  it('with concurrentTasksPerWorker 2 runs two tasks at the same time on one thread, each with its own counters', async () => {
    const list = new ListSource(
      items<FixtureTask>({
        a: { kind: 'meet', expect: 2, n: 3, untilStop: false },
        b: { kind: 'meet', expect: 2, n: 5, untilStop: false },
      }),
    );
    const source = new LoggedSource(list);
    const stats = newStats();

    const outcome = await scheduler({ stats, threads: 1, concurrentTasksPerWorker: 2, onData: source.onData }).run(source);

    expect(outcome.fatal).toBeUndefined();
    expect(list.ids('done')).toEqual(['a', 'b']);
    const met = source.data().filter((d) => d.type === 'met');
    // each task waited in the handler until the other was there too: they overlapped
    expect(met).toEqual([
      { type: 'met', together: 2, threadId: expect.any(Number) },
      { type: 'met', together: 2, threadId: expect.any(Number) },
    ]);
    const threads = new Set(source.data().flatMap((d) => (d.type === 'met' || d.type === 'begin' ? [d.threadId] : [])));
    expect(threads.size).toBe(1);
    expect(stats.get('units')).toBe(8);
  });
});
