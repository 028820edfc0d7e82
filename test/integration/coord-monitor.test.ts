/**
 * Many `monitor` processes on one stream (`--coordinator dynamodb:<table>`), on the built binary
 * against DynamoDB Local (one shard per stream, ARCHITECTURE.md):
 *
 * - two processes judge every sampled change once: their counts add up to exactly what one
 *   process alone counts on the same stream (planted differences included); one of them holds
 *   the shard, the other reads nothing;
 * - a killed owner's shard is taken over from its checkpoint: with a writer writing, the holder
 *   is SIGKILLed; the other takes the shard over and reads exactly the records after the
 *   position the dead one recorded in its lease (counted from the stream itself), judging the
 *   changes written after the kill; a faithful copy stays clean;
 * - `--resume` with `--coordinator`, and `--fresh` without it, are usage errors.
 *
 * `npm run build` first: the processes run dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { runInProcess } from '../helpers/cli.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { createStreamTable, replicate, writeChanges } from '../helpers/monitor-tables.js';
import { leaseItems, pollUntil, sleep, startProcess, type CoordProcess } from '../helpers/coord-procs.js';

const RUN = randomUUID().slice(0, 8);
const dir = mkdtempSync(path.join(os.tmpdir(), 'coord-monitor-'));
const tables: string[] = [];
const procs: CoordProcess[] = [];
const log = (line: string) => process.stderr.write(`[coord-monitor] ${line}\n`);
let ddb: DynamoDBClient;

beforeAll(() => {
  ddb = testDynamo();
});

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  for (const t of tables) await dropTable(ddb, t);
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

type Counts = Record<'events' | 'inserts' | 'modifies' | 'removes' | 'sampled' | 'superseded' | 'matched' | 'missing' | 'mismatched' | 'stillPresent', number>;
const COUNTS = ['events', 'inserts', 'modifies', 'removes', 'sampled', 'superseded', 'matched', 'missing', 'mismatched', 'stillPresent'] as const;
const countsOf = (s: Record<string, unknown>): Counts => Object.fromEntries(COUNTS.map((k) => [k, Number(s[k] ?? 0)])) as Counts;
const coordinationOf = (s: Record<string, unknown>) => s.coordination as { processId: string; planCreated: boolean; shardsHeldAtEnd: number; takeovers: number; lostLeases: number };

/**
 * One monitor process (the built binary), DynamoDB on both sides. A coordinated one keeps its
 * default files, per process under `dir` (`monitor-differences/<target>.<process-id>.jsonl`).
 */
function monitor(name: string, source: string, target: string, extra: string[]): CoordProcess {
  const files = extra.includes('--coordinator') ? [] : ['--differences', path.join(dir, `${target}.jsonl`), '--checkpoint', path.join(dir, `${target}-${name}-${randomUUID()}.json`)];
  const p = startProcess(name, [
    'monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--source-table', source, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--threads', '1', '--json', '--stats-interval', '60', ...files, ...extra,
  ], { cwd: dir, timeoutMs: 120_000 });
  procs.push(p);
  return p;
}

const coordinated = (name: string, coord: string, leaseSeconds: number) => ['--coordinator', `dynamodb:${coord}`, '--process-id', name, '--lease-seconds', String(leaseSeconds)];

async function summaryAfterExit(p: CoordProcess): Promise<{ status: number; summary: Record<string, unknown> }> {
  const status = await p.exited;
  const summary = p.summary();
  expect(summary, `${p.name} (exit ${status}): ${p.stderr()}`).toBeDefined();
  return { status, summary: summary! };
}

