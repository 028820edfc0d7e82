/**
 * Many processes on one job (`migrate --coordinator dynamodb:<table>`), on the built binary
 * against the real Cassandra and DynamoDB Local:
 *
 * - three processes, one SIGKILLed mid-run: the two others take its ranges over and finish;
 *   every range is done in the lease table, the copy is exact, and the taken-over ranges
 *   continued from the positions their dead owner had recorded (the survivors read exactly the
 *   rows the dead process had not settled, counted from Cassandra's tokens);
 * - fencing: a process SIGSTOPped past its lease, then SIGCONTed, finds its lease taken over;
 *   through a recording proxy, no position write of it on a taken-over range is accepted after
 *   the takeover (each is refused with ConditionalCheckFailedException), it reports the lost
 *   lease, and the copy is still exact.
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
import { leaseItems, pollUntil, rowsIn, sleep, startProcess, writtenSoFar, type CoordProcess, type LeaseItem } from '../helpers/coord-procs.js';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../fixtures/recording-proxy.js';

const KILL_ROWS = 30_000;
const FENCE_ROWS = 20_000;
const keyspace = uniqueName('it_coord');
const dir = mkdtempSync(path.join(os.tmpdir(), 'coord-it-'));
const tables: string[] = [];
const procs: CoordProcess[] = [];
const log = (line: string) => process.stderr.write(`[coord] ${line}\n`);
let cql: cassandra.Client;
let ddb: DynamoDBClient;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  for (const [table, rows] of [['kill', KILL_ROWS], ['fence', FENCE_ROWS]] as const) {
    const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--rows', String(rows), '--threads', '2']);
    if (r.status !== 0) throw new Error(`populate: ${r.stderr}`);
  }
}, 300_000);

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  for (const t of tables) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * One process of a job. --fetch-size 100: a range of this table is about 1,000 rows, so its
 * position moves (and is written with the lease renewals) many times before it is done.
 */
function migrate(name: string, o: { table: string; target: string; coord: string; endpoint: string; leaseSeconds: number; extra?: string[] }): CoordProcess {
  const p = startProcess(name, [
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', o.table, '--target-table', o.target,
    '--endpoint-url', o.endpoint, '--create-table', '--threads', '2', '--splits', '30', '--fetch-size', '100',
    '--coordinator', `dynamodb:${o.coord}`, '--process-id', name, '--lease-seconds', String(o.leaseSeconds), '--json', ...(o.extra ?? []),
  ], { cwd: dir });
  procs.push(p);
  return p;
}

