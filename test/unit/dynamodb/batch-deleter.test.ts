/**
 * BatchDeleter against the in-process fake DynamoDB (test/fixtures/ddb-read-fake.ts): grouping,
 * UnprocessedItems, retries, bisection and fatal failures. Signing and transport are real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Item } from '../../../src/mapping/attribute-value.js';
import { BatchDeleter, type BatchDeleterOptions, type DeleteEntry } from '../../../src/dynamodb/batch-deleter.js';
import type { DynamoDbHttpClient } from '../../../src/dynamodb/http-client.js';
import type { ResponseInfo } from '../../../src/dynamodb/retry-loop.js';
import { ddbError, type SinkResponse } from '../../fixtures/ddb-sink.js';
import { startReadFakeWithClient, unprocessedDeletes, type FakeRequest, type ReadFake } from '../../fixtures/ddb-read-fake.js';

const TABLE = 'events';
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
  deleter(options?: BatchDeleterOptions): BatchDeleter;
  left(): number[];
}

async function setup(respond?: (r: FakeRequest) => SinkResponse | undefined): Promise<Setup> {
  const { fake, client, close } = await startReadFakeWithClient({ keyAttributes: ['pk', 'sk'], respond });
  cleanups.push(close);
  fake.put(TABLE, Array.from({ length: 50 }, (_, i) => item(i)));
  const sleeps: number[] = [];
  const responses: ResponseInfo[] = [];
  const hookCounts: number[] = [];
  return {
    fake,
    client,
    sleeps,
    responses,
    hookCounts,
    deleter: (options = {}) =>
      new BatchDeleter(client, {
        keyAttributes: ['pk', 'sk'],
        random: () => 0.5,
        sleep: async (ms) => void sleeps.push(ms),
        onResponse: (info) => responses.push(info),
        beforeRequest: (n) => void hookCounts.push(n),
        ...options,
      }),
    left: () => [...(fake.tables.get(TABLE)?.values() ?? [])].map((it) => Number((it.sk as { N: string }).N)).sort((a, b) => a - b),
  };
}

const item = (i: number): Item => ({ pk: { S: `p${i % 3}` }, sk: { N: String(i) }, v: { S: `value ${i}` } });
const key = (i: number): Item => ({ pk: { S: `p${i % 3}` }, sk: { N: String(i) } });
const entries = (ids: readonly number[]): DeleteEntry<number>[] => ids.map((i) => ({ key: key(i), ref: i }));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const sks = (r: FakeRequest) => r.keys.map((k) => Number((k.sk as { N: string }).N));

describe('BatchDeleter', () => {
  it('deletes 25 keys in one request, sending only key attributes', async () => {
    const s = await setup();
    const out = await s.deleter().deleteBatch(TABLE, [...entries(range(0, 24)), { key: item(24), ref: 24 }]);
    expect(out).toEqual({ deleted: 25, failed: [], requests: 1, throttledRequests: 0, unprocessedRetries: 0, retries: 0 });
    expect(s.left()).toEqual(range(25, 25));
    expect(s.fake.requests[0]?.keys[24]).toEqual(key(24));
    expect(s.hookCounts).toEqual([25]);
    expect(s.responses).toEqual([{ latencyMicros: expect.any(Number) as unknown, items: 25, unprocessed: 0, throttled: false, status: 200 }]);
  });

  it('sends each key once; every ref naming it counts as deleted', async () => {
    const s = await setup();
    const out = await s.deleter().deleteBatch(TABLE, [
      { key: key(1), ref: 'a' },
      { key: { pk: { S: 'p1' }, sk: { N: '1.0' } }, ref: 'b' },
      { key: key(2), ref: 'c' },
      { key: key(1), ref: 'd' },
    ]);
    expect(out).toMatchObject({ deleted: 4, failed: [], requests: 1 });
    expect(sks(s.fake.requests[0] as FakeRequest)).toEqual([1, 2]);
  });

  it('resends only UnprocessedItems, however DynamoDB spells their keys', async () => {
    const s = await setup((r) => (r.seq === 1 ? unprocessedDeletes(TABLE, [{ sk: { N: '3.0' }, pk: { S: 'p0' } }, key(7)]) : undefined));
    const out = await s.deleter().deleteBatch(TABLE, entries(range(0, 10)));
    expect(out).toEqual({ deleted: 10, failed: [], requests: 2, throttledRequests: 1, unprocessedRetries: 1, retries: 0 });
    expect(sks(s.fake.requests[1] as FakeRequest)).toEqual([3, 7]);
    expect(s.sleeps).toEqual([25]);
    expect(s.left()).toEqual([...range(0, 3), ...range(4, 3), ...range(8, 42)]); // the first answer was scripted: nothing deleted then
  });

  it('resends the whole batch when an unprocessed key cannot be placed (deletes are idempotent)', async () => {
    const s = await setup((r) => (r.seq === 1 ? unprocessedDeletes(TABLE, [{ pk: { S: 'stranger' }, sk: { N: '0' } }]) : undefined));
    const out = await s.deleter().deleteBatch(TABLE, entries([1, 2]));
    expect(out).toMatchObject({ deleted: 2, requests: 2, unprocessedRetries: 1 });
    expect(sks(s.fake.requests[1] as FakeRequest)).toEqual([1, 2]);
  });

  it('retries throttles and 5xx, then fails keys with RETRIES_EXHAUSTED', async () => {
    const s = await setup((r) => (r.seq <= 4 ? ddbError(400, 'ProvisionedThroughputExceededException', 'too fast') : undefined));
    const out = await s.deleter({ maxRetries: 3 }).deleteBatch(TABLE, entries([1, 2, 1]));
    const message = 'not deleted after 3 retries; last: ProvisionedThroughputExceededException: too fast';
    expect(out).toEqual({ deleted: 0, failed: [1, 1, 2].map((ref) => ({ ref, code: 'RETRIES_EXHAUSTED', message })), requests: 4, throttledRequests: 4, unprocessedRetries: 0, retries: 3 });
    expect(s.sleeps).toEqual([25, 50, 100]);
    expect(s.left()).toHaveLength(50);
  });

  it('fails only the keys that stay unprocessed', async () => {
    const s = await setup((r) => unprocessedDeletes(TABLE, r.keys.filter((k) => (k.sk as { N: string }).N === '2')));
    const out = await s.deleter({ maxRetries: 2 }).deleteBatch(TABLE, entries([1, 2, 3]));
    expect(out).toMatchObject({ deleted: 2, requests: 3, unprocessedRetries: 2, throttledRequests: 3 });
    expect(out.failed).toEqual([{ ref: 2, code: 'RETRIES_EXHAUSTED', message: 'not deleted after 2 retries; last: UnprocessedItems' }]);
  });

  it('bisects a refused batch down to the bad key; keys it cannot send fail without a request', async () => {
    const s = await setup((r) => (r.keys.some((k) => 'N' in (k.pk as object)) ? ddbError(400, 'ValidationException', 'The provided key element does not match the schema') : undefined));
    const out = await s.deleter().deleteBatch<string>(TABLE, [
      ...range(0, 20).map((i) => ({ key: key(i), ref: `k${i}` })),
      { key: { pk: { N: '1' }, sk: { N: '1' } }, ref: 'wrong type' },
      { key: { sk: { N: '1' } }, ref: 'no hash key' },
    ]);
    expect(out.deleted).toBe(20);
    expect(out.failed).toEqual([
      { ref: 'no hash key', code: 'DYNAMODB_VALIDATION', message: "key has no attribute 'pk'" },
      { ref: 'wrong type', code: 'DYNAMODB_VALIDATION', message: 'ValidationException: The provided key element does not match the schema' },
    ]);
    expect(s.left()).toEqual(range(20, 30));
    expect(out.requests).toBe(s.fake.requests.length);
    expect(out.retries).toBe(0);
  });

  it('throws a fatal ToolError for a missing table or bad credentials', async () => {
    const s = await setup((r) => (r.table === 'nope' ? undefined : ddbError(403, 'AccessDeniedException', 'not allowed')));
    await expect(s.deleter().deleteBatch('nope', entries([1]))).rejects.toMatchObject({ code: 'DYNAMODB_SCHEMA' });
    await expect(s.deleter().deleteBatch(TABLE, entries([1]))).rejects.toMatchObject({ code: 'DYNAMODB_AUTH' });
    expect(s.fake.requests).toHaveLength(2);
  });

  it('sends nothing for an empty batch; refuses more than 25 keys or no key attribute names', async () => {
    const s = await setup();
    expect(await s.deleter().deleteBatch(TABLE, [])).toMatchObject({ deleted: 0, requests: 0 });
    await expect(s.deleter().deleteBatch(TABLE, entries(range(0, 26)))).rejects.toThrow(RangeError);
    await expect(s.deleter({ keyAttributes: undefined }).deleteBatch(TABLE, entries([1]))).rejects.toThrow(/needs keyAttributes/);
    expect(s.fake.requests).toHaveLength(0);
  });
});
