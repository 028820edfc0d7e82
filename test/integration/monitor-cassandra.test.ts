/**
 * `monitor --source cassandra` on the real Cassandra and DynamoDB Local: a `users` table is
 * migrated into a target created with a stream (`--create-table --stream-view-type`), then this
 * test acts as the replicator of changes made in Cassandra (updates, deletes, inserts, each
 * copied into DynamoDB as the row converted by migrate's own mapping) and corrupts a known few:
 * an altered attribute, a skipped delete (the item stays), an insert written with other content,
 * a delete of an item whose row is still there. monitor on the target's stream must report
 * exactly those keys, the rest matched; a TTL attribute that moved is no difference; exit 1.
 * A faithful copy exits 0. Bad command lines end with one line and 64; a missing table with 3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { DeleteItemCommand, DescribeTableCommand, PutItemCommand, type AttributeValue as SdkAttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { connect } from '../../src/cassandra/client.js';
import { loadTableSpec } from '../../src/cassandra/schema.js';
import { parseMapping } from '../../src/config/mapping-file.js';
import type { Item } from '../../src/mapping/attribute-value.js';
import { compileRowConverter, type RowConverter } from '../../src/mapping/row-converter.js';
import { rowLookupCql } from '../../src/monitor/cassandra-side.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';

const POPULATED = 200;
/** Rows written with a TTL on every cell that has one: their items carry expires_at. */
const EXPIRING = 5;
const ROWS = POPULATED + EXPIRING;
const keyspace = uniqueName('it_mon_cass');
const dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-cass-it-'));
const MAPPING_TEXT = 'ttl:\n  attribute: expires_at\n';
const mappingFile = path.join(dir, 'users.yaml');
const tables: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;
let convert: RowConverter;
let lookup: string;

beforeAll(async () => {
  writeFileSync(mappingFile, MAPPING_TEXT);
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(POPULATED), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
  // The tool's own driver settings (maps as Map), so rows convert exactly as migrate converts them.
  cql = await connect({ contactPoints: [CONTACT_POINT], port: 9042, localDc: 'datacenter1', connectTimeoutMs: 10_000, requestTimeoutMs: 30_000, connectionsPerHost: 1 });
  const spec = await loadTableSpec(cql, keyspace, 'users');
  const mapping = parseMapping(MAPPING_TEXT, mappingFile);
  convert = compileRowConverter(spec, mapping);
  lookup = rowLookupCql({ keyspace, table: 'users', tableSpec: spec, mapping });
  // Some rows expire: their items carry expires_at, which the monitor must not compare.
  for (let i = 0; i < EXPIRING; i++) {
    await cql.execute(`INSERT INTO ${keyspace}.users (id, name, email, age) VALUES (?, ?, ?, ?) USING TTL 86400`, [cassandra.types.Uuid.random(), `expiring ${i}`, 'ttl@example.com', i], { prepare: true });
  }
}, 300_000);

afterAll(async () => {
  for (const t of tables) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function migrateWithStream(target: string): Promise<void> {
  tables.push(target);
  const r = await runInProcess(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--stream-view-type', 'NEW_AND_OLD_IMAGES', '--mapping', mappingFile,
    '--checkpoint', path.join(dir, `${target}.json`), '--json']);
  if (r.status !== 0) throw new Error(r.stderr);
}

function monitor(target: string, extra: string[] = []): Promise<CliRun> {
  return runInProcess(['monitor', '--source', 'cassandra', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users',
    '--mapping', mappingFile, '--target-table', target, '--endpoint-url', DYNAMODB_ENDPOINT, '--iterator-type', 'trim-horizon',
    '--until-caught-up', '--threads', '2', '--json', '--recheck-after', '100', '--max-rechecks', '1',
    '--differences', path.join(dir, `${target}.jsonl`), '--checkpoint', path.join(dir, `${target}-${Math.random().toString(36).slice(2)}.json`), ...extra]);
}

function summaryOf(run: CliRun): Record<string, unknown> {
  const s = run.events.find((e) => e.event === 'summary');
  expect(s, run.stderr).toBeDefined();
  return s!;
}

/** The item migrate writes for the row now (the replicator's copy). */
async function itemOfRow(id: string): Promise<Item> {
  const row = (await cql.execute(lookup, [cassandra.types.Uuid.fromString(id)], { prepare: true })).first();
  const c = convert(row);
  if (!c.ok) throw new Error(`row ${id} does not convert: ${c.reason.message}`);
  return c.item;
}

const put = (table: string, item: Item) => ddb.send(new PutItemCommand({ TableName: table, Item: item as unknown as Record<string, SdkAttributeValue> }));
const remove = (table: string, id: string) => ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: id } } }));
const uuid = (id: string) => cassandra.types.Uuid.fromString(id);