describe('two monitor processes on one stream', () => {
  it('judge every sampled change once: their counts add up to one process\'s, and one of them reads nothing', async () => {
    const source = `cm_src_${RUN}`;
    const target = `cm_dst_${RUN}`;
    const coord = `cm_lease_${RUN}`;
    tables.push(source, target, coord);
    await createStreamTable(ddb, source);
    await createTable(ddb, target, ['pk', 'S'], ['sk', 'N']);
    const written = await writeChanges(ddb, source);
    const drop = new Set(['100', '101', '5']);
    const alter = new Set(['102', '103', '6']);
    await replicate(ddb, source, target, drop, alter);
    const checks = ['--until-caught-up', '--recheck-after', '100', '--max-rechecks', '1'];

    // One process alone, no coordinator: the counts to match.
    const alone = await summaryAfterExit(monitor('alone', source, target, checks));
    expect(alone.status).toBe(1);
    const c1 = countsOf(alone.summary);
    expect(c1).toMatchObject({ events: written.inserts + written.modifies + written.removes, inserts: written.inserts, modifies: written.modifies, removes: written.removes, missing: drop.size, mismatched: alter.size, stillPresent: 0 });

    // Two coordinated processes on the same stream, a fresh coordination table.
    const [a, b] = [monitor('A', source, target, [...checks, ...coordinated('A', coord, 3)]), monitor('B', source, target, [...checks, ...coordinated('B', coord, 3)])];
    const [ra, rb] = await Promise.all([summaryAfterExit(a), summaryAfterExit(b)]);
    const [ca, cb] = [countsOf(ra.summary), countsOf(rb.summary)];
    log(`alone ${JSON.stringify(c1)}; A (exit ${ra.status}) ${JSON.stringify(ca)} ${JSON.stringify(ra.summary.coordination)}; B (exit ${rb.status}) ${JSON.stringify(cb)} ${JSON.stringify(rb.summary.coordination)}`);
    const sum = Object.fromEntries(COUNTS.map((k) => [k, ca[k] + cb[k]]));
    expect(sum).toEqual(c1);
    for (const r of [ra, rb]) expect(r.summary).toMatchObject({ ended: 'caught-up' });
    // One shard on DynamoDB Local: one process held it, the other read no event.
    const [holder, idle] = ca.events > 0 ? [ra, rb] : [rb, ra];
    expect(countsOf(idle.summary).events).toBe(0);
    expect(countsOf(idle.summary).sampled).toBe(0);
    expect(holder.status).toBe(1);
    expect(idle.status).toBe(0);
    // Exactly one of them wrote the plan; nobody took anything over.
    expect([coordinationOf(ra.summary).planCreated, coordinationOf(rb.summary).planCreated].filter(Boolean)).toHaveLength(1);
    expect(coordinationOf(ra.summary).takeovers + coordinationOf(rb.summary).takeovers).toBe(0);
    // The holder's own differences file holds exactly the planted differences.
    const file = path.join(dir, 'monitor-differences', `${target}.${coordinationOf(holder.summary).processId}.jsonl`);
    expect(holder.summary.differencesFile).toBe(path.join('monitor-differences', `${target}.${coordinationOf(holder.summary).processId}.jsonl`));
    const ds = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; key: { sk: { N: string } } });
    expect(new Set(ds.filter((d) => d.kind === 'missing').map((d) => d.key.sk.N))).toEqual(drop);
    expect(new Set(ds.filter((d) => d.kind === 'mismatched').map((d) => d.key.sk.N))).toEqual(alter);
    // The shard (open: never done) is left free in the coordination table, with the holder's position.
    const { items } = await leaseItems(ddb, coord, 'monitor');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ state: 'pending' });
    expect(items[0]!.owner).toBeUndefined();
    expect(items[0]!.cursor).toMatch(/^\d{21}$/);
  }, 150_000);
});

/** Every record of a DynamoDB Local table's stream (one shard), read from TRIM_HORIZON to its current end. */
async function streamRecords(table: string): Promise<string[]> {
  const arn = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn;
  const streams = new DynamoDBStreamsClient({ endpoint: DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.Shards ?? [];
    expect(shards).toHaveLength(1);
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shards[0]!.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    const seqs: string[] = [];
    while (iterator !== undefined) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const got = page.Records ?? [];
      for (const r of got) seqs.push(r.dynamodb!.SequenceNumber!);
      if (got.length === 0) break; // an open shard's current end
      iterator = page.NextShardIterator;
    }
    return seqs;
  } finally {
    streams.destroy();
  }
}