/** Sorted tokens of every row of a table: what a range (start, end] holds, from Cassandra itself. */
async function tokensOf(table: string): Promise<bigint[]> {
  const tokens: bigint[] = [];
  let pageState: string | undefined;
  do {
    const rs = await cql.execute(`SELECT token(id) AS t FROM ${keyspace}.${table}`, [], { fetchSize: 5000, pageState, prepare: true });
    for (const row of rs.rows) tokens.push(BigInt(String(row.get('t'))));
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  return tokens.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const coordinationOf = (p: CoordProcess) => p.summary()?.coordination as { takeovers: number; lostLeases: number; planCreated: boolean; processId: string } | undefined;

describe('three processes on one job, one SIGKILLed mid-run', () => {
  it('the two others take its ranges over from their recorded positions and finish; the copy is exact', async () => {
    const target = uniqueName('coord_kill');
    const coord = uniqueName('coord_kill_lease');
    tables.push(target, coord);
    // A shared budget keeps the job long enough to kill one process in the middle of it.
    const o = { table: 'kill', target, coord, endpoint: DYNAMODB_ENDPOINT, leaseSeconds: 3, extra: ['--max-wcu', '1500'] };
    const [a, b, victim] = [migrate('A', o), migrate('B', o), migrate('C', o)];

    // The moment: the victim has written items and holds a range whose position it has recorded.
    await victim.waitFor((e) => e.event === 'progress' && Number(e.itemsWritten) >= 1_500, 120_000, 'progress with 1,500 items written');
    const held = await pollUntil(async () => {
      const { items } = await leaseItems(ddb, coord);
      return items.some((i) => i.owner === 'C' && i.cursor !== undefined) ? items : undefined;
    }, 30_000, 100, 'a range of C with a recorded position');
    expect(held.filter((i) => i.state === 'done').length, 'the job is not done yet').toBeLessThan(held.length / 2);
    victim.kill('SIGKILL');
    const victimWritten = writtenSoFar(victim);
    expect(await victim.exited).toBe(128 + 9);
    // What the dead process left: its last writes are in (or refused) by now.
    await sleep(500);
    const atKill = (await leaseItems(ddb, coord)).items;
    const orphans = atKill.filter((i) => i.owner === 'C' && i.state === 'pending');
    log(`C killed after ≥ ${victimWritten} items; it held ${orphans.map((i) => `${i.id}@${i.cursor ?? 'start'}`).join(', ')}; ${atKill.filter((i) => i.state === 'done').length} of ${atKill.length} ranges done`);
    expect(orphans.length).toBeGreaterThanOrEqual(1);

    const [sa, sb] = await Promise.all([a.exited, b.exited]);
    expect(sa, a.stderr()).toBe(0);
    expect(sb, b.stderr()).toBe(0);
    const [summaryA, summaryB] = [a.summary()!, b.summary()!];
    for (const s of [summaryA, summaryB]) expect(s).toMatchObject({ status: 'completed', exitStatus: 0, deadLetters: 0 });
    const takeovers = coordinationOf(a)!.takeovers + coordinationOf(b)!.takeovers;
    expect(takeovers).toBeGreaterThanOrEqual(orphans.length);

    // Every range done, the dead process's by a survivor.
    const after = (await leaseItems(ddb, coord)).items;
    expect(after.length).toBe(atKill.length);
    expect(after.filter((i) => i.state !== 'done').map((i) => i.id)).toEqual([]);
    for (const orphan of orphans) expect(['A', 'B']).toContain(after.find((i) => i.id === orphan.id)!.doneBy);

    // Resumed from the recorded positions, not from the start: the survivors read exactly the
    // rows C had not settled (rows of ranges C finished, and of the ranges it held up to their
    // recorded positions, are not read again). Counted from the tokens of every row.
    const tokens = await tokensOf('kill');
    expect(tokens.length).toBe(KILL_ROWS);
    const rows = (i: LeaseItem, after?: string) => rowsIn(tokens, BigInt(after ?? i.start), BigInt(i.end));
    const settledByVictim = after.filter((i) => i.doneBy === 'C').reduce((n, i) => n + rows(i), 0)
      + orphans.reduce((n, i) => n + (rows(i) - rows(i, i.cursor)), 0);
    const orphanRowsBeforePositions = orphans.reduce((n, i) => n + (rows(i) - rows(i, i.cursor)), 0);
    expect(orphanRowsBeforePositions, 'the victim had recorded positions past rows').toBeGreaterThan(0);
    const survivorsRead = (summaryA.rowsRead as number) + (summaryB.rowsRead as number);
    log(`survivors read ${survivorsRead} (A ${String(summaryA.rowsRead)}, B ${String(summaryB.rowsRead)}); C settled ${settledByVictim}, of which ${orphanRowsBeforePositions} before the positions of the ranges taken over; takeovers ${takeovers}`);
    expect(survivorsRead).toBe(KILL_ROWS - settledByVictim);
    expect(survivorsRead + victimWritten).toBeLessThan(KILL_ROWS * 1.5);

    const counts = await expectExactReadBack(cql, ddb, keyspace, 'kill', target);
    expect(counts.rows).toBe(KILL_ROWS);
  }, 240_000);
});

describe('fencing: a process paused past its lease', () => {
  let proxy: RecordingProxy | undefined;
  afterAll(async () => proxy?.close());

  it('after the takeover none of its writes on the taken-over range is accepted; it reports the lost lease; the copy is exact', async () => {
    const target = uniqueName('coord_fence');
    const coord = uniqueName('coord_fence_lease');
    tables.push(target, coord);
    proxy = await startRecordingProxy({ upstream: DYNAMODB_ENDPOINT });
    const o = { table: 'fence', target, coord, endpoint: proxy.url, leaseSeconds: 2, extra: ['--max-wcu', '2000'] };
    const [q, paused] = [migrate('Q', o), migrate('P', o)];

    await paused.waitFor((e) => e.event === 'progress' && Number(e.itemsWritten) >= 1_000, 120_000, 'progress with 1,000 items written');
    await pollUntil(async () => {
      const { items } = await leaseItems(ddb, coord);
      return items.some((i) => i.owner === 'P' && i.cursor !== undefined) ? items : undefined;
    }, 30_000, 50, 'a range of P with a recorded position');
    paused.kill('SIGSTOP');
    const stoppedAt = performance.now();
    // What P holds once its last requests have landed (a claim may have been on its way).
    await sleep(500);
    const heldByP = (await leaseItems(ddb, coord)).items.filter((i) => i.owner === 'P' && i.state === 'pending');
    expect(heldByP.length).toBeGreaterThanOrEqual(1);
    // Q sees P's counters stand still for a lease time and takes over, once it looks for work
    // and finds no free range left (free ranges come first). P stays stopped until then, and
    // for more than 3 lease times in any case.
    const during = await pollUntil(async () => {
      const { items } = await leaseItems(ddb, coord);
      return heldByP.every((h) => items.find((i) => i.id === h.id)!.owner !== 'P') ? items : undefined;
    }, 120_000, 200, 'Q taking over the ranges of the stopped P');
    await sleep(Math.max(0, stoppedAt + 3.5 * 2_000 - performance.now()));
    log(`P stopped holding ${heldByP.map((i) => i.id).join(', ')}; ${((performance.now() - stoppedAt) / 1000).toFixed(1)} s later: ${heldByP.map((h) => { const i = during.find((x) => x.id === h.id)!; return `${i.id} ${i.state} by ${i.owner ?? i.doneBy ?? '-'}`; }).join(', ')}`);
    paused.kill('SIGCONT');
    const [sq, sp] = await Promise.all([q.exited, paused.exited]);
    expect(sq, q.stderr()).toBe(0);
    expect([0, 1], paused.stderr()).toContain(sp);
    expect(coordinationOf(q)!.takeovers).toBeGreaterThanOrEqual(1);
    expect(coordinationOf(paused)!.lostLeases).toBeGreaterThanOrEqual(1);
    const warnings = paused.events.filter((t) => t.e.event === 'warning').map((t) => t.e.warning as { code?: string; message?: string } | undefined);
    expect(warnings.map((w) => w?.code)).toContain('LEASE_LOST');
    log(`P exited ${sp} (${String(paused.summary()?.status)}), lost ${coordinationOf(paused)!.lostLeases} lease(s): ${warnings.find((w) => w?.code === 'LEASE_LOST')?.message ?? ''}`);

    const requests = proxy.requests();
    const updates = requests.filter((r) => r.target.endsWith('.UpdateItem') && r.key !== undefined);
    const skOf = (r: RecordedRequest) => (r.key as { sk?: { S?: string } }).sk?.S;
    const valueOf = (r: RecordedRequest, name: string) => (r.values?.[name] as { S?: string } | undefined)?.S;
    // The takeovers: Q's claims conditioned on the old owner being P, accepted.
    const takeovers = updates.filter((r) => valueOf(r, ':me') === 'Q' && valueOf(r, ':old') === 'P' && r.status === 200);
    expect(takeovers.length, 'Q took over a range of P').toBeGreaterThanOrEqual(1);
    for (const t of takeovers) expect(t.atMs!, 'taken over while P was stopped').toBeGreaterThan(stoppedAt);
    expect(new Set(takeovers.map(skOf)), 'every range P held was taken over').toEqual(new Set(heldByP.map((i) => i.sk)));
    let refused = 0;
    for (const t of takeovers) {
      const sk = skOf(t)!;
      const later = updates.filter((r) => skOf(r) === sk && valueOf(r, ':me') === 'P' && r.atMs! > t.atMs!);
      const accepted = later.filter((r) => r.status === 200);
      expect(accepted.map((r) => `${r.status} ${r.errorType ?? ''}`), `P's writes on ${sk} after Q's takeover`).toEqual([]);
      for (const r of later) expect(r.errorType).toBe('ConditionalCheckFailedException');
      refused += later.length;
    }
    log(`${takeovers.length} takeover(s) of P's ranges by Q; ${refused} later write(s) of P on them, all refused`);
    expect(refused, 'P tried to write on a taken-over range after SIGCONT, and was refused').toBeGreaterThanOrEqual(1);

    expect((await leaseItems(ddb, coord)).items.filter((i) => i.state !== 'done').map((i) => i.id)).toEqual([]);
    const counts = await expectExactReadBack(cql, ddb, keyspace, 'fence', target);
    expect(counts.rows).toBe(FENCE_ROWS);
  }, 240_000);
});
