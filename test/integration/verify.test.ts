/**
 * verify against the real databases: migrate, corrupt DynamoDB on purpose (delete items, change
 * a number, a set and a nested map field, add extra items), and verify must report exactly those
 * keys and attributes; --fix repairs them and a second verify is clean. A 10 % sample finds
 * differences in proportion at about 10 % of the cost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { BatchWriteItemCommand, DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo, type RawItem } from '../helpers/dynamodb.js';

const ROWS = 3000;
const keyspace = uniqueName('it_verify');
const dir = mkdtempSync(path.join(os.tmpdir(), 'verify-it-'));
const tables: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

async function migrateTo(target: string): Promise<void> {
  tables.push(target);
  const r = await runInProcess(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--checkpoint', path.join(dir, `${target}.json`), '--json']);
  if (r.status !== 0) throw new Error(r.stderr);
}

async function verify(target: string, extra: string[] = []) {
  const file = path.join(dir, `${target}-${randomUUID()}.jsonl`);
  const run = await runInProcess(['verify', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--json', '--differences', file, ...extra]);
  const summary = run.events.find((e) => e.event === 'summary') as Record<string, unknown> | undefined;
  let differences: Array<Record<string, unknown>> = [];
  try {
    differences = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    differences = [];
  }
  return { ...run, summary, differences };
}

interface Corruption { missing: string[]; age: string[]; tags: string[]; theme: string[]; extra: string[] }

async function corrupt(target: string, items: RawItem[], n: { missing: number; each: number; extra: number }): Promise<Corruption> {
  const ids = items.map((i) => i.id!.S!);
  const withPrefsTheme = items.filter((i) => i.prefs?.M?.theme !== undefined).map((i) => i.id!.S!);
  const withTags = items.filter((i) => i.tags?.SS !== undefined).map((i) => i.id!.S!);
  const c: Corruption = { missing: [], age: [], tags: [], theme: [], extra: [] };
  const taken = new Set<string>();
  const pick = (from: string[], count: number): string[] => {
    const out: string[] = [];
    for (const id of from) {
      if (out.length === count) break;
      if (!taken.has(id)) {
        taken.add(id);
        out.push(id);
      }
    }
    return out;
  };
  c.theme = pick(withPrefsTheme, n.each);
  c.tags = pick(withTags, n.each);
  c.age = pick(ids.filter((id) => items.find((i) => i.id!.S === id)?.age !== undefined), n.each);
  c.missing = pick(ids, n.missing);
  for (const id of c.missing) await ddb.send(new DeleteItemCommand({ TableName: target, Key: { id: { S: id } } }));
  for (const id of c.age) {
    await ddb.send(new UpdateItemCommand({ TableName: target, Key: { id: { S: id } }, UpdateExpression: 'SET age = age + :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
  }
  for (const id of c.tags) {
    await ddb.send(new UpdateItemCommand({ TableName: target, Key: { id: { S: id } }, UpdateExpression: 'ADD tags :t', ExpressionAttributeValues: { ':t': { SS: ['tampered'] } } }));
  }
  for (const id of c.theme) {
    await ddb.send(new UpdateItemCommand({ TableName: target, Key: { id: { S: id } }, UpdateExpression: 'SET prefs.theme = :v', ExpressionAttributeValues: { ':v': { S: 'tampered' } } }));
  }
  for (let i = 0; i < n.extra; i++) {
    const id = randomUUID();
    c.extra.push(id);
    await ddb.send(new PutItemCommand({ TableName: target, Item: { id: { S: id }, name: { S: 'not from Cassandra' } } }));
  }
  return c;
}

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);

afterAll(async () => {
  for (const t of tables) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('verify', () => {
  it('a fresh copy is identical (exit 0)', async () => {
    const target = uniqueName('v_clean');
    await migrateTo(target);
    const v = await verify(target, ['--check-extra']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.summary).toMatchObject({ status: 'identical', rowsChecked: ROWS, matched: ROWS, missing: 0, mismatched: 0, extra: 0, itemsScanned: ROWS });
    expect(v.differences).toEqual([]);
  });

  it('reports exactly the corrupted keys and attributes; --fix repairs them; a second verify is clean', async () => {
    const target = uniqueName('v_corrupt');
    await migrateTo(target);
    const c = await corrupt(target, await scanAll(ddb, target), { missing: 5, each: 3, extra: 4 });

    const v = await verify(target, ['--check-extra']);
    expect(v.status, v.stderr).toBe(1);
    expect(v.summary).toMatchObject({ status: 'different', rowsChecked: ROWS, missing: 5, mismatched: 9, extra: 4, matched: ROWS - 14 });
    expect(v.summary!.mismatchedByAttribute).toEqual({ age: 3, tags: 3, prefs: 3 });
    const byKind = (k: string) => v.differences.filter((d) => d.kind === k);
    expect(byKind('missing').map((d) => (d.key as { id: string }).id).sort()).toEqual([...c.missing].sort());
    expect(byKind('extra').map((d) => (d.key as { id: { S: string } }).id.S).sort()).toEqual([...c.extra].sort());
    const mismatches = new Map(byKind('mismatch').map((d) => [(d.key as { id: string }).id, (d.attributes as Array<{ path: string }>).map((a) => a.path)]));
    expect(mismatches.size).toBe(9);
    for (const id of c.age) expect(mismatches.get(id)).toEqual(['age']);
    for (const id of c.tags) expect(mismatches.get(id)).toEqual(['tags']);
    for (const id of c.theme) expect(mismatches.get(id)).toEqual(['prefs.theme']);
    // values are reported: the expected age is one less than what DynamoDB holds
    const ageDiff = byKind('mismatch').find((d) => (d.key as { id: string }).id === c.age[0])!.attributes as Array<{ expected: { N: string }; actual: { N: string } }>;
    expect(Number(ageDiff[0]!.actual.N) - Number(ageDiff[0]!.expected.N)).toBe(1);

    const fix = await verify(target, ['--check-extra', '--fix', '--fix-extra']);
    expect(fix.status).toBe(1); // differences were found (and repaired)
    expect(fix.summary).toMatchObject({ missing: 5, mismatched: 9, extra: 4, fixedRewritten: 14, fixedDeleted: 4 });
    expect(fix.differences.every((d) => d.fixed === (d.kind === 'extra' ? 'deleted' : 'rewritten'))).toBe(true);

    const again = await verify(target, ['--check-extra']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.summary).toMatchObject({ status: 'identical', rowsChecked: ROWS, matched: ROWS, extra: 0, itemsScanned: ROWS });
  });

  it('--sample-rate 10 finds differences in proportion at about 10 % of the cost', async () => {
    const target = uniqueName('v_sample');
    await migrateTo(target);
    // corrupt one item in ten (ages), spread over the ring
    const items = await scanAll(ddb, target);
    const victims = items.filter((_, i) => i % 10 === 0).filter((i) => i.age !== undefined);
    for (let i = 0; i < victims.length; i += 25) {
      await ddb.send(new BatchWriteItemCommand({ RequestItems: { [target]: victims.slice(i, i + 25).map((v) => ({ PutRequest: { Item: { ...v, age: { N: String(Number(v.age!.N) + 100) } } } })) } }));
    }
    const full = await verify(target);
    expect(full.summary!.mismatched).toBe(victims.length);
    const sample = await verify(target, ['--sample-rate', '10']);
    expect(sample.status).toBe(1);
    const s = sample.summary!;
    const share = (s.rowsChecked as number) / ROWS;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.16);
    // the difference rate in the sample is close to the table's (one in ten of those with an age)
    const rate = (s.mismatched as number) / (s.rowsChecked as number);
    const trueRate = victims.length / ROWS;
    expect(Math.abs(rate - trueRate)).toBeLessThan(0.04);
    expect((s.confidence as { statement: string }).statement).toMatch(/sampled rows/);
  });

  it('bad input: a missing target table → 3; --fix-extra without --check-extra → 64', async () => {
    const missing = await verify(uniqueName('v_none'));
    expect(missing.status).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const usage = await verify('whatever', ['--fix-extra']);
    expect(usage.status).toBe(64);
    expect(usage.stderr.split('\n')[0]).toBe('cass2ddb-fast: --fix-extra needs --check-extra');
  });
});

describe('verify --recheck-after', () => {
  it('does not report a difference that is gone when it looks again', async () => {
    const target = uniqueName('v_recheck');
    await migrateTo(target);
    const items = await scanAll(ddb, target);
    const victim = items[0]!;
    await ddb.send(new DeleteItemCommand({ TableName: target, Key: { id: victim.id! } }));
    const file = path.join(dir, 'recheck.jsonl');
    const { spawn } = await import('node:child_process');
    const { PACKAGE_ROOT } = await import('../../src/package-info.js');
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), 'verify', '--contact-points', CONTACT_POINT,
      '--keyspace', keyspace, '--table', 'users', '--target-table', target, '--endpoint-url', DYNAMODB_ENDPOINT, '--json',
      '--differences', file, '--recheck-after', '6000', '--consistent-read', '--threads', '2']);
    let out = '';
    let restored = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      // the copy "catches up" once verify has seen the difference and waits to look again
      if (!restored && /"rechecked":[1-9]/.test(out)) {
        restored = true;
        void ddb.send(new PutItemCommand({ TableName: target, Item: victim }));
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(restored).toBe(true);
    expect(status).toBe(0);
    const summary = JSON.parse(out.trim().split('\n').filter((l) => l.includes('"event":"summary"')).pop()!) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'identical', missing: 0, rechecked: 1, resolvedOnRecheck: 1, matched: ROWS });
  });
});
