/**
 * The capacity proxy in front of the real DynamoDB Local: a table created through it, 2,000
 * items written through it at 500 WCU with the AWS SDK v3 (BatchWriteItemCommand, the
 * UnprocessedItems re-sent by hand), read back in full; the proxy's counts match what DynamoDB
 * Local stored and no second got more than capacity + burst. Then its faults in front of DynamoDB
 * Local: 500s and resets never reach it, a spiked answer comes late with its item stored.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapacityProxy, type CapacityProxy } from '../fixtures/capacity-proxy.js';
import { createTable, DYNAMODB_ENDPOINT, dropTable, scanAll } from '../helpers/dynamodb.js';

const TABLE = `cass2ddb_it_capacity_${Date.now()}_${randomUUID().slice(0, 8)}`;
const CAPACITY = 500;
const BURST_SECONDS = 1;
const ITEMS = 2_000;
const SENDERS = 4;

let proxy: CapacityProxy;
let sdk: DynamoDBClient;

beforeAll(async () => {
  proxy = await startCapacityProxy({ upstream: DYNAMODB_ENDPOINT, writeUnitsPerSecond: CAPACITY, burstSeconds: BURST_SECONDS });
  sdk = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await createTable(sdk, TABLE, ['id', 'S']);
});

afterAll(async () => {
  if (sdk !== undefined) await dropTable(sdk, TABLE);
  sdk?.destroy();
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function userItem(i: number): WriteRequest {
  return {
    PutRequest: {
      Item: {
        id: { S: `user-${String(i).padStart(5, '0')}` },
        name: { S: `User Number ${i}` },
        email: { S: `user.number.${i}@example.com` },
        age: { N: String(18 + (i % 70)) },
        created_at: { S: new Date(1_700_000_000_000 + i * 1000).toISOString() },
        tags: { SS: ['admin', 'beta', `group-${i % 9}`] },
        prefs: { M: { theme: { S: i % 2 ? 'dark' : 'light' }, lang: { S: 'en-GB' }, notifications: { BOOL: true }, page_size: { N: '50' } } },
      },
    },
  };
}

/** One batch until all of it is written: UnprocessedItems and whole throttles re-sent after a pause. */
async function writeBatch(requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 200) throw new Error(`batch still has ${pending.length} items after 200 attempts`);
    if (attempt > 0) await sleep(20 + Math.random() * 80);
    try {
      const out = await sdk.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: pending } }));
      pending = out.UnprocessedItems?.[TABLE] ?? [];
    } catch (error) {
      // the SDK's own retries gave up on a 400 throttle: try again later, like any caller would
      if ((error as { name?: string }).name !== 'ProvisionedThroughputExceededException') throw error;
    }
  }
}

describe('capacity proxy → DynamoDB Local', () => {
  it('writes 2,000 items at 500 WCU: all stored, counted exactly, no second over capacity + burst', async () => {
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < ITEMS; i += 25) batches.push(Array.from({ length: Math.min(25, ITEMS - i) }, (_, j) => userItem(i + j)));
    proxy.resetStats();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < batches.length) await writeBatch(batches[next++] as WriteRequest[]);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;

    const stats = proxy.stats();
    const items = await scanAll(sdk, TABLE);
    expect(items).toHaveLength(ITEMS);
    expect(new Set(items.map((it) => it.id?.S)).size).toBe(ITEMS);
    expect(stats.acceptedItems).toBe(ITEMS);
    expect(stats.acceptedUnits).toBe(ITEMS); // ~300-byte items: 1 unit each
    expect(stats.throttledRequests + stats.partlyThrottledRequests).toBeGreaterThan(0);
    for (const s of stats.series) expect(s.acceptedUnits).toBeLessThanOrEqual(s.capacity * (1 + BURST_SECONDS));
    // the bucket starts full: at most one burst plus the rate over the run
    expect(seconds).toBeGreaterThanOrEqual((ITEMS - CAPACITY * BURST_SECONDS) / CAPACITY - 0.05);
  });

  it('injects 500s, resets and latency spikes in front of DynamoDB Local: faults never forwarded, a spiked answer late with its item stored', async () => {
    const ITEMS_F = 120;
    const SPIKE_MS = 300;
    proxy.setCapacity(Infinity);
    proxy.resetStats();
    proxy.setFaults({ errorRate: 0.2, resetRate: 0.1, spikeRate: 0.1, spikeMs: SPIKE_MS });
    // one attempt per send: every fault comes back to this loop, which resends
    const once = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    let failures = 0;
    let slowAnswers = 0;
    try {
      for (let i = 0; i < ITEMS_F; i++) {
        for (;;) {
          const t0 = performance.now();
          try {
            await once.send(new PutItemCommand({ TableName: TABLE, Item: { id: { S: `fault-${String(i).padStart(4, '0')}` }, n: { N: String(i) } } }));
            if (performance.now() - t0 >= SPIKE_MS - 10) slowAnswers++;
            break;
          } catch {
            failures++;
          }
        }
      }
    } finally {
      proxy.setFaults({});
      once.destroy();
    }
    const stats = proxy.stats();
    expect(stats.injectedErrors).toBeGreaterThan(0);
    expect(stats.injectedResets).toBeGreaterThan(0);
    expect(stats.injectedSpikes).toBeGreaterThan(0);
    expect(stats.injectedErrors + stats.injectedResets).toBe(failures);
    expect(stats.requests).toBe(ITEMS_F + failures);
    // spikes also land on 500s; every slow success was a spike
    expect(slowAnswers).toBeGreaterThan(0);
    expect(slowAnswers).toBeLessThanOrEqual(stats.injectedSpikes);
    expect(stats.acceptedItems).toBe(ITEMS_F);
    const stored = (await scanAll(sdk, TABLE)).filter((it) => it.id?.S?.startsWith('fault-'));
    expect(stored).toHaveLength(ITEMS_F);
  });
});