/**
 * Writes changes until stopped: new keys, and every fourth step a change of a key written
 * earlier; the copy first, then the source, so the copy is faithful when the change is read.
 * Every fourth new key reaches the copy 400 ms after the source (a replica lagging): its check
 * waits for a recheck, so an owner always has checks pending, and the position it records is
 * just before the oldest of them (not a record's sequence number).
 */
function startWriter(source: string, target: string) {
  let stopped = false;
  let changes = 0;
  const lagging: Array<Promise<unknown>> = [];
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      // key i − 21 was inserted at an earlier step (i − 21 ≡ 2 mod 4); keys ≡ 0 mod 4 never change again
      const modify = i % 4 === 3 && i >= 23;
      const n = modify ? i - 21 : i;
      const item = { pk: { S: `user-${n % 50}` }, sk: { N: String(n) }, name: { S: modify ? `renamed ${i}` : `name ${n}` }, score: { N: String(i) } };
      if (i % 4 === 0) {
        await ddb.send(new PutItemCommand({ TableName: source, Item: item }));
        lagging.push(sleep(400).then(() => ddb.send(new PutItemCommand({ TableName: target, Item: item }))));
      } else {
        await ddb.send(new PutItemCommand({ TableName: target, Item: item }));
        await ddb.send(new PutItemCommand({ TableName: source, Item: item }));
      }
      changes++;
      await sleep(5);
    }
    await Promise.all(lagging);
  })();
  return { changes: () => changes, stop: async () => ((stopped = true), await done) };
}