describe('monitor --source cassandra', () => {
  it('migrate --create-table --stream-view-type gives the target its stream; a faithful copy checks clean (exit 0)', async () => {
    const target = uniqueName('mc_clean');
    await migrateWithStream(target);
    const t = (await ddb.send(new DescribeTableCommand({ TableName: target }))).Table;
    expect(t?.StreamSpecification).toMatchObject({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });

    const run = await monitor(target);
    expect(run.status, run.stderr).toBe(0);
    expect(summaryOf(run)).toMatchObject({ status: 'clean', ended: 'caught-up', inserts: ROWS, matched: ROWS, missing: 0, mismatched: 0, stillPresent: 0 });
    expect(run.events.find((e) => e.event === 'start')).toMatchObject({ source: 'cassandra' });
  });

  it('finds exactly the changes the replicator got wrong; the rest match; a moved TTL attribute is no difference (exit 1)', async () => {
    const target = uniqueName('mc_faulty');
    await migrateWithStream(target);
    const items = await scanAll(ddb, target);
    const ids = items.map((i) => i.id!.S!).sort();
    const withTtl = items.filter((i) => i.expires_at !== undefined).map((i) => i.id!.S!);
    expect(withTtl.length).toBe(EXPIRING);
    const plain = ids.filter((id) => !withTtl.includes(id));
    const updated = plain.slice(0, 10);
    const deleted = plain.slice(10, 16);
    const removedButPresent = plain.slice(16, 17);
    const inserted = Array.from({ length: 8 }, () => cassandra.types.Uuid.random().toString());

    // Changes in Cassandra…
    for (const id of updated) await cql.execute(`UPDATE ${keyspace}.users SET name = ?, age = ? WHERE id = ?`, [`renamed ${id.slice(0, 4)}`, 77, uuid(id)], { prepare: true });
    for (const id of deleted) await cql.execute(`DELETE FROM ${keyspace}.users WHERE id = ?`, [uuid(id)], { prepare: true });
    for (const id of inserted) {
      await cql.execute(`INSERT INTO ${keyspace}.users (id, name, age, tags) VALUES (?, ?, ?, ?)`, [uuid(id), 'new user', 30, ['x', 'y']], { prepare: true });
    }

    // …copied by a replicator that gets some wrong.
    const altered = updated.slice(0, 2);
    const skippedDeletes = deleted.slice(0, 2);
    const wrongInserts = inserted.slice(0, 2);
    for (const id of updated) {
      const item = await itemOfRow(id);
      await put(target, altered.includes(id) ? { ...item, age: { N: '78' } } : item);
    }
    for (const id of deleted) if (!skippedDeletes.includes(id)) await remove(target, id);
    for (const id of inserted) {
      const item = await itemOfRow(id);
      await put(target, wrongInserts.includes(id) ? { ...item, name: { S: 'someone else' } } : item);
    }
    for (const id of removedButPresent) await remove(target, id);
    // The TTL attribute is computed when a row is read: an item written with another expiry still matches.
    const ttlMoved = withTtl[0]!;
    await put(target, { ...(await itemOfRow(ttlMoved)), expires_at: { N: '1' } });

    const run = await monitor(target);
    expect(run.status, run.stderr).toBe(1);
    const s = summaryOf(run);
    const keys = ROWS + inserted.length;
    expect(s).toMatchObject({
      status: 'different', ended: 'caught-up',
      mismatched: altered.length + wrongInserts.length, missing: skippedDeletes.length, stillPresent: removedButPresent.length,
      dataLoss: 0,
      inserts: ROWS + inserted.length, removes: deleted.length - skippedDeletes.length + removedButPresent.length,
    });
    expect(s.matched).toBe(keys - altered.length - wrongInserts.length - skippedDeletes.length - removedButPresent.length);

    const differences = readFileSync(path.join(dir, `${target}.jsonl`), 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as { kind: string; eventName: string; key: { id: { S: string } }; attributes?: Array<{ path: string }> });
    const idsOf = (kind: string) => new Set(differences.filter((d) => d.kind === kind).map((d) => d.key.id.S));
    expect(idsOf('mismatched')).toEqual(new Set([...altered, ...wrongInserts]));
    expect(idsOf('missing')).toEqual(new Set(skippedDeletes));
    expect(idsOf('still-present')).toEqual(new Set(removedButPresent));
    for (const d of differences.filter((x) => x.kind === 'mismatched')) {
      expect(d.attributes?.map((a) => a.path)).toEqual([altered.includes(d.key.id.S) ? 'age' : 'name']);
    }
  });
});

