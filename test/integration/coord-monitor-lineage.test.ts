/**
 * Lineage across `monitor --coordinator` processes, through the Streams fixture (DynamoDB Local
 * has one shard that never splits, ARCHITECTURE.md): a parent shard P, closed by a split, and its
 * child C, whose changes are newer versions of keys of P. Two processes (the built binary) share
 * the stream; the checks read a real DynamoDB Local table that holds the final versions.
 *
 * - C is read by nobody before P is done in the coordination table (while P's reader rechecks the
 *   keys C will overtake, C is listed and free, and the other process is idle);
 * - C goes to the process that read P (the parent's reader has the first claim on its children
 *   for a lease time: it holds the differences that C's changes may still overtake), although
 *   the other process looks at the job all along;
 * - together they judge every key once, on its latest change, as one process does: the parent's
 *   older versions of the keys C changes are overtaken, not differences.
 * (Whoever claims a free child after that lease time is the other rule, tested on the table
 * itself in coord-leases.test.ts.)
 *
 * Each process signs with its own access key, so the fixture's log says who read which shard
 * when; each has its own recording proxy in front of the coordination table (--coordinator-endpoint-url).
 * `npm run build` first: the processes run dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startStreamsFixture, type StreamsFixture } from '../fixtures/streams-fixture.js';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../fixtures/recording-proxy.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, testDynamo, type RawItem } from '../helpers/dynamodb.js';
import { leaseItems, pollUntil, startProcess, type CoordProcess } from '../helpers/coord-procs.js';

const RUN = randomUUID().slice(0, 8);
const target = `cml_${RUN}`;
const coord = `cml_lease_${RUN}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'coord-monitor-lineage-'));
const log = (line: string) => process.stderr.write(`[coord-monitor-lineage] ${line}\n`);
const PARENT = `shardId-${'0'.repeat(20)}-aaaaaaaa`;
const CHILD = `shardId-${'0'.repeat(19)}1-aaaaaaaa`;
/** Keys of P that C changes again, and keys only P holds. */
const K = Array.from({ length: 10 }, (_, i) => `k${i}`);
const M = Array.from({ length: 10 }, (_, i) => `m${i}`);
const item = (pk: string, v: number) => ({ pk: { S: pk }, v: { N: String(v) } });
const procs: CoordProcess[] = [];
const proxies = new Map<string, RecordingProxy>();
let ddb: DynamoDBClient;
let fixture: StreamsFixture;

beforeAll(async () => {
  ddb = testDynamo();
  await createTable(ddb, target, ['pk', 'S']);
  fixture = await startStreamsFixture({ tableName: target, viewType: 'NEW_AND_OLD_IMAGES', keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] });
  fixture.addShard(PARENT);
  fixture.putRecords(PARENT, [...K, ...M].map((pk) => ({ eventName: 'INSERT' as const, keys: { pk: { S: pk } }, newImage: item(pk, 1) })));
  fixture.split(PARENT, [CHILD]);
  fixture.putRecords(CHILD, K.map((pk) => ({ eventName: 'MODIFY' as const, keys: { pk: { S: pk } }, oldImage: item(pk, 1), newImage: item(pk, 2) })));
  // The copy as it stands after both shards: C's versions of K, P's of M.
  const finalItems: RawItem[] = [...K.map((pk) => item(pk, 2)), ...M.map((pk) => item(pk, 1))];
  await ddb.send(new BatchWriteItemCommand({ RequestItems: { [target]: finalItems.map((Item) => ({ PutRequest: { Item } })) } }));
}, 60_000);

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await fixture?.close();
  for (const p of proxies.values()) await p.close();
  await dropTable(ddb, target);
  await dropTable(ddb, coord);
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const skOf = (r: RecordedRequest): string => String((r.key?.sk as { S?: unknown } | undefined)?.S ?? '');
const isClaim = (r: RecordedRequest): boolean => r.target.endsWith('.UpdateItem') && r.values?.[':zero'] !== undefined && r.values[':pending'] !== undefined;
const isDone = (r: RecordedRequest): boolean => r.target.endsWith('.UpdateItem') && (r.values?.[':done'] as { S?: unknown } | undefined)?.S === 'done';

const claimedBy = (name: string, shard: string): boolean => proxies.get(name)?.requests().some((q) => isClaim(q) && q.status === 200 && skOf(q).endsWith(`#${shard}`)) ?? false;

/**
 * One process: its own access key (the fixture's log tells the processes apart) and its own
 * recording proxy in front of the coordination table.
 */
async function monitor(name: string, extra: string[]): Promise<CoordProcess> {
  const proxy = await startRecordingProxy({ upstream: DYNAMODB_ENDPOINT });
  proxies.set(name, proxy);
  const p = startProcess(name, [
    'monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--stream-endpoint-url', fixture.url, '--stream-arn', fixture.streamArn, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--threads', '1', '--json', '--stats-interval', '60',
    // P's reader rechecks the keys C overtakes for 4.5 s (1.5 s, then 3 s) before P is done: C waits meanwhile.
    '--recheck-after', '1500', '--max-rechecks', '2',
    '--coordinator', `dynamodb:${coord}`, '--coordinator-endpoint-url', proxy.url, '--process-id', name, '--lease-seconds', '3', ...extra,
  ], { cwd: dir, env: { ...process.env, AWS_ACCESS_KEY_ID: name, AWS_SECRET_ACCESS_KEY: 'fixture', AWS_REGION: 'us-east-1' }, timeoutMs: 90_000 });
  procs.push(p);
  return p;
}

