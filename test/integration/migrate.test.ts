/**
 * migrate against the real Cassandra and DynamoDB Local: every item read back with the AWS SDK
 * and compared attribute by attribute (types included) with an independent reading of the
 * mapping specification (test/helpers/expected-items.ts), with --threads 1 and --threads 4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';
import { parseType } from '../helpers/expected-items.js';
import { expectExactCopy } from '../helpers/verify-copy.js';
import { decodeCompositeKey, keyPlainValue } from '../../src/mapping/key-encoding.js';
import { parseCqlType } from '../../src/mapping/cql-type.js';

const keyspace = uniqueName('it_migrate');
const dir = mkdtempSync(path.join(os.tmpdir(), 'migrate-it-'));
const tables: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

async function populate(model: string, rows: number, extra: string[] = []): Promise<void> {
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--model', model, '--rows', String(rows), '--threads', '2', ...extra]);
  if (r.status !== 0) throw new Error(`populate ${model}: ${r.stderr}`);
}

async function migrate(table: string, target: string, extra: string[] = []) {
  tables.push(target);
  const run = await runInProcess([
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--json', '--checkpoint', path.join(dir, `${target}.json`), ...extra,
  ]);
  const summary = run.events.find((e) => e.event === 'summary') as Record<string, unknown> | undefined;
  return { ...run, summary };
}

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  await populate('users', 100_000);
  await populate('events', 5_000);
  await populate('all-types', 1_200);
}, 600_000);

afterAll(async () => {
  for (const t of tables) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrate users (100,000 rows)', () => {
  it.each([4, 1])('--threads %i copies every row exactly', async (threads) => {
    const target = uniqueName(`users_t${threads}`);
    const run = await migrate('users', target, ['--threads', String(threads)]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ status: 'completed', rowsRead: 100_000, itemsWritten: 100_000, deadLetters: 0, rowsUnsettled: 0 });
    const ranges = run.summary!.ranges as { total: number; done: number };
    expect(ranges.done).toBe(ranges.total);
    await expectExactCopy(cql, ddb, keyspace, 'users', target);
  });
});

describe('migrate events (composite partition key, two clustering columns)', () => {
  it.each([1, 4])('--threads %i: exact attributes, decodable keys, DynamoDB order = clustering order', async (threads) => {
    const target = uniqueName(`events_t${threads}`);
    const run = await migrate('events', target, ['--threads', String(threads), '--splits', '24']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ status: 'completed', rowsRead: 5000, itemsWritten: 5000, deadLetters: 0 });
    const items = await expectExactCopy(cql, ddb, keyspace, 'events', target, ['tenant_id#day', 'ts#seq']);
    const text = parseCqlType('text');
    const date = parseCqlType('date');
    const timestamp = parseCqlType('timestamp');
    const int = parseCqlType('int');
    for (const item of items.slice(0, 500)) {
      const [tenant, day] = decodeCompositeKey(item['tenant_id#day']!.S!, [{ type: text }, { type: date }]);
      expect(tenant).toBe(item.tenant_id!.S);
      expect(day).toEqual(keyPlainValue(date, item.day!.S));
      const [ts, seq] = decodeCompositeKey(item['ts#seq']!.S!, [{ type: timestamp, order: 'DESC' }, { type: int, order: 'ASC' }]);
      expect(ts).toEqual(keyPlainValue(timestamp, new Date(item.ts!.S!)));
      expect(seq).toEqual(keyPlainValue(int, Number(item.seq!.N)));
    }
    // one partition: DynamoDB's range-key order must be Cassandra's clustering order
    const sample = items[0]!;
    const q = await ddb.send(new QueryCommand({
      TableName: target,
      KeyConditionExpression: '#h = :h',
      ExpressionAttributeNames: { '#h': 'tenant_id#day' },
      ExpressionAttributeValues: { ':h': sample['tenant_id#day']! },
    }));
    const rs = await cql.execute(`SELECT seq FROM ${keyspace}.events WHERE tenant_id = ? AND day = ?`, [sample.tenant_id!.S, sample.day!.S], { prepare: true });
    expect((q.Items ?? []).map((i) => Number(i.seq!.N))).toEqual(rs.rows.map((r) => r.get('seq') as number));
    expect(rs.rows.length).toBeGreaterThan(1);
  });
});

describe('migrate all-types (every CQL type, edge rows)', () => {
  it.each([1, 4])('--threads %i copies every type exactly', async (threads) => {
    const target = uniqueName(`alltypes_t${threads}`);
    const run = await migrate('all_types', target, ['--threads', String(threads)]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.summary).toMatchObject({ status: 'completed', rowsRead: 1200, itemsWritten: 1200, deadLetters: 0 });
    // at most one worker thread per core; above that, several ranges on each thread
    const start = run.events.find((e) => e.event === 'start')!;
    const cores = os.availableParallelism();
    expect(start).toMatchObject({ threads, workerThreads: Math.min(threads, cores), tasksPerThread: Math.ceil(threads / Math.min(threads, cores)) });
    const items = await expectExactCopy(cql, ddb, keyspace, 'all_types', target);
    // spot-check the table of ARCHITECTURE.md on one full row
    const full = items.find((i) => i.c_set_blob !== undefined && i.c_udt !== undefined && i.c_tuple !== undefined)!;
    expect(Object.keys(full.c_set!)).toEqual(['SS']);
    expect(Object.keys(full.c_set_bigint!)).toEqual(['NS']);
    expect(Object.keys(full.c_set_blob!)).toEqual(['BS']);
    expect(Object.keys(full.c_set_uuid!)).toEqual(['SS']);
    expect(Object.keys(full.c_vector!)).toEqual(['L']);
    expect(Object.keys(full.c_udt_frozen!)).toEqual(['M']);
    expect(Object.keys(full.c_blob!)).toEqual(['B']);
    expect(full.c_timestamp!.S).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(full.c_time!.S).toMatch(/^\d\d:\d\d:\d\d\.\d{9}$/);
    expect(full.c_date!.S).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(parseType('frozen<list<int>>')).toEqual({ name: 'list', args: [{ name: 'int', args: [] }] });
  });
});

describe('migrate --dry-run', () => {
  it('prints the plan and estimates from a sample, and writes nothing', async () => {
    const target = uniqueName('dry');
    const checkpointFile = path.join(dir, `${target}.json`);
    const run = await migrate('users', target, ['--dry-run', '--max-wcu', '1000', '--threads', '4']);
    expect(run.status, run.stderr).toBe(0);
    const e = run.events.find((x) => x.event === 'dry-run')!;
    // 4 threads × 16 splits, rounded per ring range (16 vnodes, unwrapped: 17)
    expect(e.ranges as number).toBeGreaterThanOrEqual(64);
    expect(e.ranges as number).toBeLessThanOrEqual(64 + 17);
    expect(e).toMatchObject({ pendingRanges: e.ranges, maxWcu: 1000 });
    // a sample of the ring, extrapolated: within 30 % of the true 100,000 rows
    expect(e.estimatedRows as number).toBeGreaterThan(70_000);
    expect(e.estimatedRows as number).toBeLessThan(130_000);
    // users items are under 1 KB: one write unit each
    expect(e.estimatedWriteUnits).toBe(e.estimatedRows);
    expect(e.estimatedSeconds as number).toBeCloseTo((e.estimatedWriteUnits as number) / 1000, 3);
    expect(e.keySchema).toMatchObject({ hashKey: { name: 'id', type: 'S' }, rangeKey: null });
    const human = await runInProcess([
      'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
      '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--dry-run', '--max-wcu', '1000', '--checkpoint', checkpointFile,
    ]);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/checks +the target is ready for the real run/);
    expect(human.stdout).toMatch(/nothing is written/);
    expect(human.stdout).toMatch(/key schema +id \(S, HASH\)/);
    expect(human.stdout).toMatch(/time at 1,000 WCU +\d/);
    // nothing written: no table, no checkpoint
    await expect(scanAll(ddb, target)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(existsSync(checkpointFile)).toBe(false);
  });
});
