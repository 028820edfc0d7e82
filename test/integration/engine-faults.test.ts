/**
 * The engine against workers that misbehave, on the real databases: a worker thread that stops
 * answering mid-range is stopped after --task-timeout and its range redone from its last
 * position; a thread that crashes mid-range has its range redone. Both jobs end complete, and an
 * independent read-back finds every row exact. Faults come from failpoints (src/engine/failpoints.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FAILPOINTS_ENV } from '../../src/engine/failpoints.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { expectExactReadBack } from '../helpers/verify-copy.js';

const ROWS = 12_000;
const keyspace = uniqueName('it_faults');
const dir = mkdtempSync(path.join(os.tmpdir(), 'faults-it-'));
const targets: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);

afterAll(async () => {
  for (const t of targets) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Small pages and few ranges: every range has many positions, so a fault lands mid-range. */
async function migrateWith(failpoints: string, extra: string[] = []): Promise<{ run: CliRun; target: string }> {
  const target = uniqueName('faults');
  targets.push(target);
  const run = await runInProcess([
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--checkpoint', path.join(dir, `${target}.json`),
    '--threads', '2', '--splits', '4', '--fetch-size', '250', '--json', ...extra,
  ], { [FAILPOINTS_ENV]: failpoints });
  return { run, target };
}

function warnings(run: CliRun): Array<Record<string, unknown>> {
  return run.events.filter((e) => e.event === 'warning');
}

describe('a worker that stops answering mid-range', () => {
  it('is stopped after --task-timeout; its range is redone from its position and every row arrives exact', async () => {
    const { run, target } = await migrateWith('migrate.page-written=hang*1', ['--task-timeout', '2']);
    expect(run.status, run.stderr).toBe(0);
    const summary = run.events.find((e) => e.event === 'summary')!;
    expect(summary.status).toBe('completed');
    const ranges = summary.ranges as { total: number; done: number; pending: number; failed: number };
    expect(ranges).toMatchObject({ pending: 0, failed: 0 });
    expect(ranges.done).toBe(ranges.total);
    // the watchdog said what it did, then the range was retried
    const retried = warnings(run).filter((w) => typeof w.range === 'string');
    expect(retried, JSON.stringify(warnings(run))).toHaveLength(1);
    expect(retried[0]).toMatchObject({ attempt: 1, error: { code: 'TASK_TIMEOUT', retryable: true } });
    expect(JSON.stringify(retried[0])).toMatch(/sent nothing for 2 s/);
    // redone from its last position, not from its start: at most a page is read twice
    expect(summary.rowsRead as number).toBeGreaterThanOrEqual(ROWS);
    expect(summary.rowsRead as number).toBeLessThanOrEqual(ROWS + 250);
    expect(summary.rowsRead).toBe((summary.itemsWritten as number) + (summary.deadLetters as number));
    const counts = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
    expect(counts.rows).toBe(ROWS);
  });
});

describe('a worker thread that crashes mid-range', () => {
  it('has its range redone on a new thread, and every row arrives exact', async () => {
    const { run, target } = await migrateWith('migrate.page-written=crash*1');
    expect(run.status, run.stderr).toBe(0);
    const summary = run.events.find((e) => e.event === 'summary')!;
    expect(summary.status).toBe('completed');
    const retried = warnings(run).filter((w) => typeof w.range === 'string');
    expect(retried, JSON.stringify(warnings(run))).toHaveLength(1);
    expect(retried[0]).toMatchObject({ attempt: 1, error: { code: 'WORKER_CRASHED', retryable: true } });
    expect(summary.rowsRead as number).toBeLessThanOrEqual(ROWS + 250);
    expect(summary.rowsRead).toBe((summary.itemsWritten as number) + (summary.deadLetters as number));
    const counts = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
    expect(counts.rows).toBe(ROWS);
  });
});

describe('failpoints are a test hook with a clear error', () => {
  it('a malformed CASS2DDB_FAILPOINTS is a usage error before anything runs', async () => {
    const { run } = await migrateWith('migrate.page-written=explode');
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/CASS2DDB_FAILPOINTS: "migrate.page-written=explode" is not name=hang\|crash\|fail/);
  });
});
