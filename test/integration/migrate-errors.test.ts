/**
 * migrate when things are wrong: rows DynamoDB cannot hold end in the dead-letter file with a
 * reason and the counts add up; bad input ends with one line, the documented status, and
 * nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';

const keyspace = uniqueName('it_migrate_err');
const dir = mkdtempSync(path.join(os.tmpdir(), 'migrate-err-'));
const tables: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

function migrateArgs(target: string, extra: string[] = [], table = 'all_types'): string[] {
  tables.push(target);
  return [
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--checkpoint', path.join(dir, `${target}.json`), ...extra,
  ];
}

async function tableExists(name: string): Promise<boolean> {
  try {
    await scanAll(ddb, name, 1);
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n').filter((l) => !l.startsWith('Run '));
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cass2ddb-fast: /);
  expect(lines[0]).toMatch(pattern);
}

const OVERSIZED = 3;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--model', 'all-types', '--rows', '600', '--invalid-every', '25']);
  if (r.status !== 0) throw new Error(r.stderr);
  // Rows whose item would pass DynamoDB's 400 KB limit.
  for (let i = 0; i < OVERSIZED; i++) {
    await cql.execute(`INSERT INTO ${keyspace}.all_types (id, ck, c_text) VALUES (?, ?, ?)`, [cassandra.types.Uuid.random(), 0, 'x'.repeat(420_000 + i)], { prepare: true });
  }
}, 300_000);

afterAll(async () => {
  for (const t of tables) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('dead letters', () => {
  it('writes every convertible row, dead-letters the rest with reasons, and the counts add up', async () => {
    const target = uniqueName('dl');
    const deadFile = path.join(dir, 'dead.jsonl');
    const run = await runInProcess([...migrateArgs(target, ['--create-table', '--json', '--dead-letters', deadFile, '--threads', '2'])]);
    expect(run.status).toBe(1); // completed with errors
    const s = run.events.find((e) => e.event === 'summary')!;
    const invalid = 600 / 25; // every 25th populated row holds NaN, Infinity, a 39-digit varint or 1E-200
    expect(s).toMatchObject({ status: 'completed-with-errors', rowsRead: 600 + OVERSIZED, deadLetters: invalid + OVERSIZED, rowsUnsettled: 0 });
    expect((s.itemsWritten as number) + (s.deadLetters as number)).toBe(s.rowsRead);

    const letters = readFileSync(deadFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(letters).toHaveLength(invalid + OVERSIZED);
    const reasons = new Map<string, number>();
    for (const l of letters) reasons.set(l.reason as string, (reasons.get(l.reason as string) ?? 0) + 1);
    expect(Object.fromEntries(reasons)).toEqual({
      NUMBER_NOT_FINITE: 12, // NaN and Infinity rows
      NUMBER_TOO_PRECISE: 6,
      NUMBER_OUT_OF_RANGE: 6,
      ITEM_TOO_LARGE: OVERSIZED,
    });
    for (const l of letters) {
      expect(l.key).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), ck: expect.any(Number) });
      expect(typeof l.message).toBe('string');
      expect((l.row as Record<string, unknown>).id).toBe((l.key as Record<string, unknown>).id);
    }
    expect(letters.find((l) => l.reason === 'NUMBER_NOT_FINITE' && l.column === 'c_double')?.row).toMatchObject({ c_double: 'NaN' });

    const items = await scanAll(ddb, target);
    expect(items.length).toBe(s.itemsWritten);
    const written = new Set(items.map((i) => `${i.id!.S}/${i.ck!.N}`));
    for (const l of letters) expect(written.has(`${(l.key as { id: string }).id}/${(l.key as { ck: number }).ck}`)).toBe(false);
  });

  it('--max-errors aborts with exit 2 once the dead letters pass it', async () => {
    const run = await runInProcess(migrateArgs(uniqueName('dl_max'), ['--create-table', '--json', '--max-errors', '2', '--threads', '1']));
    expect(run.status).toBe(2);
    expect(run.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'too-many-errors', exitStatus: 2 });
  });
});

describe('bad input: one line, documented status, nothing written', () => {
  it('unknown keyspace → 3', async () => {
    const target = uniqueName('bad');
    const r = await runInProcess([...migrateArgs(target, ['--create-table']).map((a) => (a === keyspace ? 'no_such_keyspace' : a))]);
    expect(r.status).toBe(3);
    expectOneLine(r.stderr, /keyspace "no_such_keyspace" does not exist/);
    expect(await tableExists(target)).toBe(false);
  });

  it('unknown table → 3', async () => {
    const target = uniqueName('bad');
    const r = await runInProcess(migrateArgs(target, ['--create-table'], 'no_such_table'));
    expect(r.status).toBe(3);
    expectOneLine(r.stderr, new RegExp(`table "${keyspace}\\.no_such_table" does not exist`));
    expect(await tableExists(target)).toBe(false);
  });

  it('unreachable contact point → 3', async () => {
    const target = uniqueName('bad');
    const r = await runInProcess(migrateArgs(target, ['--create-table']).map((a) => (a === CONTACT_POINT ? '127.0.0.1:1' : a)));
    expect(r.status).toBe(3);
    expectOneLine(r.stderr, /cannot reach Cassandra at 127\.0\.0\.1:1/);
    expect(await tableExists(target)).toBe(false);
  });

  it('wrong DynamoDB endpoint → 3', async () => {
    const r = await runInProcess(migrateArgs(uniqueName('bad'), ['--create-table']).map((a) => (a === DYNAMODB_ENDPOINT ? 'http://127.0.0.1:1' : a)));
    expect(r.status).toBe(3);
    expectOneLine(r.stderr, /127\.0\.0\.1:1/);
  });

  it('endpoint that is not an http(s) URL → 64', async () => {
    const r = await runInProcess(migrateArgs(uniqueName('bad'), []).map((a) => (a === DYNAMODB_ENDPOINT ? 'ftp://example' : a)));
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toMatch(/^cass2ddb-fast: .*ftp:/);
  });

  it('missing target table without --create-table → 3, naming the flag', async () => {
    const target = uniqueName('bad');
    const r = await runInProcess(migrateArgs(target));
    expect(r.status).toBe(3);
    expectOneLine(r.stderr, /does not exist .*--create-table/);
    expect(await tableExists(target)).toBe(false);
  });

  it('target key schema mismatch → 3, and the table stays empty', async () => {
    const target = uniqueName('bad_keys');
    tables.push(target);
    await createTable(ddb, target, ['pk', 'S'], ['sk', 'S']);
    const r = await runInProcess(migrateArgs(target));
    expect(r.status).toBe(3);
    expectOneLine(r.stderr, /does not fit the mapping: partition key is pk \(S\), expected id \(S\)/);
    expect(await scanAll(ddb, target)).toHaveLength(0);
  });

  const mappingCases: Array<[string, string, RegExp]> = [
    ['YAML syntax error', 'columns:\n  rename: {a: b\n', /mapping file .*broken-0\.yaml:\d+: /],
    ['unknown key', 'timestamps: iso\ncolums:\n  exclude: [c_text]\n', /broken-1\.yaml:2: colums: unknown key; expected one of/],
    ['bad value', 'columns:\n  types:\n    c_timestamp: unix\n', /broken-2\.yaml:3: columns\.types\.c_timestamp: expected iso or epoch-millis, got "unix"/],
    ['unknown column', 'columns:\n  rename:\n    no_such_column: x\n', /mapping \(.*broken-3\.yaml\): .*no_such_column/],
  ];
  it.each(mappingCases.map((c, i) => [...c, i] as const))('broken mapping file (%s) → 64, naming the line', async (_name, text, pattern, i) => {
    const file = path.join(dir, `broken-${i}.yaml`);
    writeFileSync(file, text);
    const target = uniqueName('bad');
    const r = await runInProcess(migrateArgs(target, ['--create-table', '--mapping', file]));
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toMatch(pattern);
    expect(await tableExists(target)).toBe(false);
  });

  it('missing mapping file → 64', async () => {
    const r = await runInProcess(migrateArgs(uniqueName('bad'), ['--mapping', path.join(dir, 'nope.yaml')]));
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toMatch(/nope\.yaml: no such file/);
  });

  it('--resume without a checkpoint, and with another job\'s checkpoint → 64', async () => {
    const target = uniqueName('res');
    const none = await runInProcess(migrateArgs(target, ['--resume']));
    expect(none.status).toBe(64);
    expect(none.stderr.split('\n')[0]).toMatch(/--resume: no checkpoint at /);

    // a finished job's checkpoint, then the same file for another target table
    const first = await runInProcess(migrateArgs(target, ['--create-table', '--threads', '1']));
    expect(first.status).toBe(1); // the dead letters of this table
    const other = uniqueName('res_other');
    const args = migrateArgs(other, ['--resume', '--create-table']);
    args[args.indexOf('--checkpoint') + 1] = path.join(dir, `${target}.json`);
    const r = await runInProcess(args);
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toMatch(/belongs to another job/);
    expect(await tableExists(other)).toBe(false);
  });

  it('an unfinished checkpoint is not overwritten without --resume or --fresh → 64', async () => {
    const target = uniqueName('unfinished');
    const file = path.join(dir, `${target}.json`);
    const first = await runInProcess(migrateArgs(target, ['--create-table', '--threads', '1', '--dry-run']));
    expect(first.status).toBe(0);
    expect(existsSync(file)).toBe(false); // a dry run saves nothing
    writeFileSync(file, JSON.stringify({ format: 'cass2ddb-fast/checkpoint', version: 1, jobKey: 'x', job: {}, completed: false, ranges: [], totals: {} }));
    const r = await runInProcess(migrateArgs(target, ['--create-table']));
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toMatch(/unfinished checkpoint exists .* --resume .* --fresh/);
  });
});
