/**
 * The capacity proxy (test/fixtures/capacity-proxy.ts) in front of the in-process counting sink
 * (test/fixtures/ddb-sink.ts): write-unit costs, the token bucket with an injected clock,
 * partial and whole throttling, refunds, faults with an injected random, pass-through.
 */
import '../../src/node-warnings.js';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand, type BatchWriteItemCommandInput } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { itemSizeBytes } from '../../src/mapping/item-size.js';
import type { Item } from '../../src/mapping/attribute-value.js';
import { startCapacityProxy, type CapacityProxy, type CapacityProxyOptions } from '../fixtures/capacity-proxy.js';
import { TokenBucket } from '../fixtures/capacity-proxy/token-bucket.js';
import { itemUnits, splitWhileAdmitted } from '../fixtures/capacity-proxy/write-requests.js';
import { ddbError, startSink, unprocessedResponse, type Sink, type SinkOptions } from '../fixtures/ddb-sink.js';

const TABLE = 'users';
const THROTTLED = {
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
};
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An item of exactly `bytes` DynamoDB bytes (bytes ≥ 10). */
function itemOfSize(id: string, bytes: number): Item {
  const item: Item = { id: { S: id }, pad: { S: 'x'.repeat(bytes - 2 - id.length - 3) } };
  expect(itemSizeBytes(item)).toBe(bytes);
  return item;
}
const items = (n: number, bytes = 512, prefix = 'k') => Array.from({ length: n }, (_, i) => itemOfSize(`${prefix}${String(i).padStart(3, '0')}`, bytes));
const puts = (list: readonly Item[]) => ({ RequestItems: { [TABLE]: list.map((Item) => ({ PutRequest: { Item } })) } });
const ids = (requests: readonly { PutRequest?: { Item?: Record<string, unknown> } }[] | undefined) =>
  (requests ?? []).map((r) => (r.PutRequest?.Item?.id as { S: string } | undefined)?.S);

interface Setup {
  proxy: CapacityProxy;
  sink: Sink;
  clock: { t: number };
  call(operation: string, body: unknown): Promise<{ status: number; json: Record<string, unknown>; text: string }>;
}