type Counts = Record<'events' | 'inserts' | 'modifies' | 'sampled' | 'superseded' | 'matched' | 'missing' | 'mismatched' | 'stillPresent', number>;
const COUNTS = ['events', 'inserts', 'modifies', 'sampled', 'superseded', 'matched', 'missing', 'mismatched', 'stillPresent'] as const;
const countsOf = (s: Record<string, unknown> | undefined): Counts => Object.fromEntries(COUNTS.map((k) => [k, Number(s?.[k] ?? 0)])) as Counts;

describe('monitor --coordinator: a split across two processes', () => {
  it('the child is read by nobody before its parent is done, then by the parent\'s reader; every key judged once on its latest change', async () => {
    // A starts first and claims P; B, started then, holds nothing: with --until-caught-up it would
    // leave at once (C is not free while P is pending), so it stays for a while (--duration). A
    // ends when caught up, with a backstop: a process that never ends by itself stops there, and says so.
    const a = await monitor('A', ['--until-caught-up', '--duration', '20']);
    await pollUntil(async () => (claimedBy('A', PARENT) ? true : undefined), 30_000, 50, 'A claims P');
    const b = await monitor('B', ['--duration', '30']);
    const [sa, sb] = await Promise.all([a.exited, b.exited]);
    const reads = fixture.reads();
    const readers = (shard: string) => [...new Set(reads.filter((r) => r.shardId === shard).map((r) => r.accessKeyId))];
    const summaries = { A: a.summary(), B: b.summary() };
    log(`A exit ${sa} ${JSON.stringify(summaries.A ?? a.stderr())}`);
    log(`B exit ${sb} ${JSON.stringify(summaries.B ?? b.stderr())}`);
    const parentDone = proxies.get('A')!.requests().find((r) => isDone(r) && r.status === 200 && skOf(r).endsWith(`#${PARENT}`));
    const firstChildRead = reads.find((r) => r.shardId === CHILD);
    const lastParentRead = reads.filter((r) => r.shardId === PARENT).at(-1)!;
    log(`P read by ${readers(PARENT).join(',')}, C read by ${readers(CHILD).join(',')}; refused claims of C: ${[...proxies].map(([n, p]) => `${n} ${p.requests().filter((r) => r.refused !== undefined).length}`).join(', ')}; `
      + `P read to its end at ${lastParentRead.atMs.toFixed(0)} ms, written done at ${parentDone?.atMs?.toFixed(0) ?? '-'}, C first read at ${firstChildRead?.atMs.toFixed(0) ?? '-'} by ${firstChildRead?.accessKeyId ?? '-'}`);

    // P and C by the same process; B, looking all along, claimed neither.
    const [parentReader, childReader] = ['A', 'A'] as const;
    expect(readers(PARENT)).toEqual([parentReader]);
    // C was first read by P's reader; B may read on from A's position once A has ended and handed C back.
    expect(readers(CHILD)[0]).toBe(childReader);
    // B never claimed P, and claimed C only after A had handed it back at its end.
    expect(claimedBy('B', PARENT), 'B claimed P').toBe(false);
    const aLastOnC = proxies.get('A')!.requests().filter((r) => r.target.endsWith('.UpdateItem') && skOf(r).endsWith(`#${CHILD}`)).at(-1);
    const bClaimsOfC = proxies.get('B')!.requests().filter((r) => isClaim(r) && r.status === 200 && skOf(r).endsWith(`#${CHILD}`));
    for (const r of bClaimsOfC) expect(r.atMs!, 'B claimed C while A held it').toBeGreaterThan(aLastOnC!.atMs!);

    // C read by nobody before P was done in the coordination table (P's reader wrote it done).
    expect(parentDone, 'P written done by its reader').toBeDefined();
    expect(lastParentRead.atEnd, 'P read to its end').toBe(true);
    expect(firstChildRead!.atMs).toBeGreaterThan(parentDone!.atMs!);
    // ... and P was done well after it was read to its end (the rechecks), while B was looking at
    // the job's items: C waited, listed and free.
    expect(parentDone!.atMs! - lastParentRead.atMs).toBeGreaterThan(3_000);
    const bLooked = proxies.get('B')!.requests().filter((r) => r.target.endsWith('.Query') && r.atMs! < parentDone!.atMs!);
    expect(bLooked.length, 'B scanned the job\'s items while P was pending').toBeGreaterThanOrEqual(2);
    const { items } = await leaseItems(ddb, coord, 'monitor');
    expect(items.find((i) => i.id === PARENT)).toMatchObject({ state: 'done', doneBy: parentReader });

    // Together: every change counted once, every key judged once on its latest change, as one process does.
    for (const [name, s] of Object.entries(summaries)) expect(s, `${name}: ${name === 'A' ? a.stderr() : b.stderr()}`).toBeDefined();
    const [ca, cb] = [countsOf(summaries.A), countsOf(summaries.B)];
    const sum = Object.fromEntries(COUNTS.map((k) => [k, ca[k] + cb[k]]));
    expect(sum).toMatchObject({ events: 30, inserts: 20, modifies: 10, missing: 0, mismatched: 0, stillPresent: 0, matched: K.length + M.length });
    expect(countsOf(summaries.A)).toMatchObject({ events: 30, modifies: 10, matched: K.length + M.length, mismatched: 0 });
    expect(countsOf(summaries.B).events).toBe(0);
    expect(summaries.A).toMatchObject({ status: 'clean', ended: 'caught-up' });
    expect(summaries.B, JSON.stringify({ ended: summaries.B?.ended, status: summaries.B?.status, error: summaries.B?.error })).toMatchObject({ status: 'clean', ended: 'duration' });
    expect([sa, sb]).toEqual([0, 0]);
  }, 120_000);
});
