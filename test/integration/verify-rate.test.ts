/**
 * verify's repairs run under the job's rate control, like migrate's writes: `verify --fix
 * --max-wcu N` against the capacity-simulating proxy (in front of DynamoDB Local, with far more
 * capacity than N) never writes faster than N write units a second, and still repairs every
 * missing item. Without the ceiling the same repairs go as fast as the table takes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startCapacityProxy, type CapacityProxy } from '../fixtures/capacity-proxy.js';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';

const ROWS = 3000;
const DELETED = 900;
const MAX_WCU = 100;
const keyspace = uniqueName('it_vrate');
const target = uniqueName('vrate');
const dir = mkdtempSync(path.join(os.tmpdir(), 'vrate-it-'));
let cql: cassandra.Client;
let ddb: DynamoDBClient;
let proxy: CapacityProxy;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const p = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (p.status !== 0) throw new Error(p.stderr);
  const m = await runInProcess(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--checkpoint', path.join(dir, 'c.json'), '--json']);
  if (m.status !== 0) throw new Error(m.stderr);
  proxy = await startCapacityProxy({ upstream: DYNAMODB_ENDPOINT, writeUnitsPerSecond: 20_000, burstSeconds: 1 });
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  await dropTable(ddb, target);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function deleteItems(count: number): Promise<void> {
  const ids = (await scanAll(ddb, target)).slice(0, count).map((i) => i.id!);
  for (let i = 0; i < ids.length; i += 25) {
    const RequestItems = { [target]: ids.slice(i, i + 25).map((id) => ({ DeleteRequest: { Key: { id } } })) };
    await ddb.send(new BatchWriteItemCommand({ RequestItems }));
  }
}

function verifyArgs(extra: string[]): string[] {
  return ['verify', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', proxy.url, '--threads', '2', '--json', '--differences', path.join(dir, `${uniqueName('d')}.jsonl`), ...extra];
}

describe('verify --fix under --max-wcu', () => {
  it('repairs every missing item and never writes faster than the ceiling', async () => {
    await deleteItems(DELETED);
    proxy.resetStats();
    const run = await runInProcess(verifyArgs(['--fix', '--max-wcu', String(MAX_WCU)]));
    expect(run.status, run.stderr).toBe(1); // differences found (and repaired)
    const summary = run.events.find((e) => e.event === 'summary')!;
    expect(summary).toMatchObject({ missing: DELETED, fixedRewritten: DELETED, mismatched: 0 });

    const stats = proxy.stats();
    expect(stats.acceptedItems).toBe(DELETED); // the repairs, and nothing else, were written
    const writing = stats.series.filter((s) => s.acceptedUnits > 0);
    // every user item is under 1 KB: one write unit each
    const seconds = DELETED / MAX_WCU;
    expect(writing.length, JSON.stringify(stats.series)).toBeGreaterThanOrEqual(seconds - 1);
    // The workers' token buckets (src/engine/token-bucket.ts) send at the rate plus at most one
    // batch (25 items) each at once; the proxy counts by arrival, so a second may hold that much
    // more than the rate (2 workers here), and the mean below holds the ceiling itself.
    const oneSecondBound = MAX_WCU + 2 * 25;
    for (const s of writing) expect(s.acceptedUnits, JSON.stringify(stats.series)).toBeLessThanOrEqual(oneSecondBound);
    const mean = writing.slice(1, -1).reduce((a, s) => a + s.acceptedUnits, 0) / Math.max(1, writing.length - 2);
    expect(mean).toBeLessThanOrEqual(MAX_WCU * 1.1);
    expect(stats.throttledRequests + stats.partlyThrottledRequests).toBe(0);

    const again = await runInProcess(verifyArgs([]));
    expect(again.status, again.stderr).toBe(0);
    expect(again.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'identical', rowsChecked: ROWS });
  });

  it('without a ceiling the same repairs go as fast as the table takes them', async () => {
    await deleteItems(DELETED);
    proxy.resetStats();
    const run = await runInProcess(verifyArgs(['--fix']));
    expect(run.status, run.stderr).toBe(1);
    expect(run.events.find((e) => e.event === 'summary')).toMatchObject({ missing: DELETED, fixedRewritten: DELETED });
    const stats = proxy.stats();
    expect(stats.acceptedItems).toBe(DELETED);
    // some second took well over the ceiling of the first run: that ceiling was what held it back
    expect(Math.max(...stats.series.map((s) => s.acceptedUnits)), JSON.stringify(stats.series)).toBeGreaterThan(MAX_WCU * 2);
  });
});
