/**
 * BatchReader against the in-process fake DynamoDB (test/fixtures/ddb-read-fake.ts): key
 * matching, grouping, UnprocessedKeys, retries and failures. Signing and transport are real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Item } from '../../../src/mapping/attribute-value.js';
import { BatchReader, type BatchReaderOptions, type KeyRequest } from '../../../src/dynamodb/batch-reader.js';
import { DdbError, classifyNetworkError } from '../../../src/dynamodb/errors.js';
import type { DynamoDbCaller, DynamoDbHttpClient } from '../../../src/dynamodb/http-client.js';
import { groupKeys, keyIdentity } from '../../../src/dynamodb/key-match.js';
import type { ResponseInfo } from '../../../src/dynamodb/retry-loop.js';
import { ddbError, type SinkResponse } from '../../fixtures/ddb-sink.js';
import { getResponse, startReadFakeWithClient, type FakeRequest, type ReadFake } from '../../fixtures/ddb-read-fake.js';

const TABLE = 'events';
const KEYS = ['pk', 'sk'] as const;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  fake: ReadFake;
  client: DynamoDbHttpClient;
  sleeps: number[];
  responses: ResponseInfo[];
  hookCounts: number[];
  reader(options?: BatchReaderOptions, caller?: DynamoDbCaller): BatchReader;
}

async function setup(respond?: (r: FakeRequest) => SinkResponse | undefined, stored = 200): Promise<Setup> {
  const { fake, client, close } = await startReadFakeWithClient({ keyAttributes: KEYS, respond });
  cleanups.push(close);
  fake.put(TABLE, Array.from({ length: stored }, (_, i) => item(i)));
  const sleeps: number[] = [];
  const responses: ResponseInfo[] = [];
  const hookCounts: number[] = [];
  return {
    fake,
    client,
    sleeps,
    responses,
    hookCounts,
    reader: (options = {}, caller = client) =>
      new BatchReader(caller, {
        keyAttributes: KEYS,
        random: () => 0.5,
        sleep: async (ms) => void sleeps.push(ms),
        onResponse: (info) => responses.push(info),
        beforeRequest: (n) => void hookCounts.push(n),
        ...options,
      }),
  };
}

const item = (i: number): Item => ({ pk: { S: `p${i % 7}` }, sk: { N: String(i) }, v: { S: `value ${i}` }, tags: { SS: ['a', `t${i}`] } });
const key = (i: number): Item => ({ pk: { S: `p${i % 7}` }, sk: { N: String(i) } });
const requests = (ids: readonly number[]): KeyRequest<number>[] => ids.map((i) => ({ key: key(i), ref: i }));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const sks = (r: FakeRequest) => r.keys.map((k) => Number((k.sk as { N: string }).N));
const FULL = { found: [], failed: [], requests: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 };

describe('BatchReader', () => {
  it('reads 100 keys in one request, matching items returned in any order, missing ones undefined', async () => {
    const s = await setup();
    const ids = [...range(0, 90), ...range(1000, 10)]; // the last 10 do not exist
    const out = await s.reader().getItems(TABLE, requests(ids));
    expect(out).toMatchObject({ failed: [], requests: 1, throttledRequests: 0, unprocessedRetries: 0, retries: 0 });
    expect(out.found).toEqual(ids.map((i) => ({ ref: i, item: i < 200 ? item(i) : undefined })));
    expect(s.fake.requests).toHaveLength(1);
    expect(s.fake.requests[0]?.body).toEqual({ RequestItems: { [TABLE]: { Keys: ids.map(key) } } });
    expect(s.hookCounts).toEqual([100]);
    expect(s.responses).toEqual([{ latencyMicros: expect.any(Number) as unknown, items: 100, unprocessed: 0, throttled: false, status: 200 }]);
  });

  it('sends ConsistentRead when asked, per reader or per call', async () => {
    const s = await setup();
    await s.reader({ consistentRead: true }).getItems(TABLE, requests([1]));
    await s.reader({ consistentRead: true }).getItems(TABLE, requests([1]), { consistentRead: false });
    await s.reader().getItems(TABLE, requests([1]), { consistentRead: true });
    expect(s.fake.requests.map((r) => (r.body.RequestItems as Record<string, { ConsistentRead?: boolean }>)[TABLE]?.ConsistentRead)).toEqual([true, undefined, true]);
  });

  it('sends each key once: refs naming one key all get its item', async () => {
    const s = await setup();
    const keys: KeyRequest<string>[] = [
      { key: key(3), ref: 'a' },
      { key: key(4), ref: 'b' },
      { key: key(3), ref: 'c' },
      { key: key(999), ref: 'd' },
      { key: { sk: { N: '3' }, pk: { S: 'p3' } }, ref: 'e' }, // same key, attributes in another order
      { key: key(999), ref: 'f' },
    ];
    const out = await s.reader().getItems(TABLE, keys);
    expect(out.failed).toEqual([]);
    expect(out.found).toEqual([
      { ref: 'a', item: item(3) },
      { ref: 'b', item: item(4) },
      { ref: 'c', item: item(3) },
      { ref: 'd', item: undefined },
      { ref: 'e', item: item(3) },
      { ref: 'f', item: undefined },
    ]);
    expect(out.found[0]?.item).toBe(out.found[2]?.item);
    expect(sks(s.fake.requests[0] as FakeRequest)).toEqual([3, 4, 999]);
    expect(s.hookCounts).toEqual([3]);
  });

  it('sends only the key attributes of whole items, and matches numbers and binaries however DynamoDB spells them', async () => {
    const back: Item = { pk: { B: 'AQI=' }, sk: { N: '1.5' }, v: { S: 'x' } };
    const s = await setup((r) => (r.seq === 1 ? getResponse(TABLE, [back]) : undefined));
    const asked: Item = { pk: { B: 'AQI' }, sk: { N: '001.50' }, v: { S: 'ignored' }, other: { BOOL: true } };
    const out = await s.reader().getItems(TABLE, [{ key: asked, ref: 1 }]);
    expect(out.found).toEqual([{ ref: 1, item: back }]);
    expect(s.fake.requests[0]?.keys).toEqual([{ pk: { B: 'AQI' }, sk: { N: '001.50' } }]);
  });

  it('resends only UnprocessedKeys, with backoff, and counts them as throttles', async () => {
    const s = await setup((r) => {
      if (r.seq !== 1) return undefined;
      const [done, left] = [r.keys.slice(0, 60), r.keys.slice(60)];
      const store = s.fake.tables.get(TABLE);
      return getResponse(TABLE, done.map((k) => store?.get(JSON.stringify([k.pk, k.sk]))), left);
    });
    const ids = range(0, 100);
    const out = await s.reader().getItems(TABLE, requests(ids));
    expect(out).toMatchObject({ failed: [], requests: 2, throttledRequests: 1, unprocessedRetries: 1, retries: 0 });
    expect(out.found).toEqual(ids.map((i) => ({ ref: i, item: item(i) })));
    expect(sks(s.fake.requests[1] as FakeRequest)).toEqual(range(60, 40));
    expect(s.sleeps).toEqual([25]); // full jitter: 0.5 × 50 ms
    expect(s.responses.map((r) => [r.items, r.unprocessed, r.throttled])).toEqual([
      [100, 40, true],
      [40, 0, false],
    ]);
  });

  it('resends every key not returned when an unprocessed key cannot be placed', async () => {
    const s = await setup((r) => (r.seq === 1 ? getResponse(TABLE, [item(1)], [{ pk: { S: 'stranger' }, sk: { N: '0' } }]) : undefined));
    const out = await s.reader().getItems(TABLE, requests([0, 1, 2, 500]));
    expect(out.found.map((f) => f.item)).toEqual([item(0), item(1), item(2), undefined]);
    expect(sks(s.fake.requests[1] as FakeRequest)).toEqual([0, 2, 500]);
  });

  it('retries throttles, 5xx, malformed answers and network errors with capped exponential backoff', async () => {
    const answers: (SinkResponse | undefined)[] = [
      ddbError(400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.'),
      ddbError(500, 'InternalServerError', 'Internal server error'),
      { status: 200, body: '<html>' },
      getResponse(TABLE, [item(77)]), // an item nobody asked for: not the answer to this request
    ];
    const s = await setup((r) => answers[r.seq - 1]);
    let calls = 0;
    const flaky: DynamoDbCaller = {
      call: (op, body) =>
        ++calls === 3
          ? Promise.reject(new DdbError(classifyNetworkError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), s.fake.url)))
          : s.client.call(op, body),
    };
    const out = await s.reader({ baseBackoffMs: 100, maxBackoffMs: 300 }, flaky).getItems(TABLE, requests([1, 2]));
    expect(out).toMatchObject({ failed: [], requests: 6, throttledRequests: 1, unprocessedRetries: 0, retries: 5 });
    expect(out.found).toEqual([{ ref: 1, item: item(1) }, { ref: 2, item: item(2) }]);
    expect(s.sleeps).toEqual([50, 100, 150, 150, 150]);
    expect(s.responses.map((r) => r.status)).toEqual([400, 500, 0, 200, 200, 200]);
  });

  it('fails keys, never reports them missing, when retries run out', async () => {
    const s = await setup(() => ddbError(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'));
    const out = await s.reader({ maxRetries: 2 }).getItems(TABLE, requests([1, 2, 1]));
    const message = 'not read after 2 retries; last: ThrottlingException: Rate of requests exceeds the allowed throughput.';
    expect(out).toEqual({ ...FULL, failed: [1, 2, 1].map((ref) => ({ ref, code: 'RETRIES_EXHAUSTED', message })), requests: 3, throttledRequests: 3, retries: 2 });
  });

  it('fails only the keys that stay unprocessed', async () => {
    const s = await setup((r) => {
      const stuck = r.keys.filter((k) => (k.sk as { N: string }).N === '2');
      const store = s.fake.tables.get(TABLE);
      return getResponse(TABLE, r.keys.filter((k) => !stuck.includes(k)).map((k) => store?.get(JSON.stringify([k.pk, k.sk]))), stuck);
    });
    const out = await s.reader({ maxRetries: 2 }).getItems(TABLE, requests([1, 2, 3]));
    expect(out.found).toEqual([{ ref: 1, item: item(1) }, { ref: 3, item: item(3) }]);
    expect(out.failed).toEqual([{ ref: 2, code: 'RETRIES_EXHAUSTED', message: 'not read after 2 retries; last: UnprocessedKeys' }]);
    expect(out).toMatchObject({ requests: 3, unprocessedRetries: 2, throttledRequests: 3 });
  });

  it('bisects a refused batch down to the bad key; keys it cannot send fail without a request', async () => {
    // DynamoDB's own refusal of a key whose type the table's key schema does not have.
    const s = await setup((r) => (r.keys.some((k) => 'N' in (k.pk as object)) ? ddbError(400, 'ValidationException', 'The provided key element does not match the schema') : undefined));
    const keys: KeyRequest<string>[] = [
      ...range(0, 9).map((i) => ({ key: key(i), ref: `k${i}` })),
      { key: { pk: { N: '5' }, sk: { N: '5' } }, ref: 'wrong type' },
      { key: { pk: { S: 'p1' } }, ref: 'no range key' },
      { key: { pk: { S: 'p1' }, sk: { BOOL: true } }, ref: 'not a key type' },
      { key: { pk: { S: 'p1' }, sk: { N: 'twelve' } }, ref: 'not a number' },
    ];
    const out = await s.reader().getItems(TABLE, keys);
    expect(out.found).toEqual(range(0, 9).map((i) => ({ ref: `k${i}`, item: item(i) })));
    expect(out.failed).toEqual([
      { ref: 'wrong type', code: 'DYNAMODB_VALIDATION', message: 'ValidationException: The provided key element does not match the schema' },
      { ref: 'no range key', code: 'DYNAMODB_VALIDATION', message: "key has no attribute 'sk'" },
      { ref: 'not a key type', code: 'DYNAMODB_VALIDATION', message: "key attribute 'sk' is not of type S, N or B" },
      { ref: 'not a number', code: 'DYNAMODB_VALIDATION', message: 'key attribute \'sk\' is not a number: "twelve"' },
    ]);
    expect(s.fake.requests[0]?.keys).toHaveLength(10);
    expect(out.requests).toBe(s.fake.requests.length);
    expect(out.requests).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(10)));
    expect(s.hookCounts).toHaveLength(out.requests);
    expect(out.retries).toBe(0);
    expect(s.sleeps).toEqual([]); // bisection does not back off
  });

  it('throws a fatal ToolError for a missing table or bad credentials, without retrying', async () => {
    const s = await setup((r) => (r.table === 'nope' ? undefined : ddbError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.')));
    await expect(s.reader().getItems('nope', requests([1]))).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      message: "DynamoDB (table 'nope'): ResourceNotFoundException: Requested resource not found: Table: nope not found",
    });
    await expect(s.reader().getItems(TABLE, requests([1]))).rejects.toMatchObject({ code: 'DYNAMODB_AUTH' });
    expect(s.fake.requests).toHaveLength(2);
  });

  it('awaits beforeRequest before every request', async () => {
    const s = await setup((r) => (r.seq === 1 ? ddbError(400, 'ThrottlingException', 'slow') : undefined));
    const order: string[] = [];
    const reader = s.reader({
      beforeRequest: async (n) => {
        order.push(`wait ${n}`);
        await new Promise((r) => setTimeout(r, 5));
        order.push(`go ${s.fake.requests.length}`);
      },
    });
    await reader.getItems(TABLE, requests([1, 2, 3]));
    expect(order).toEqual(['wait 3', 'go 0', 'wait 3', 'go 1']);
  });

  it('sends nothing for no keys; refuses more than 100 keys or no key attribute names', async () => {
    const s = await setup();
    expect(await s.reader().getItems(TABLE, [])).toEqual(FULL);
    await expect(s.reader().getItems(TABLE, requests(range(0, 101)))).rejects.toThrow(RangeError);
    await expect(s.reader({ keyAttributes: undefined }).getItems(TABLE, requests([1]))).rejects.toThrow(/needs keyAttributes/);
    expect(s.fake.requests).toHaveLength(0);
    const perCall = await s.reader({ keyAttributes: undefined }).getItems(TABLE, requests([1]), { keyAttributes: KEYS });
    expect(perCall.found).toEqual([{ ref: 1, item: item(1) }]);
  });
});

describe('keyIdentity', () => {
  const id = (k: unknown, attrs: readonly string[] = ['k']) => keyIdentity(k, attrs);

  it('equates numbers that DynamoDB equates', () => {
    for (const spelling of ['1.5', '1.50', '001.5', '15e-1', '0.15E+1', '+1.5']) expect(id({ k: { N: spelling } })).toBe(id({ k: { N: '1.5' } }));
    expect(id({ k: { N: '-0' } })).toBe(id({ k: { N: '0.000' } }));
    expect(id({ k: { N: '100' } })).toBe(id({ k: { N: '1E+2' } }));
    expect(id({ k: { N: '100' } })).not.toBe(id({ k: { N: '10' } }));
    expect(id({ k: { N: '-1' } })).not.toBe(id({ k: { N: '1' } }));
  });

  it('compares binaries as bytes and keeps types apart', () => {
    expect(id({ k: { B: 'AQI' } })).toBe(id({ k: { B: 'AQI=' } }));
    expect(id({ k: { S: '1' } })).not.toBe(id({ k: { N: '1' } }));
    expect(id({ k: { S: 'a' }, r: { S: 'b,c' } }, ['k', 'r'])).not.toBe(id({ k: { S: 'a,b' }, r: { S: 'c' } }, ['k', 'r']));
  });

  it('ignores other attributes and says why a key has no identity', () => {
    expect(id({ k: { S: 'x' }, other: { N: '1' } })).toBe(id({ k: { S: 'x' } }));
    expect(id({})).toEqual({ invalid: "key has no attribute 'k'" });
    expect(id(null)).toEqual({ invalid: 'key is not an object' });
    expect(id({ k: { L: [] } })).toEqual({ invalid: "key attribute 'k' is not of type S, N or B" });
  });

  it('groups requests by key, in order of first appearance', () => {
    const g = groupKeys(
      [{ key: { k: { N: '1' } } }, { key: { k: { N: '2' } } }, { key: { k: { N: '1.0' } } }, { key: { x: { S: '' } } }],
      ['k'],
    );
    expect(g.groups.map((x) => [x.json, x.members])).toEqual([
      ['{"k":{"N":"1"}}', [0, 2]],
      ['{"k":{"N":"2"}}', [1]],
    ]);
    expect(g.invalid).toEqual([{ index: 3, message: "key has no attribute 'k'" }]);
  });
});