describe('monitor --source cassandra: keys DynamoDB cannot give back exactly', () => {
  it('a decimal partition key whose row is not found is never called missing', async () => {
    await cql.execute(`CREATE TABLE IF NOT EXISTS ${keyspace}.prices (p decimal PRIMARY KEY, v text)`);
    const dec = (text: string) => cassandra.types.BigDecimal.fromString(text);
    // 1.50 is stored with scale 2 and reads back from DynamoDB as 1.5: its lookup misses; 2.5 is found.
    for (const p of ['1.50', '2.5', '3.5']) await cql.execute(`INSERT INTO ${keyspace}.prices (p, v) VALUES (?, ?)`, [dec(p), `v${p}`], { prepare: true });
    const target = uniqueName('mc_dec');
    tables.push(target);
    const m = await runInProcess(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'prices', '--target-table', target,
      '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--stream-view-type', 'NEW_IMAGE', '--checkpoint', path.join(dir, `${target}.json`), '--json']);
    expect(m.status, m.stderr).toBe(0);
    // Deleted in Cassandra, the delete never copied: the item is there, the row is not.
    await cql.execute(`DELETE FROM ${keyspace}.prices WHERE p = ?`, [dec('3.5')], { prepare: true });

    const run = await runInProcess(['monitor', '--source', 'cassandra', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'prices',
      '--target-table', target, '--endpoint-url', DYNAMODB_ENDPOINT, '--iterator-type', 'trim-horizon', '--until-caught-up', '--json',
      '--recheck-after', '100', '--max-rechecks', '1', '--differences', path.join(dir, `${target}.jsonl`), '--checkpoint', path.join(dir, `${target}-monitor.json`)]);
    expect(run.status, run.stderr).toBe(0);
    expect(summaryOf(run)).toMatchObject({ sampled: 3, matched: 1, missing: 0, mismatched: 0, stillPresent: 0 });
  });
});

describe('monitor --source cassandra: bad command lines and missing tables', () => {
  const oneLine = (run: CliRun, pattern: RegExp): void => {
    const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('Run '));
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  };

  it('--source cassandra without --keyspace / --table → 64, one line', async () => {
    const noKeyspace = await runInProcess(['monitor', '--source', 'cassandra', '--table', 'users', '--target-table', 'x', '--endpoint-url', DYNAMODB_ENDPOINT]);
    expect(noKeyspace.status).toBe(64);
    oneLine(noKeyspace, /--source cassandra needs --keyspace and --table/);
    const noTable = await runInProcess(['monitor', '--source', 'cassandra', '--keyspace', keyspace, '--target-table', 'x', '--endpoint-url', DYNAMODB_ENDPOINT]);
    expect(noTable.status).toBe(64);
    oneLine(noTable, /--source cassandra needs --keyspace and --table/);
  });

  it('Cassandra flags without --source cassandra, DynamoDB-source flags with it → 64, one line', async () => {
    const stray = await runInProcess(['monitor', '--keyspace', keyspace, '--target-table', 'x', '--endpoint-url', DYNAMODB_ENDPOINT]);
    expect(stray.status).toBe(64);
    oneLine(stray, /--keyspace needs --source cassandra/);
    const verifyOn = await runInProcess(['monitor', '--source', 'cassandra', '--keyspace', keyspace, '--table', 'users', '--target-table', 'x', '--verify-on', 'source', '--endpoint-url', DYNAMODB_ENDPOINT]);
    expect(verifyOn.status).toBe(64);
    oneLine(verifyOn, /--verify-on does not apply with --source cassandra/);
  });

  it('a Cassandra table that does not exist, and a target without a stream → 3, one line', async () => {
    const target = uniqueName('mc_nostream');
    tables.push(target);
    const m = await runInProcess(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
      '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--mapping', mappingFile, '--checkpoint', path.join(dir, `${target}.json`), '--json']);
    expect(m.status, m.stderr).toBe(0);
    const noTable = await runInProcess(['monitor', '--source', 'cassandra', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'nope',
      '--target-table', target, '--endpoint-url', DYNAMODB_ENDPOINT, '--json']);
    expect(noTable.status).toBe(3);
    oneLine(noTable, /table "[^"]+\.nope" does not exist/);
    const noStream = await monitor(target);
    expect(noStream.status).toBe(3);
    oneLine(noStream, /has no enabled stream/);
  });

  it('migrate --stream-view-type without --create-table → 64, one line', async () => {
    const r = await runInProcess(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', uniqueName('mc_x'),
      '--endpoint-url', DYNAMODB_ENDPOINT, '--stream-view-type', 'NEW_IMAGE']);
    expect(r.status).toBe(64);
    oneLine(r, /--stream-view-type needs --create-table/);
  });
});
