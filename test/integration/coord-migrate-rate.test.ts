/**
 * One --max-wcu budget shared by the processes of a coordinated job: three `migrate
 * --coordinator` processes write through the capacity-simulating proxy, set well above the
 * budget so the budget, not the table, holds them back. The coordination table is on DynamoDB
 * Local directly (--coordinator-endpoint-url), so the proxy counts the target table's writes
 * and nothing else. Then one process is SIGKILLed and the two others take its share.
 *
 * `npm run build` first: the processes run dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { expectExactReadBack } from '../helpers/verify-copy.js';
import { startProcess, type CoordProcess } from '../helpers/coord-procs.js';
import { startCapacityProxy, type CapacityProxy } from '../fixtures/capacity-proxy.js';

const ROWS = 16_000;
const BUDGET = 600;
const THREADS = 2;
/** Far above the budget: a throttle here would mean the budget was not what held the writes. */
const CAPACITY = 5_000;
const LEASE_SECONDS = 3;
/** min(2 s, lease / 3), as the processes compute it. */
const HEARTBEAT_MS = 1_000;
const keyspace = uniqueName('it_coord_rate');
const target = uniqueName('coord_rate');
const coord = uniqueName('coord_rate_lease');
const dir = mkdtempSync(path.join(os.tmpdir(), 'coord-rate-it-'));
const procs: CoordProcess[] = [];
const log = (line: string) => process.stderr.write(`[coord-rate] ${line}\n`);
let cql: cassandra.Client;
let ddb: DynamoDBClient;
let proxy: CapacityProxy | undefined;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(`populate: ${r.stderr}`);
}, 300_000);

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await proxy?.close();
  for (const t of [target, coord]) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function migrate(name: string, endpoint: string): CoordProcess {
  const p = startProcess(name, [
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', endpoint, '--create-table', '--threads', String(THREADS), '--splits', '24', '--max-wcu', String(BUDGET),
    '--coordinator', `dynamodb:${coord}`, '--coordinator-endpoint-url', DYNAMODB_ENDPOINT, '--process-id', name,
    '--lease-seconds', String(LEASE_SECONDS), '--json',
  ], { cwd: dir });
  procs.push(p);
  return p;
}

/** A process's rate limit (its share) over time: [arrival ms, rateLimit] of each progress event. */
const limits = (p: CoordProcess): Array<[number, number]> =>
  p.events.filter((t) => t.e.event === 'progress').map((t) => [t.atMs, Number(t.e.rateLimit ?? 0)]);

describe(`three processes under one --max-wcu ${BUDGET}`, () => {
  it('together stay within the budget every second; after one is killed the two others share it', async () => {
    proxy = await startCapacityProxy({ upstream: DYNAMODB_ENDPOINT, writeUnitsPerSecond: CAPACITY, burstSeconds: 1 });
    proxy.resetStats();
    const originMs = performance.now(); // second s of the proxy's series: [origin + s, origin + s + 1) s
    const [a, b, victim] = [migrate('A', proxy.url), migrate('B', proxy.url), migrate('C', proxy.url)];

    // All three at work with their shares; then 6 s of the three together before the kill.
    const shareOf3 = BUDGET / 3;
    const sharing = await Promise.all([a, b, victim].map((p) => p.waitFor((e) => e.event === 'progress' && Number(e.rateLimit) > 0, 120_000, 'a share of the budget')));
    const togetherFromMs = Math.max(...sharing.map((t) => t.atMs));
    await victim.waitFor((e) => e.event === 'progress' && performance.now() - togetherFromMs >= 6_000, 60_000, '6 s of the three together');
    const killedAtMs = performance.now();
    victim.kill('SIGKILL');
    expect(await victim.exited).toBe(128 + 9);

    const [sa, sb] = await Promise.all([a.exited, b.exited]);
    expect(sa, a.stderr()).toBe(0);
    expect(sb, b.stderr()).toBe(0);
    const stats = proxy.stats();
    await proxy.close();
    proxy = undefined;

    // The proxy never throttled: the budget held the writes, not the table.
    expect(stats.throttledRequests + stats.partlyThrottledRequests).toBe(0);
    expect(stats.acceptedUnits).toBeGreaterThanOrEqual(ROWS); // users items are under 1 KB: one unit each
    const secondStart = (s: number) => originMs + s * 1000;

    // Each process's workers wait in a token bucket for their share (src/engine/token-bucket.ts)
    // holding at most one batch of 25 items (a share of 100 WCU/s per worker is 5 units per 50 ms
    // of depth, less than one batch): a process can send its share plus one batch per worker at
    // once, and the proxy counts by arrival, so one second holds at most the budget plus one batch
    // per worker per process.
    const burst = (processes: number) => processes * THREADS * 25;
    const together = stats.series.filter((s) => secondStart(s.second) >= togetherFromMs && secondStart(s.second + 1) <= killedAtMs);
    expect(together.length, 'full seconds of the three together').toBeGreaterThanOrEqual(4);
    for (const s of together) expect(s.acceptedUnits, JSON.stringify(together)).toBeLessThanOrEqual(BUDGET + burst(3));
    // Every second of the run (joining, the kill, taking over included) holds no more than that.
    for (const s of stats.series) expect(s.acceptedUnits, JSON.stringify(stats.series)).toBeLessThanOrEqual(BUDGET + burst(3));
    // Over the run, from the first second with a write to the last (partial ones left out).
    const writing = stats.series.filter((s) => s.acceptedUnits > 0);
    const inner = writing.slice(1, -1);
    const mean = inner.reduce((n, s) => n + s.acceptedUnits, 0) / Math.max(1, inner.length);
    log(`together ${JSON.stringify(together.map((s) => s.acceptedUnits))}; the run ${JSON.stringify(writing.map((s) => s.acceptedUnits))}; mean ${mean.toFixed(0)} WCU/s over ${inner.length} s`);
    expect(mean).toBeLessThanOrEqual(BUDGET * 1.05);

    // The shares: a third of the budget each while three are at work; after the kill the two
    // survivors see C's heartbeat stand still for a lease time and take half each. Bound: C's
    // last heartbeat up to one heartbeat before the kill, a lease time of stillness, then the
    // survivors' next heartbeat, plus a progress event (1 s): well within 2 lease times and
    // 3 heartbeats. Its ranges are taken over in that time too.
    const reshareByMs = killedAtMs + 2 * LEASE_SECONDS * 1000 + 3 * HEARTBEAT_MS;
    for (const p of [a, b]) {
      const series = limits(p);
      const before = series.filter(([t]) => t >= togetherFromMs + 1_000 && t < killedAtMs).map(([, r]) => r);
      expect(before.length).toBeGreaterThanOrEqual(3);
      for (const r of before) expect(r, `${p.name} before the kill: ${JSON.stringify(before)}`).toBeCloseTo(shareOf3, 0);
      const rose = series.find(([t, r]) => t > killedAtMs && r >= 0.95 * (BUDGET / 2));
      const text = JSON.stringify(series.filter(([t]) => t > killedAtMs).map(([t, r]) => [Math.round(t - killedAtMs), r]));
      expect(rose, `${p.name} after the kill (ms after, rateLimit): ${text}`).toBeDefined();
      log(`${p.name}: ${shareOf3} WCU/s before the kill, ${rose![1]} ${((rose![0] - killedAtMs) / 1000).toFixed(1)} s after it`);
      expect(rose![0]).toBeLessThanOrEqual(reshareByMs);
    }

    const counts = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
    expect(counts.rows).toBe(ROWS);
  }, 240_000);
});