async function setup(options: Partial<CapacityProxyOptions> = {}, sinkOptions: SinkOptions = {}): Promise<Setup> {
  const sink = await startSink({ store: { keyAttributes: ['id'] }, ...sinkOptions });
  cleanups.push(() => sink.close());
  const clock = { t: 1_000_000 };
  const proxy = await startCapacityProxy({ upstream: sink.url, writeUnitsPerSecond: 10, now: () => clock.t, ...options });
  cleanups.push(() => proxy.close());
  const call: Setup['call'] = async (operation, body) => {
    // the sink wants something shaped like SigV4; the proxy forwards it untouched
    const res = await fetch(proxy.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20260101T000000Z',
        authorization: `AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
  };
  return { proxy, sink, clock, call };
}

const stored = (sink: Sink) => [...(sink.tables.get(TABLE)?.keys() ?? [])].map((k) => (JSON.parse(k) as [{ S: string }])[0].S);
const unprocessed = (json: Record<string, unknown>) => (json.UnprocessedItems as Record<string, { PutRequest?: { Item?: Record<string, unknown> } }[]>)[TABLE];

describe('write units', () => {
  it('costs ceil(size / 1 KB) per put, at least 1, and 1 per delete', () => {
    expect(itemUnits(itemOfSize('a', 512))).toBe(1);
    expect(itemUnits(itemOfSize('a', 1024))).toBe(1);
    expect(itemUnits(itemOfSize('a', 1025))).toBe(2);
    expect(itemUnits(itemOfSize('a', 1536))).toBe(2);
    expect(itemUnits({})).toBe(1);
    expect(itemUnits({ bad: { X: 1 } })).toBe(1);
    const split = splitWhileAdmitted({ t: [{ DeleteRequest: { Key: { id: { S: 'a' } } } }, { PutRequest: { Item: itemOfSize('b', 3000) } }] }, () => true);
    expect(split.acceptedUnits).toBe(1 + 3);
  });

  it('takes requests in order and stops at the first that does not fit', () => {
    let left = 3;
    const take = (u: number) => (u <= left ? ((left -= u), true) : false);
    const [a, b, c] = [itemOfSize('a', 1500), itemOfSize('b', 1500), itemOfSize('c', 100)];
    const split = splitWhileAdmitted({ t1: [{ PutRequest: { Item: a } }], t2: [{ PutRequest: { Item: b } }, { PutRequest: { Item: c } }] }, take);
    expect(split).toMatchObject({ acceptedCount: 1, acceptedUnits: 2, restCount: 2 });
    expect(split.accepted).toEqual({ t1: [{ PutRequest: { Item: a } }] });
    // c would fit in the unit left, but it comes after b
    expect(split.rest).toEqual({ t2: [{ PutRequest: { Item: b } }, { PutRequest: { Item: c } }] });
  });
});

describe('token bucket', () => {
  it('starts full, refills continuously up to burstSeconds of capacity, and lets an oversized item through into debt', () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket(10, 2, () => clock.t);
    expect(bucket.available()).toBe(20);
    expect(bucket.tryTake(15)).toBe(true);
    expect(bucket.tryTake(6)).toBe(false);
    clock.t += 100;
    expect(bucket.available()).toBe(6);
    clock.t += 60_000;
    expect(bucket.available()).toBe(20);
    expect(bucket.tryTake(25)).toBe(true); // bigger than the bucket: allowed only when full
    expect(bucket.available()).toBe(-5);
    expect(bucket.tryTake(1)).toBe(false);
    clock.t += 600;
    expect(bucket.tryTake(1)).toBe(true);
    bucket.refund(100);
    expect(bucket.available()).toBe(20);
  });

  it('unlimited and zero capacity', () => {
    const bucket = new TokenBucket(Infinity, 1, () => 0);
    expect(bucket.tryTake(1e9)).toBe(true);
    bucket.setRate(0);
    expect(bucket.available()).toBe(0);
    expect(bucket.tryTake(1)).toBe(false);
  });
});

describe('BatchWriteItem through the proxy', () => {
  it('accepts what the bucket holds, forwards just that, and returns exactly the rest in order', async () => {
    const { call, sink, proxy } = await setup({ writeUnitsPerSecond: 10 });
    const batch = items(25, 512);
    const { status, json } = await call('BatchWriteItem', puts(batch));
    expect(status).toBe(200);
    expect(stored(sink)).toEqual(ids(puts(batch).RequestItems[TABLE]).slice(0, 10));
    expect(ids(unprocessed(json))).toEqual(ids(puts(batch).RequestItems[TABLE]).slice(10));
    expect(unprocessed(json)).toEqual(puts(batch.slice(10)).RequestItems[TABLE]);
    expect(proxy.stats()).toMatchObject({ requests: 1, acceptedItems: 10, acceptedUnits: 10, partlyThrottledRequests: 1, unprocessedItems: 15, throttledRequests: 0 });
  });

  it('charges 2 units for a 1.5 KB item', async () => {
    const { call, sink, proxy } = await setup({ writeUnitsPerSecond: 10 });
    const { json } = await call('BatchWriteItem', puts(items(6, 1536)));
    expect(sink.stats.items).toBe(5);
    expect(ids(unprocessed(json))).toEqual(['k005']);
    expect(proxy.stats()).toMatchObject({ acceptedItems: 5, acceptedUnits: 10 });
  });

  it('answers a whole 400 ProvisionedThroughputExceededException when not even the first item fits, without forwarding', async () => {
    const { call, sink, proxy } = await setup({ writeUnitsPerSecond: 10 });
    await call('BatchWriteItem', puts(items(10)));
    const before = sink.stats.requests;
    const { status, json } = await call('BatchWriteItem', puts(items(3, 512, 'z')));
    expect(status).toBe(400);
    expect(json).toEqual(THROTTLED);
    expect(sink.stats.requests).toBe(before);
    expect(proxy.stats()).toMatchObject({ requests: 2, acceptedItems: 10, throttledRequests: 1, partlyThrottledRequests: 0 });
  });

  it('an all-accepted batch is forwarded as sent and answered as the upstream answered', async () => {
    const { call, sink } = await setup({ writeUnitsPerSecond: 100 });
    const { status, text } = await call('BatchWriteItem', puts(items(25)));
    expect(status).toBe(200);
    expect(text).toBe('{"UnprocessedItems":{}}');
    expect(sink.stats.items).toBe(25);
  });

  it('refills over time, up to burstSeconds of capacity', async () => {
    const { call, clock, proxy } = await setup({ writeUnitsPerSecond: 10, burstSeconds: 2 });
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(25, 512, 'a')))).json))).toHaveLength(5); // 20 taken
    clock.t += 100;
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(25, 512, 'b')))).json))).toHaveLength(24); // 1 unit
    clock.t += 250;
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(25, 512, 'c')))).json))).toHaveLength(23); // 2.5 units: 2 items
    clock.t += 50;
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(25, 512, 'd')))).json))).toHaveLength(24); // 0.5 + 0.5 = 1
    clock.t += 3_600_000;
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(25, 512, 'e')))).json))).toHaveLength(5); // capped at 20
    expect(proxy.stats().acceptedItems).toBe(20 + 1 + 2 + 1 + 20);
  });

  it('setCapacity takes effect at once; Infinity never throttles, 0 always does', async () => {
    const { call, clock, proxy } = await setup({ writeUnitsPerSecond: 10 });
    await call('BatchWriteItem', puts(items(10, 512, 'a')));
    proxy.setCapacity(100);
    clock.t += 100;
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(25, 512, 'b')))).json))).toHaveLength(15);
    proxy.setCapacity(Infinity);
    expect(unprocessed((await call('BatchWriteItem', puts(items(25, 1536, 'c')))).json)).toBeUndefined();
    proxy.setCapacity(0);
    clock.t += 10_000;
    expect((await call('BatchWriteItem', puts(items(1, 512, 'd')))).status).toBe(400);
    expect(() => proxy.setCapacity(-1)).toThrow(/writeUnitsPerSecond/);
  });

  it('merges the upstream UnprocessedItems before its own and refunds their units', async () => {
    const batch = items(8);
    const { call, proxy, clock } = await setup(
      { writeUnitsPerSecond: 5 },
      { respond: (r) => (r.items.length === 5 ? unprocessedResponse(TABLE, r.items.slice(3)) : undefined) },
    );
    const { status, json } = await call('BatchWriteItem', puts(batch));
    expect(status).toBe(200);
    expect(ids(unprocessed(json))).toEqual(['k003', 'k004', 'k005', 'k006', 'k007']);
    expect(proxy.stats()).toMatchObject({ acceptedItems: 3, acceptedUnits: 3, unprocessedItems: 5, partlyThrottledRequests: 1 });
    // 2 of the 5 units came back: 2 more items fit without waiting
    expect(ids(unprocessed((await call('BatchWriteItem', puts(items(3, 512, 'n')))).json))).toEqual(['n002']);
    expect(clock.t).toBe(1_000_000);
  });

  it('passes an upstream error through unchanged and refunds the units', async () => {
    let fail = true;
    const { call, proxy } = await setup({ writeUnitsPerSecond: 10 }, { respond: () => (fail ? ddbError(400, 'ValidationException', 'bad item') : undefined) });
    const { status, json } = await call('BatchWriteItem', puts(items(10)));
    expect(status).toBe(400);
    expect(json).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'bad item' });
    fail = false;
    const again = await call('BatchWriteItem', puts(items(10, 512, 'b')));
    expect(again.json).toEqual({ UnprocessedItems: {} });
    expect(proxy.stats()).toMatchObject({ acceptedItems: 10, upstreamErrors: 1, throttledRequests: 0 });
  });

  it('answers 500 when the upstream is unreachable, and refunds', async () => {
    const sink = await startSink();
    const url = sink.url;
    await sink.close();
    const proxy = await startCapacityProxy({ upstream: url, writeUnitsPerSecond: 10, now: () => 0 });
    cleanups.push(() => proxy.close());
    const res = await fetch(proxy.url, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.BatchWriteItem' }, body: JSON.stringify(puts(items(10))) });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { __type: string }).__type).toBe('com.amazonaws.dynamodb.v20120810#InternalServerError');
    expect(proxy.stats()).toMatchObject({ upstreamErrors: 1, acceptedItems: 0 });
  });

  it('counts exactly with concurrent senders on the real clock, and no second exceeds capacity + burst', async () => {
    // 750 items at 250/s with a 250-unit burst: 2 s at least, so the senders are held back
    const { call, sink, proxy } = await setup({ writeUnitsPerSecond: 250, now: () => performance.now() });
    const all = items(750, 512, 'p');
    let next = 0;
    let resent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < all.length) {
          let pending: unknown[] = puts(all.slice(next, (next += 25))).RequestItems[TABLE];
          while (pending.length > 0) {
            const { status, json } = await call('BatchWriteItem', { RequestItems: { [TABLE]: pending } });
            if (status === 200) pending = unprocessed(json) ?? [];
            if (pending.length > 0) (resent++, await new Promise((r) => setTimeout(r, 20)));
          }
        }
      }),
    );
    const stats = proxy.stats();
    expect(stored(sink)).toHaveLength(750);
    expect(stats).toMatchObject({ acceptedItems: 750, acceptedUnits: 750 });
    expect(resent).toBeGreaterThan(0);
    expect(stats.series.reduce((n, s) => n + s.acceptedItems, 0)).toBe(750);
    for (const s of stats.series) expect(s.acceptedUnits).toBeLessThanOrEqual(2 * s.capacity);
  });

  it('keeps a dense per-second series of accepted units, throttles and capacity', async () => {
    const { call, clock, proxy } = await setup({ writeUnitsPerSecond: 10 });
    await call('BatchWriteItem', puts(items(12, 512, 'a'))); // second 0: 10 accepted, 2 back
    await call('BatchWriteItem', puts(items(1, 512, 'b'))); // second 0: throttled
    clock.t += 1500;
    await call('BatchWriteItem', puts(items(3, 512, 'c'))); // second 1: 3 accepted
    clock.t += 2000;
    proxy.setCapacity(50); // second 3
    const { series } = proxy.stats();
    expect(series).toEqual([
      { second: 0, acceptedUnits: 10, acceptedItems: 10, writeRequests: 2, throttledRequests: 1, partlyThrottledRequests: 1, unprocessedItems: 2, capacity: 10 },
      { second: 1, acceptedUnits: 3, acceptedItems: 3, writeRequests: 1, throttledRequests: 0, partlyThrottledRequests: 0, unprocessedItems: 0, capacity: 10 },
      { second: 2, acceptedUnits: 0, acceptedItems: 0, writeRequests: 0, throttledRequests: 0, partlyThrottledRequests: 0, unprocessedItems: 0, capacity: 10 },
      { second: 3, acceptedUnits: 0, acceptedItems: 0, writeRequests: 0, throttledRequests: 0, partlyThrottledRequests: 0, unprocessedItems: 0, capacity: 50 },
    ]);
    proxy.resetStats();
    expect(proxy.stats()).toMatchObject({ requests: 0, acceptedItems: 0, series: [{ second: 0, capacity: 50 }] });
  });
});

describe('PutItem through the proxy', () => {
  it('is throttled like a one-item batch; the AWS SDK sees ProvisionedThroughputExceededException', async () => {
    const { proxy, sink } = await setup({ writeUnitsPerSecond: 3 });
    const sdk = new DynamoDBClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' }, maxAttempts: 1 });
    cleanups.push(async () => sdk.destroy());
    const put = (id: string) => sdk.send(new PutItemCommand({ TableName: TABLE, Item: itemOfSize(id, 1536) as never }));
    await put('a');
    await expect(put('b')).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    expect(sink.stats.items).toBe(1);
    expect(proxy.stats()).toMatchObject({ acceptedItems: 1, acceptedUnits: 2, throttledRequests: 1 });
    // and the SDK reads a partial batch answer
    proxy.setCapacity(Infinity);
    proxy.setCapacity(2);
    const out = await sdk.send(new BatchWriteItemCommand(puts(items(4)) as unknown as BatchWriteItemCommandInput));
    expect(out.UnprocessedItems?.[TABLE]).toHaveLength(2);
  });
});

describe('other operations', () => {
  it('pass through unthrottled, even at capacity 0', async () => {
    const { call, proxy } = await setup({ writeUnitsPerSecond: 0 }, { describeKeySchema: { hash: ['id', 'S'] } });
    const described = await call('DescribeTable', { TableName: TABLE });
    expect(described.status).toBe(200);
    expect(described.json).toMatchObject({ Table: { TableName: TABLE, KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } });
    const scan = await call('Scan', { TableName: TABLE });
    expect(scan.status).toBe(400);
    expect(scan.json).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#UnknownOperationException', message: 'sink does not do Scan' });
    expect(proxy.stats()).toMatchObject({ requests: 2, throttledRequests: 0, acceptedItems: 0 });
  });
});

describe('faults', () => {
  it('resets and 500s by the injected random, without forwarding', async () => {
    const draws = [0.05, 0.15, 0.5];
    const { call, proxy, sink } = await setup({ writeUnitsPerSecond: 100, faults: { resetRate: 0.1, errorRate: 0.1, random: () => draws.shift() ?? 0.99 } });
    await expect(call('BatchWriteItem', puts(items(1, 512, 'a')))).rejects.toThrow();
    const injected = await call('BatchWriteItem', puts(items(1, 512, 'b')));
    expect(injected.status).toBe(500);
    expect(injected.json).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' });
    expect((await call('BatchWriteItem', puts(items(1, 512, 'c')))).status).toBe(200);
    expect(stored(sink)).toEqual(['c000']);
    expect(proxy.stats()).toMatchObject({ requests: 3, injectedResets: 1, injectedErrors: 1, acceptedItems: 1 });
  });

  it('hits the configured rates', async () => {
    let i = 0;
    const { call, proxy } = await setup({ writeUnitsPerSecond: Infinity });
    proxy.setFaults({ resetRate: 0.1, errorRate: 0.2, random: () => ((i++ % 100) + 0.5) / 100 });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, n) => call('BatchWriteItem', puts(items(1, 512, `r${n}`)))));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.status === 500)).toHaveLength(40);
    expect(proxy.stats()).toMatchObject({ requests: 200, injectedResets: 20, injectedErrors: 40, acceptedItems: 140 });
    expect(() => proxy.setFaults({ errorRate: 0.7, resetRate: 0.7 })).toThrow(/≤ 1/);
  });

  it('adds latency to every answer, and close() does not wait for it', async () => {
    const { call, proxy } = await setup({ writeUnitsPerSecond: 0, now: () => performance.now(), faults: { addedLatencyMs: 150 } });
    const t0 = performance.now();
    expect((await call('BatchWriteItem', puts(items(1)))).status).toBe(400);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    proxy.setFaults({ addedLatencyMs: 60_000 });
    const pending = call('BatchWriteItem', puts(items(1))).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t1 = performance.now();
    await proxy.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(performance.now() - t1).toBeLessThan(5_000);
  });
});

describe('latency spikes', () => {
  it('holds back the answers the injected random picks by spikeMs, after the write is made', async () => {
    const draws = [0.1, 0.9];
    const { call, proxy, sink } = await setup({ writeUnitsPerSecond: 100, now: () => performance.now(), faults: { spikeRate: 0.5, spikeMs: 400, random: () => draws.shift() ?? 0.99 } });
    const t0 = performance.now();
    const spiked = call('BatchWriteItem', puts(items(1, 512, 'a')));
    await new Promise((r) => setTimeout(r, 150));
    // the write is made; only its answer waits
    expect(stored(sink)).toEqual(['a000']);
    expect((await spiked).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
    const t1 = performance.now();
    expect((await call('BatchWriteItem', puts(items(1, 512, 'b')))).status).toBe(200);
    expect(performance.now() - t1).toBeLessThan(300);
    expect(proxy.stats()).toMatchObject({ requests: 2, injectedSpikes: 1, acceptedItems: 2 });
  });

  it('draws for a spike after the reset/500 draw, spikes 500s too, and never a reset', async () => {
    // request 1: no fault, spike; 2: 500, spike; 3: reset (no spike draw); 4: no fault, no spike
    const draws = [0.95, 0.1, 0.15, 0.2, 0.05, 0.95, 0.9];
    const { call, proxy } = await setup({
      writeUnitsPerSecond: Infinity,
      now: () => performance.now(),
      faults: { resetRate: 0.1, errorRate: 0.1, spikeRate: 0.3, spikeMs: 250, addedLatencyMs: 10, random: () => draws.shift() ?? 0.99 },
    });
    const timed = async (id: string) => {
      const t = performance.now();
      const r = await call('BatchWriteItem', puts(items(1, 512, id))).catch(() => undefined);
      return { status: r?.status, ms: performance.now() - t };
    };
    const [a, b, c, d] = [await timed('a'), await timed('b'), await timed('c'), await timed('d')];
    expect(a.status).toBe(200);
    expect(a.ms).toBeGreaterThanOrEqual(250);
    expect(b.status).toBe(500);
    expect(b.ms).toBeGreaterThanOrEqual(250);
    expect(c.status).toBeUndefined();
    expect(d.status).toBe(200);
    expect(d.ms).toBeLessThan(200);
    expect(draws).toEqual([]);
    expect(proxy.stats()).toMatchObject({ requests: 4, injectedSpikes: 2, injectedErrors: 1, injectedResets: 1, acceptedItems: 2 });
  });

  it('hits the configured spike rate', async () => {
    let i = 0;
    const { call, proxy } = await setup({ writeUnitsPerSecond: Infinity, faults: { spikeRate: 0.1, spikeMs: 1, random: () => ((i++ % 100) + 0.5) / 100 } });
    for (let n = 0; n < 200; n++) expect((await call('BatchWriteItem', puts(items(1, 512, `s${n}`)))).status).toBe(200);
    expect(proxy.stats()).toMatchObject({ requests: 200, injectedSpikes: 20, acceptedItems: 200 });
  });

  it('close() does not wait for a spike', async () => {
    const { call, proxy } = await setup({ writeUnitsPerSecond: Infinity, faults: { spikeRate: 1, spikeMs: 60_000 } });
    const pending = call('BatchWriteItem', puts(items(1))).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await proxy.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe('a burst of whole 400 throttles', () => {
  it('setCapacity(0) answers every write 400, even a one-item batch or a PutItem; the capacity back ends it', async () => {
    const { call, clock, proxy, sink } = await setup({ writeUnitsPerSecond: 100 });
    expect((await call('BatchWriteItem', puts(items(5, 512, 'a')))).status).toBe(200);
    proxy.setCapacity(0);
    for (let s = 0; s < 5; s++) {
      clock.t += 1_000;
      const batch = await call('BatchWriteItem', puts(items(1, 512, `b${s}`)));
      expect(batch.status).toBe(400);
      expect(batch.json).toEqual(THROTTLED);
      expect((await call('PutItem', { TableName: TABLE, Item: itemOfSize(`p${s}`, 100) })).status).toBe(400);
    }
    // back to a finite capacity: the bucket starts empty and refills at the new rate
    proxy.setCapacity(100);
    expect((await call('BatchWriteItem', puts(items(1, 512, 'c')))).status).toBe(400);
    clock.t += 100;
    const after = await call('BatchWriteItem', puts(items(25, 512, 'd')));
    expect(after.status).toBe(200);
    expect(unprocessed(after.json)).toHaveLength(15);
    // back to unlimited: at once
    proxy.setCapacity(0);
    proxy.setCapacity(Infinity);
    expect((await call('BatchWriteItem', puts(items(25, 512, 'e')))).json).toEqual({ UnprocessedItems: {} });
    expect(proxy.stats()).toMatchObject({ throttledRequests: 11, acceptedItems: 5 + 10 + 25 });
    expect(sink.stats.items).toBe(40);
  });
});

describe('options', () => {
  it('refuses an upstream off loopback and bad numbers, naming the option', async () => {
    await expect(startCapacityProxy({ upstream: 'https://dynamodb.us-east-1.amazonaws.com', writeUnitsPerSecond: 1 })).rejects.toThrow(/loopback/);
    await expect(startCapacityProxy({ upstream: 'http://127.0.0.1:1', writeUnitsPerSecond: Number.NaN })).rejects.toThrow(/writeUnitsPerSecond/);
    await expect(startCapacityProxy({ upstream: 'http://127.0.0.1:1', writeUnitsPerSecond: 1, burstSeconds: 0 })).rejects.toThrow(/burstSeconds/);
    await expect(startCapacityProxy({ upstream: 'http://127.0.0.1:1', writeUnitsPerSecond: 1, faults: { errorRate: 2 } })).rejects.toThrow(/errorRate/);
    await expect(startCapacityProxy({ upstream: 'http://127.0.0.1:1', writeUnitsPerSecond: 1, faults: { spikeRate: -0.1, spikeMs: 10 } })).rejects.toThrow(/faults\.spikeRate must be in \[0, 1\]/);
    await expect(startCapacityProxy({ upstream: 'http://127.0.0.1:1', writeUnitsPerSecond: 1, faults: { spikeRate: 0.1, spikeMs: Infinity } })).rejects.toThrow(/faults\.spikeMs must be ≥ 0/);
    await expect(startCapacityProxy({ upstream: 'http://127.0.0.1:1', writeUnitsPerSecond: 1, faults: { spikeRate: 0.1 } })).rejects.toThrow(/spikeRate needs faults\.spikeMs/);
  });

  it('listens on 127.0.0.1 only', async () => {
    const { proxy } = await setup();
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
