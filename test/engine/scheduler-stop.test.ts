/**
 * Stopping a job on real worker threads: Scheduler.stop() or an AbortSignal given to run() ends
 * every running task 'stopped' (its item released, still to do), starts nothing new, and the
 * outcome says it stopped.
 */
import { describe, expect, it } from 'vitest';
import type { SchedulerOutcome } from '../../src/engine/scheduler.js';
import { ListSource, type WorkItem } from '../../src/engine/work-source.js';
import type { JobStats } from '../../src/metrics/job-stats.js';
import { LoggedSource, count, items, newStats, scheduler, type FixtureData, type FixtureJob, type FixtureTask } from './fixture-job.js';

/** Runs the job and stops it, the way `how` says, as soon as two tasks have begun. */
function runStoppingAfterTwo(how: 'stop()' | 'signal', source: LoggedSource<FixtureTask>, stats: JobStats<FixtureJob['counter']>): Promise<SchedulerOutcome> {
  const controller = new AbortController();
  let begun = 0;
  const s = scheduler({
    stats,
    onData: (data: FixtureData, item: WorkItem<unknown>) => {
      source.onData(data, item);
      if (data.type === 'begin' && ++begun === 2) {
        if (how === 'stop()') s.stop();
        else controller.abort();
      }
    },
  });
  return s.run(source, controller.signal);
}

describe('scheduler stop', () => {
  it.each(['stop()', 'signal'] as const)('%s: running tasks end stopped and are released, nothing new starts', async (how) => {
    const list = new ListSource(
      items<FixtureTask>({
        s1: { kind: 'until-stop', n: 2 },
        s2: { kind: 'until-stop', n: 3 },
        x1: count(2),
        x2: count(2),
      }),
    );
    const source = new LoggedSource(list);
    const stats = newStats();

    const outcome = await runStoppingAfterTwo(how, source, stats);

    expect(outcome.fatal).toBeUndefined();
    expect(outcome).toMatchObject({ stopped: true, tasks: 2, retries: 0, silentTasks: 0 });
    expect(outcome.failures.size).toBe(0);
    for (const id of ['s1', 's2']) {
      // the handler saw its stop signal, answered 'stopped', and the source took the item back
      expect(source.of(id).map((e) => (e.what === 'data' ? `data:${e.data.type}` : e.what))).toEqual(['next', 'data:begin', 'data:end', 'release']);
    }
    expect(source.tally('next')).toEqual(
      new Map([
        ['s1', 1],
        ['s2', 1],
      ]),
    );
    expect(list.ids('pending')).toEqual(['s1', 's2', 'x1', 'x2']);
    expect(stats.get('units')).toBe(5);
  });

  it('a signal already aborted: run() starts no task and says it stopped', async () => {
    const list = new ListSource(items<FixtureTask>({ a: count(1), b: count(1) }));
    const source = new LoggedSource(list);
    const controller = new AbortController();
    controller.abort();
    const started = performance.now();

    const outcome = await scheduler({ stats: newStats(), onData: source.onData }).run(source, controller.signal);

    expect(outcome).toMatchObject({ stopped: true, tasks: 0 });
    expect(outcome.fatal).toBeUndefined();
    expect(source.log).toEqual([]);
    // the pool's shutdown reaches workers that were still starting: no wait for its timeout
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
