/**
 * A dynamic DependentSource driven by the Scheduler on real worker threads, shaped like stream
 * shards: parents report their children while they run, a child starts only after every parent
 * completed, and the job ends only once the source is sealed.
 *
 *   a ──▶ b ──┐
 *     └─▶ c ──┴─▶ d        e (no parents)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { DependentSource } from '../../src/engine/dependent-source.js';
import type { SchedulerOutcome } from '../../src/engine/scheduler.js';
import type { WorkItem } from '../../src/engine/work-source.js';
import { LoggedSource, newStats, scheduler, type FixtureData, type FixtureTask, type ShardChild } from './fixture-job.js';

const CHILDREN: Record<string, readonly ShardChild[]> = {
  a: [
    { id: 'b', parents: ['a'] },
    { id: 'c', parents: ['a'] },
  ],
  b: [{ id: 'd', parents: ['b', 'c'] }],
  c: [{ id: 'd', parents: ['b', 'c'] }],
};

function shard(id: string): WorkItem<FixtureTask> {
  // a runs longest and e shortest: lanes sit idle while a still runs after its split
  const ms = id === 'a' ? 100 : id === 'e' ? 5 : 30;
  return { id, task: { kind: 'shard', ms, children: CHILDREN[id] ?? [] } };
}

describe('scheduler over a dependent source', () => {
  it('starts children only after their parents complete, takes items added while running, and ends once sealed', async () => {
    const dependent = new DependentSource<FixtureTask>();
    dependent.add(shard('a'));
    dependent.add(shard('e'));
    const source = new LoggedSource(dependent);
    const added: Array<{ id: string; added: boolean }> = [];
    const stats = newStats();

    const running = scheduler({
      stats,
      threads: 3,
      onData: (data: FixtureData, item: WorkItem<unknown>) => {
        source.onData(data, item);
        if (data.type === 'split') for (const c of data.children) added.push({ id: c.id, added: dependent.add(shard(c.id), c.parents) });
      },
    }).run(source);
    let outcome: SchedulerOutcome | undefined;
    void running.then((o) => (outcome = o));

    const all = ['a', 'b', 'c', 'd', 'e'];
    await vi.waitFor(() => expect(all.map((id) => dependent.state(id))).toEqual(all.map(() => 'done')), { timeout: 5_000 });
    // everything is done, but more could still come: the job waits for seal()
    await sleep(100);
    expect(outcome).toBeUndefined();
    dependent.seal();
    const finished = await running;

    expect(finished.fatal).toBeUndefined();
    expect(finished).toMatchObject({ stopped: false, tasks: 5, retries: 0 });
    expect(dependent.blocked()).toEqual([]);
    expect(stats.get('units')).toBe(5);
    // d was reported by both of its parents and added once
    expect(added).toEqual(expect.arrayContaining([{ id: 'b', added: true }, { id: 'c', added: true }, { id: 'd', added: true }, { id: 'd', added: false }]));
    expect(added).toHaveLength(4);
    expect(source.tally('next')).toEqual(new Map(all.map((id) => [id, 1])));

    const at = (id: string, type: 'begin' | 'end'): number => source.log.findIndex((e) => e.what === 'data' && e.id === id && e.data.type === type);
    const completedAt = (id: string): number => source.log.findIndex((e) => e.what === 'complete' && e.id === id);
    for (const [child, parents] of [
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
    ] as const) {
      for (const parent of parents) {
        expect(at(parent, 'end')).toBeLessThan(completedAt(parent));
        expect(completedAt(parent)).toBeLessThan(at(child, 'begin'));
      }
    }
    // b and c were added while a ran, and not handed out before a completed although lanes were
    // idle (e had completed before a split)
    const splitAt = source.log.findIndex((e) => e.what === 'data' && e.id === 'a' && e.data.type === 'split');
    expect(splitAt).toBeGreaterThan(at('a', 'begin'));
    expect(completedAt('e')).toBeLessThan(splitAt);
    expect(splitAt).toBeLessThan(completedAt('a'));
    expect(source.log.findIndex((e) => e.what === 'next' && e.id === 'b')).toBeGreaterThan(completedAt('a'));
  });
});