describe('a killed owner', () => {
  it('its shard is taken over from the position it recorded: the survivor reads exactly the records after it, the changes written after the kill among them', async () => {
    const source = `cm_kill_src_${RUN}`;
    const target = `cm_kill_dst_${RUN}`;
    const coord = `cm_kill_lease_${RUN}`;
    tables.push(source, target, coord);
    await createStreamTable(ddb, source);
    await createTable(ddb, target, ['pk', 'S'], ['sk', 'N']);
    const writer = startWriter(source, target);
    try {
      // --duration: a process that holds nothing has to stay (with --until-caught-up it would end at once).
      const run = ['--duration', '30', '--recheck-after', '300', '--max-rechecks', '4'];
      const [a, b] = [monitor('A', source, target, [...run, ...coordinated('A', coord, 2)]), monitor('B', source, target, [...run, ...coordinated('B', coord, 2)])];

      // The moment: one of them holds the shard, has judged changes, and has recorded a position in its lease.
      const held = await pollUntil(async () => {
        const items = await leaseItems(ddb, coord, 'monitor').then((l) => l.items, (e: { name?: string }) => {
          if (e.name === 'ResourceNotFoundException') return []; // not made yet
          throw e;
        });
        const i = items.find((x) => x.owner !== undefined && x.cursor !== undefined);
        const p = i === undefined ? undefined : [a, b].find((x) => x.name === i.owner);
        return p !== undefined && Number(p.lastProgress()?.done ?? 0) >= 100 ? { item: i, victim: p } : undefined;
      }, 60_000, 100, 'a holder with a recorded position and 100 events');
      const { victim } = held;
      const survivor = victim === a ? b : a;
      expect(Number(survivor.lastProgress()?.done ?? 0), 'the other process holds nothing and reads nothing').toBe(0);
      victim.kill('SIGKILL');
      const changesAtKill = writer.changes();
      const victimEvents = Number(victim.lastProgress()?.done ?? 0);
      expect(await victim.exited).toBe(128 + 9);
      await sleep(500); // a position write in flight at the kill has landed (or not) by now
      const atKill = (await leaseItems(ddb, coord, 'monitor')).items;
      expect(atKill).toHaveLength(1);
      expect(atKill[0]).toMatchObject({ owner: victim.name, state: 'pending' });
      const cursor = atKill[0]!.cursor!;
      // A position GetShardIterator takes (AFTER_SEQUENCE_NUMBER: 21 to 40 digits; DynamoDB Local's have leading zeros).
      expect.soft(cursor, 'the recorded position is a sequence number DynamoDB Streams accepts').toMatch(/^\d{21,40}$/);

      // The survivor takes over (lease 2 s) and follows the writer; then the writer stops.
      await survivor.waitFor((e) => e.event === 'progress' && Number(e.done) > 0, 20_000, 'the survivor reading').catch(async (e: Error) => {
        const leases = await ddb.send(new QueryCommand({ TableName: coord, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'monitor' } }, ConsistentRead: true }))
          .then((q) => JSON.stringify((q.Items ?? []).filter((i) => i.sk?.S?.startsWith('item#'))), (x: unknown) => String(x));
        const recs = await streamRecords(source);
        throw new Error(`${e.message}\n${survivor.name}'s events: ${survivor.events.filter((t) => t.e.event !== 'progress').map((t) => JSON.stringify(t.e)).join('\n')}\n`
          + `leases now: ${leases}; the victim's position ${cursor}; stream records ${recs.length}, of them at or before the position ${recs.filter((q) => BigInt(q) <= BigInt(cursor)).length}, the position a record: ${recs.includes(cursor)}`);
      });
      await sleep(6_000);
      await writer.stop();
      const written = writer.changes();
      const writtenAfterKill = written - changesAtKill;

      const { status, summary } = await summaryAfterExit(survivor);
      const s = countsOf(summary);
      const records = await streamRecords(source);
      const afterCursor = records.filter((q) => BigInt(q) > BigInt(cursor)).length;
      log(`victim ${victim.name} killed at ${victimEvents} events reported, ${changesAtKill} changes written, its position ${cursor} (${records.length - afterCursor} records at or before it); `
        + `written ${written} (${writtenAfterKill} after the kill); survivor (exit ${status}) ${JSON.stringify(s)} ${JSON.stringify(summary.coordination)}`);
      expect(records.length, 'every change made one stream record').toBe(written);
      expect(status, survivor.stderr()).toBe(0);
      expect(summary).toMatchObject({ status: 'clean', ended: 'duration', missing: 0, mismatched: 0, stillPresent: 0, dataLoss: 0 });
      expect(summary.lagging as number, 'the lagging copies were found on a recheck').toBeGreaterThan(0);
      expect(coordinationOf(summary).takeovers).toBeGreaterThanOrEqual(1);
      // The dead owner had settled changes, and its position was where the survivor began: it read
      // every record after that position once, and none at or before it.
      expect(records.length - afterCursor).toBeGreaterThan(0);
      expect(s.events).toBe(afterCursor);
      expect(s.events).toBeGreaterThanOrEqual(writtenAfterKill);
      expect(writtenAfterKill).toBeGreaterThan(100);
      expect(s.matched).toBeGreaterThan(0);
      expect(s.modifies).toBeGreaterThan(0);
      // Nothing lost between the two: the victim settled everything up to its position, and had
      // reported at least that much (its checks always pending: the position lags its reading).
      expect((records.length - afterCursor) + s.events).toBe(written);
      expect(victimEvents + s.events).toBeGreaterThanOrEqual(written);
      const lease = (await leaseItems(ddb, coord, 'monitor')).items[0]!;
      expect(BigInt(lease.cursor ?? '0')).toBeGreaterThan(BigInt(cursor));
    } finally {
      await writer.stop();
    }
  }, 150_000);
});

describe('coordinated monitor: usage errors', () => {
  it('--resume with --coordinator, and --fresh without it, are refused with exit 64 and one line (and the usage hint)', async () => {
    const HELP = "Run 'cass2ddb-fast monitor --help' for usage.";
    const base = ['monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--source-table', `cm_none_${RUN}`, '--target-table', `cm_none_${RUN}`, '--json'];
    const resume = await runInProcess([...base, '--coordinator', `dynamodb:cm_none_lease_${RUN}`, '--resume']);
    expect(resume.status, resume.stderr).toBe(64);
    expect(resume.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cass2ddb-fast: --resume .*--coordinator/), HELP]);
    const fresh = await runInProcess([...base, '--fresh']);
    expect(fresh.status, fresh.stderr).toBe(64);
    expect(fresh.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cass2ddb-fast: --fresh .*--coordinator/), HELP]);
    // Nothing was made: no coordination table.
    await expect(ddb.send(new DescribeTableCommand({ TableName: `cm_none_lease_${RUN}` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
