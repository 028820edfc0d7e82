/**
 * `monitor` end to end on DynamoDB Local (which has streams): a writer makes inserts, modifies
 * and removes in a source table with a stream; a replicator copies the result into the target,
 * dropping some items and altering others. `monitor --iterator-type trim-horizon
 * --until-caught-up` must report exactly the dropped keys missing and the altered ones
 * mismatched, the rest matched, and the INSERT / MODIFY / REMOVE counts that were written.
 * A composite key with a numeric sort key (the Go monitor drops non-string keys) is used on
 * purpose. A replicator that lags by seconds is reported lagging, then matched, never mismatched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { createStreamTable, replicate as replicateTo, writeChanges as writeChangesTo } from '../helpers/monitor-tables.js';

const RUN = randomUUID().slice(0, 8);
const dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-it-'));
const tables: string[] = [];
let ddb: DynamoDBClient;

beforeAll(() => {
  ddb = testDynamo();
});

afterAll(async () => {
  for (const t of tables) await dropTable(ddb, t);
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function streamTable(name: string): Promise<void> {
  tables.push(name);
  await createStreamTable(ddb, name);
}

const writeChanges = (table: string) => writeChangesTo(ddb, table);
const replicate = (source: string, target: string, drop: ReadonlySet<string>, alter: ReadonlySet<string>) => replicateTo(ddb, source, target, drop, alter);

function monitor(source: string, target: string, extra: string[] = []): Promise<CliRun> {
  return runInProcess(['monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--source-table', source, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--until-caught-up', '--threads', '2', '--json', '--stats-interval', '1',
    '--differences', path.join(dir, `${target}.jsonl`), '--checkpoint', path.join(dir, `${target}-${randomUUID()}.json`), ...extra]);
}

function summaryOf(run: CliRun): Record<string, unknown> {
  const s = run.events.find((e) => e.event === 'summary');
  expect(s, run.stderr).toBeDefined();
  return s!;
}

describe('monitor: DynamoDB → DynamoDB', () => {
  it('finds exactly the dropped and the altered items, and counts every change', async () => {
    const source = `mon_src_${RUN}`;
    const target = `mon_dst_${RUN}`;
    await streamTable(source);
    tables.push(target);
    await createTable(ddb, target, ['pk', 'S'], ['sk', 'N']);
    const written = await writeChanges(source);
    // dropped: two inserted-only keys and one modified key; altered: three others
    const drop = new Set(['100', '101', '5']);
    const alter = new Set(['102', '103', '6']);
    await replicate(source, target, drop, alter);

    const run = await monitor(source, target, ['--recheck-after', '100', '--max-rechecks', '2']);
    expect(run.status, run.stderr).toBe(1);
    const s = summaryOf(run);
    expect(s).toMatchObject({
      status: 'different', ended: 'caught-up',
      events: written.inserts + written.modifies + written.removes,
      inserts: written.inserts, modifies: written.modifies, removes: written.removes,
      missing: drop.size, mismatched: alter.size, stillPresent: 0, dataLoss: 0,
    });
    // every key judged once on its latest change: 200 keys, 40 of them removed (gone: matched)
    expect((s.matched as number) + (s.missing as number) + (s.mismatched as number)).toBe(200);
    const differences = readFileSync(path.join(dir, `${target}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; key: { sk: { N: string } }; attributes?: Array<{ path: string }> });
    expect(new Set(differences.filter((d) => d.kind === 'missing').map((d) => d.key.sk.N))).toEqual(drop);
    const mismatched = differences.filter((d) => d.kind === 'mismatched');
    expect(new Set(mismatched.map((d) => d.key.sk.N))).toEqual(alter);
    for (const d of mismatched) expect(d.attributes?.map((a) => a.path)).toEqual(['name']);
    // statistics came every second while it ran
    expect(run.events.filter((e) => e.event === 'stats').length).toBeGreaterThan(0);
    expect(run.events.find((e) => e.event === 'start')).toMatchObject({ sampleRate: 1 });
  });

  it('a faithful copy: every check matches, exit 0; a 10 % sample checks about a tenth of the keys', async () => {
    const source = `mon_src_ok_${RUN}`;
    const target = `mon_dst_ok_${RUN}`;
    await streamTable(source);
    tables.push(target);
    await createTable(ddb, target, ['pk', 'S'], ['sk', 'N']);
    await writeChanges(source);
    await replicate(source, target, new Set(), new Set());

    const full = await monitor(source, target);
    expect(full.status, full.stderr).toBe(0);
    expect(summaryOf(full)).toMatchObject({ status: 'clean', matched: 200, missing: 0, mismatched: 0, stillPresent: 0 });

    const sampled = await monitor(source, target, ['--sample-rate', '1/10']);
    expect(sampled.status, sampled.stderr).toBe(0);
    const m = summaryOf(sampled).matched as number;
    expect(m).toBeGreaterThan(5);
    expect(m).toBeLessThan(45);
  });

  it('a replicator lagging by seconds is reported lagging, then matched — never mismatched', async () => {
    const source = `mon_src_lag_${RUN}`;
    const target = `mon_dst_lag_${RUN}`;
    await streamTable(source);
    tables.push(target);
    await createTable(ddb, target, ['pk', 'S'], ['sk', 'N']);
    await writeChanges(source);
    const run = monitor(source, target, ['--recheck-after', '500', '--max-rechecks', '5']);
    setTimeout(() => void replicate(source, target, new Set(), new Set()), 2_000);
    const done = await run;
    expect(done.status, done.stderr).toBe(0);
    const s = summaryOf(done);
    expect(s).toMatchObject({ status: 'clean', matched: 200, missing: 0, mismatched: 0 });
    expect(s.lagging as number).toBeGreaterThan(0);
  });

  it('refuses a table without a stream, and a wrong --partition-key, with one clear line', async () => {
    const plain = `mon_plain_${RUN}`;
    tables.push(plain);
    await createTable(ddb, plain, ['pk', 'S'], ['sk', 'N']);
    const noStream = await monitor(plain, plain);
    expect(noStream.status).toBe(3);
    expect(noStream.stderr).toMatch(/has no enabled stream/);
    const wrongKey = await monitor(plain, plain, ['--partition-key', 'user_id']);
    expect(wrongKey.status).toBe(3);
    expect(wrongKey.stderr).toMatch(/--partition-key user_id: table '.*' has partition key 'pk'/);
    const badRate = await monitor(plain, plain, ['--sample-rate', '0']);
    expect(badRate.status).toBe(64);
    expect(badRate.stderr).toMatch(/--sample-rate: "0"/);
  });
});
