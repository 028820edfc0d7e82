/**
 * DynamoDB misbehaving the way production does, through the capacity proxy in front of DynamoDB
 * Local: 5 % of requests answered HTTP 500, 1 % of connections reset, 2 % of answers held back
 * 3 s (a latency spike, the write already made), and a burst of whole 400 throttles for 4 s in
 * the middle of the run (capacity 0, then back). A 30,000-row migrate must end completed with
 * nothing lost, nothing dead-lettered, every fault counted by the proxy, its retries in the
 * summary, and an independent read-back exact.
 *
 * The spikes (3 s) stay well under the request timeout (DEFAULTS.dynamodb.requestTimeoutMs,
 * 30 s), so a spiked answer is waited for, never resent: what the tool counts as written is
 * exactly what the proxy stored. Most of the test's time is the adaptive rate climbing back
 * after the burst (about 40 s near 100 WCU/s in our runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startCapacityProxy, type CapacityProxy, type ProxyStats } from '../fixtures/capacity-proxy.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { expectExactCopy } from '../helpers/verify-copy.js';

const ROWS = 30_000;
const FAULTS = { errorRate: 0.05, resetRate: 0.01, spikeRate: 0.02, spikeMs: 3_000 } as const;
/** The throttle burst starts once this many items are stored, and lasts BURST_MS. */
const BURST_AFTER_ITEMS = 8_000;
const BURST_MS = 4_000;

const keyspace = uniqueName('it_ddbfaults');
const target = uniqueName('ddbfaults');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ddb-faults-it-'));
let cql: cassandra.Client;
let ddb: DynamoDBClient;
let proxy: CapacityProxy;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  proxy = await startCapacityProxy({ upstream: DYNAMODB_ENDPOINT, writeUnitsPerSecond: Infinity });
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  await dropTable(ddb, target);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the proxy has stored BURST_AFTER_ITEMS items (or the run ended), then throttles every write for BURST_MS. */
async function throttleBurst(ended: () => boolean): Promise<{ startedAtItems: number; throttledDuring: number }> {
  while (!ended() && proxy.stats().acceptedItems < BURST_AFTER_ITEMS) await sleep(50);
  const before = proxy.stats();
  proxy.setCapacity(0);
  await sleep(BURST_MS);
  proxy.setCapacity(Infinity);
  return { startedAtItems: before.acceptedItems, throttledDuring: proxy.stats().throttledRequests - before.throttledRequests };
}

describe('migrate through DynamoDB faults: 500s, resets, latency spikes and a throttle burst', () => {
  it('completes with every row written once, nothing dead-lettered, the retries shown, and the copy exact', async () => {
    proxy.resetStats();
    proxy.setFaults(FAULTS);
    let ended = false;
    const t0 = performance.now();
    const migrating = runInProcess([
      'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
      '--endpoint-url', proxy.url, '--create-table', '--checkpoint', path.join(dir, 'job.json'),
      '--threads', '2', '--splits', '8', '--json',
    ]).finally(() => (ended = true));
    let run: CliRun;
    let burst: Awaited<ReturnType<typeof throttleBurst>>;
    let stats: ProxyStats;
    try {
      [run, burst] = await Promise.all([migrating, throttleBurst(() => ended)]);
    } finally {
      stats = proxy.stats();
      proxy.setFaults({});
      proxy.setCapacity(Infinity);
    }
    const seconds = (performance.now() - t0) / 1000;

    const summary = run.events.find((e) => e.event === 'summary');
    const context = JSON.stringify({ seconds, burst, proxy: { ...stats, series: undefined }, summary: summary && { ...summary, latency: undefined, rate: undefined } });
    expect(run.status, `${run.stderr}\n${context}`).toBe(0);
    expect(summary, context).toBeDefined();
    expect(summary!.status, context).toBe('completed');

    // every row read ends written (or dead-lettered, which here would be a loss)
    expect(summary!.deadLetters, context).toBe(0);
    expect(summary!.rowsRead as number, context).toBe((summary!.itemsWritten as number) + (summary!.deadLetters as number));
    expect(summary!.rowsUnsettled, context).toBe(0);
    expect(summary!.rowsRead as number, context).toBeGreaterThanOrEqual(ROWS);
    expect(summary!.ranges, context).toMatchObject({ pending: 0, failed: 0 });
    // what the tool says it wrote is exactly what reached DynamoDB Local through the proxy
    expect(summary!.itemsWritten, context).toBe(stats.acceptedItems);

    // each fault fired, and the burst came mid-run
    expect(stats.injectedErrors, context).toBeGreaterThan(0);
    expect(stats.injectedResets, context).toBeGreaterThan(0);
    expect(stats.injectedSpikes, context).toBeGreaterThan(0);
    expect(burst.startedAtItems, context).toBeGreaterThanOrEqual(BURST_AFTER_ITEMS);
    expect(burst.startedAtItems, context).toBeLessThan(ROWS);
    expect(burst.throttledDuring, context).toBeGreaterThan(0);

    // the summary shows the resends: one for each 500, reset and 400 of a write (the few faults
    // that hit DescribeTable and CreateTable are the AWS SDK's to retry)
    const faults = stats.injectedErrors + stats.injectedResets + stats.throttledRequests;
    expect(summary!.retries as number, context).toBeGreaterThan(0);
    expect(summary!.retries as number, context).toBeLessThanOrEqual(faults);
    expect(summary!.retries as number, context).toBeGreaterThanOrEqual(faults - 20);
    expect(summary!.throttledRequests as number, context).toBeGreaterThanOrEqual(burst.throttledDuring);
    expect((summary!.latency as Record<string, { maxMicros: number }>)['batch-write']!.maxMicros, context).toBeGreaterThanOrEqual(FAULTS.spikeMs * 1000);
    // the progress lines carry the throttles too
    expect(run.events.some((e) => e.event === 'progress' && (e.throttledRequests as number) > 0), context).toBe(true);

    await expectExactCopy(cql, ddb, keyspace, 'users', target);
  });
});

