/**
 * The coordination table's rules, on DynamoDB Local, with our own clocks: the plan written once
 * and refused to another job, a creator that died half-way replaced, claims that never collide,
 * a lease taken over only after its counter stood still for the lease time, fencing (the old
 * owner's writes refused, its position never written), counts written with the position after
 * them, and a rate budget shared by the processes at work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseTable, PLAN_SK, itemSk, str, num } from '../../src/coord/lease-table.js';
import { joinPlan, type JobPlanIdentity } from '../../src/coord/plan.js';
import { LeaseSource } from '../../src/coord/lease-source.js';
import { ProcessRegistry } from '../../src/coord/processes.js';
import type { PlainError } from '../../src/errors.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { describeTarget, ensureTargetTable } from '../../src/dynamodb/target.js';

const client = testDynamo();
const TABLE = `coord-leases-${process.pid}`;
const identity = (key: string): JobPlanIdentity => ({ key, description: `job ${key}`, settings: { 'budget.wcu': 900 } });
const items = (n: number) => () => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, task: { n: i } }));
const joinOptions = (processId: string) => ({ processId, staleMs: 60_000, coordinator: `dynamodb:${TABLE}`, pollMs: 50 });

class Clock {
  t = 0;
  now = (): number => this.t;
}

function source(table: LeaseTable, processId: string, planId: string, clock: Clock, leaseMs = 1000): LeaseSource<{ n: number }> {
  return new LeaseSource(table, { processId, planId, leaseMs, pollMs: 0, now: clock.now }, (json) => JSON.parse(json) as { n: number });
}

beforeAll(async () => {
  await new LeaseTable(client, TABLE, 'setup').ensure();
});

afterAll(async () => {
  await dropTable(client, TABLE);
  client.destroy();
});

describe('the plan', () => {
  it('is written by the first process and joined by the next; another job is refused', async () => {
    const a = new LeaseTable(client, TABLE, 'plan-a');
    const first = await joinPlan(a, identity('k1'), items(5), joinOptions('A'));
    expect(first.created).toBe(true);
    const second = await joinPlan(a, identity('k1'), () => { throw new Error('a joining process must not plan'); }, joinOptions('B'));
    expect(second).toMatchObject({ created: false, planId: first.planId, itemCount: 5, createdBy: 'A' });
    expect(second.settings).toEqual({ 'budget.wcu': 900 });
    await expect(joinPlan(a, identity('k2'), items(5), joinOptions('C'))).rejects.toThrow(/holds another plan-a job \(job k1\); this one is job k2/);
  });

  it('two processes racing for an empty table end on one plan', async () => {
    const t = new LeaseTable(client, TABLE, 'plan-race');
    const [x, y] = await Promise.all([joinPlan(t, identity('k'), items(40), joinOptions('X')), joinPlan(t, identity('k'), items(40), joinOptions('Y'))]);
    expect(x.planId).toBe(y.planId);
    expect([x.created, y.created].filter(Boolean)).toHaveLength(1);
    expect((await t.query(`item#${x.planId}#`)).length).toBe(40);
  });

  it('a plan left `creating` by a dead creator is written again under a new plan id', async () => {
    const t = new LeaseTable(client, TABLE, 'plan-stale');
    await t.putNew(PLAN_SK, { planId: { S: 'dead0000' }, state: { S: 'creating' }, identityKey: { S: 'k' }, identity: { S: 'job k' }, settings: { S: '{}' } });
    const joined = await joinPlan(t, identity('k'), items(3), { ...joinOptions('Z'), staleMs: 200 });
    expect(joined.created).toBe(true);
    expect(joined.planId).not.toBe('dead0000');
    expect(str(await t.get(PLAN_SK), 'state')).toBe('ready');
  });
});

describe('leases', () => {
  it('every item is claimed once by two processes, and both finish when all are done', async () => {
    const t = new LeaseTable(client, TABLE, 'claims');
    const plan = await joinPlan(t, identity('k'), items(12), joinOptions('A'));
    const clock = new Clock();
    const [a, b] = [source(t, 'A', plan.planId, clock), source(t, 'B', plan.planId, clock)];
    const got: Record<string, string[]> = { A: [], B: [] };
    const drain = async (s: LeaseSource<{ n: number }>, name: string): Promise<void> => {
      for (;;) {
        const pull = await s.next();
        if (pull.kind === 'finished') return;
        if (pull.kind === 'wait') {
          await pull.until;
          continue;
        }
        got[name]!.push(pull.item.id);
        await s.complete(pull.item.id);
      }
    };
    await Promise.all([drain(a, 'A'), drain(b, 'B')]);
    const all = [...got.A!, ...got.B!].sort();
    expect(all).toEqual(Array.from({ length: 12 }, (_, i) => `r${i}`).sort());
    expect(new Set(all).size).toBe(12);
    for (const it of await t.query(`item#${plan.planId}#`)) expect(str(it, 'state')).toBe('done');
  });

  it('a lease is taken over only after its counter stood still for the lease time, and the old owner is fenced', async () => {
    const t = new LeaseTable(client, TABLE, 'fencing');
    const plan = await joinPlan(t, identity('k'), items(1), joinOptions('A'));
    const clock = new Clock();
    const a = source(t, 'A', plan.planId, clock);
    const b = source(t, 'B', plan.planId, clock);
    const lost: Array<{ id: string; error: PlainError }> = [];
    a.watchLost((id, error) => lost.push({ id, error }));
    const pullA = await a.next();
    expect(pullA.kind).toBe('item');
    a.advance('r0', '100');
    await a.renewAll();
    expect(str(await t.get(itemSk(plan.planId, 'r0')), 'cursor')).toBe('100');

    // B sees the lease held and renewed: it waits, however often it looks.
    expect((await b.next()).kind).toBe('wait');
    clock.t += 600;
    await a.renewAll(); // the counter moves: B's watch starts again
    expect((await b.next()).kind).toBe('wait');
    clock.t += 900;
    expect((await b.next()).kind).toBe('wait'); // 900 ms since the counter moved < 1,000

    // A stops renewing (paused); past the lease time B takes it over, from A's position.
    a.advance('r0', '200'); // not written yet: A is "paused" before its renewal
    clock.t += 1200;
    const pullB = await b.next();
    expect(pullB).toMatchObject({ kind: 'item', item: { id: 'r0', cursor: '100' } });
    expect(b.takeovers).toBe(1);

    // A wakes up: its renewal is refused, it is told, and its position is never written.
    await a.renewAll();
    expect(lost.map((l) => [l.id, l.error.code])).toEqual([['r0', 'LEASE_LOST']]);
    expect(a.heldIds()).toEqual([]);
    const after = await t.get(itemSk(plan.planId, 'r0'));
    expect(str(after, 'owner')).toBe('B');
    expect(str(after, 'cursor')).toBe('100');
    await a.complete('r0'); // a late end of A's task changes nothing
    expect(str(await t.get(itemSk(plan.planId, 'r0')), 'state')).toBe('pending');

    b.advance('r0', '300');
    await b.complete('r0');
    const done = await t.get(itemSk(plan.planId, 'r0'));
    expect(str(done, 'state')).toBe('done');
    expect(str(done, 'doneBy')).toBe('B');
  });

  it('a count is written with the first position after it; at the end every count is', async () => {
    const t = new LeaseTable(client, TABLE, 'counts');
    const plan = await joinPlan(t, identity('k'), items(1), joinOptions('A'));
    const a = source(t, 'A', plan.planId, new Clock());
    await a.next();
    a.count('r0', 'deadLetters', 2);
    await a.renewAll();
    expect(num(await t.get(itemSk(plan.planId, 'r0')), 'counts_deadLetters')).toBeUndefined(); // no position after them yet
    a.advance('r0', '10');
    a.count('r0', 'deadLetters', 5); // after the position: belongs to rows a next owner would read again
    await a.renewAll();
    expect(num(await t.get(itemSk(plan.planId, 'r0')), 'counts_deadLetters')).toBe(2);
    await a.complete('r0');
    expect(num(await t.get(itemSk(plan.planId, 'r0')), 'counts_deadLetters')).toBe(7);
  });

  it('a process restarted under the same id takes its leases back at once, from their positions', async () => {
    const t = new LeaseTable(client, TABLE, 'same-id');
    const plan = await joinPlan(t, identity('k'), items(1), joinOptions('A'));
    const clock = new Clock();
    const before = source(t, 'A', plan.planId, clock);
    await before.next();
    before.advance('r0', '42');
    await before.renewAll();
    const after = source(t, 'A', plan.planId, clock); // the same --process-id, nothing held in memory
    expect(await after.next()).toMatchObject({ kind: 'item', item: { id: 'r0', cursor: '42' } });
    expect(after.takeovers).toBe(1);
  });

  it('a refused write that is our own resend landing twice is no lost lease', async () => {
    const t = new LeaseTable(client, TABLE, 'resend');
    const plan = await joinPlan(t, identity('k'), items(1), joinOptions('A'));
    const a = source(t, 'A', plan.planId, new Clock());
    const lost: string[] = [];
    a.watchLost((id) => lost.push(id));
    await a.next();
    // As if A's renewal reached DynamoDB but its answer did not reach A: the counter moved once.
    await t.update(itemSk(plan.planId, 'r0'), 'SET #c = #c + :one', undefined, { '#c': 'counter' }, { ':one': { N: '1' } });
    a.advance('r0', '7');
    await a.renewAll();
    expect(lost).toEqual([]);
    expect(a.heldIds()).toEqual(['r0']);
    // One more move by anyone else is a lost lease.
    await t.update(itemSk(plan.planId, 'r0'), 'SET #c = #c + :two', undefined, { '#c': 'counter' }, { ':two': { N: '2' } });
    await a.renewAll();
    expect(lost).toEqual(['r0']);
  });

  it('a child is claimed only once its parent is done; the parent\'s reader has the first claim for a lease time', async () => {
    const t = new LeaseTable(client, TABLE, 'lineage');
    const plan = await joinPlan(t, identity('k'), () => [{ id: 'parent', task: { n: 0 } }, { id: 'child', task: { n: 1 }, parents: ['parent'] }], joinOptions('A'));
    const clock = new Clock();
    const a = source(t, 'A', plan.planId, clock);
    const b = source(t, 'B', plan.planId, clock);
    expect(await a.next()).toMatchObject({ kind: 'item', item: { id: 'parent' } });
    expect((await b.next()).kind).toBe('wait'); // the child waits for its parent
    await a.complete('parent');
    expect((await b.next()).kind).toBe('wait'); // A's to take first
    clock.t += 900;
    expect((await b.next()).kind).toBe('wait');
    clock.t += 200;
    expect(await b.next()).toMatchObject({ kind: 'item', item: { id: 'child' } }); // A did not take it in a lease time
    // And the heir itself, in another job: at once.
    const t2 = new LeaseTable(client, TABLE, 'lineage-heir');
    const plan2 = await joinPlan(t2, identity('k'), () => [{ id: 'parent', task: { n: 0 } }, { id: 'child', task: { n: 1 }, parents: ['parent'] }], joinOptions('A'));
    const a2 = source(t2, 'A', plan2.planId, clock);
    await a2.next();
    await a2.complete('parent');
    expect(await a2.next()).toMatchObject({ kind: 'item', item: { id: 'child' } });
  });

  it('a process that gave an item up does not take it again; another process does', async () => {
    const t = new LeaseTable(client, TABLE, 'given-up');
    const plan = await joinPlan(t, identity('k'), items(1), joinOptions('A'));
    const clock = new Clock();
    const a = source(t, 'A', plan.planId, clock);
    await a.next();
    await a.fail('r0', { code: 'RETRIES_EXHAUSTED', message: 'gave up', retryable: false });
    expect((await a.next()).kind).toBe('finished');
    const b = source(t, 'B', plan.planId, clock);
    expect(await b.next()).toMatchObject({ kind: 'item', item: { id: 'r0' } });
  });
});

describe('the target table, created by processes starting together', () => {
  it('one creates it, the others find it created and check its keys', async () => {
    const name = `coord-race-target-${process.pid}`;
    const target = await describeTarget({ endpoint: DYNAMODB_ENDPOINT });
    const keySchema = { hashKey: { name: 'id', type: 'S' as const } };
    try {
      const results = await Promise.all([0, 1, 2].map(() => ensureTargetTable(target, { table: name, keySchema, create: true })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      await expect(ensureTargetTable(target, { table: name, keySchema: { hashKey: { name: 'other', type: 'S' } }, create: true })).rejects.toMatchObject({ code: 'DYNAMODB_SCHEMA' });
    } finally {
      await dropTable(client, name);
    }
  });
});

describe('the rate budget', () => {
  it('is shared by the processes at work, a joiner waits two heartbeats, and a process that ends gives its share back', async () => {
    const t = new LeaseTable(client, TABLE, 'budget');
    const clock = new Clock();
    const registry = (id: string) => new ProcessRegistry(t, { processId: id, files: {} }, { heartbeatMs: 100, leaseMs: 1000, budgets: { wcu: 900 }, now: clock.now });
    const [a, b, c] = [registry('A'), registry('B'), registry('C')];
    for (const r of [a, b, c]) await r.register();
    for (const r of [a, b, c]) r.setMember(true);
    expect([a.share('wcu'), b.share('wcu'), c.share('wcu')]).toEqual([0, 0, 0]); // joining
    const beat = async (...rs: ProcessRegistry[]) => {
      for (const r of rs) await (r as unknown as { beat(): Promise<void> }).beat();
    };
    clock.t += 250;
    await beat(a, b, c);
    await beat(a, b, c);
    expect([a.share('wcu'), b.share('wcu'), c.share('wcu')]).toEqual([300, 300, 300]);
    await c.finish('finished', 0);
    await beat(a, b);
    expect([a.share('wcu'), b.share('wcu')]).toEqual([450, 450]);
    // B goes silent (killed). A first sees B's last heartbeat at its next own one (t = 750);
    // once that stood still for the lease time on A's clock, A takes the budget alone.
    clock.t += 500;
    await beat(a);
    expect(a.share('wcu')).toBe(450);
    clock.t += 900;
    await beat(a);
    expect(a.share('wcu')).toBe(450); // 900 ms < 1,000
    clock.t += 200;
    await beat(a);
    expect(a.share('wcu')).toBe(900);
  });
});
