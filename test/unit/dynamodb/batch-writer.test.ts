/**
 * BatchWriter retry, merge and bisection logic against the in-process fake DynamoDB HTTP
 * server (test/fixtures/ddb-sink.ts), with scripted failures. Signing and transport are real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Item } from '../../../src/mapping/attribute-value.js';
import { BatchWriter, type BatchEntry, type BatchWriterOptions, type ResponseInfo } from '../../../src/dynamodb/batch-writer.js';
import { DdbError, classifyNetworkError } from '../../../src/dynamodb/errors.js';
import { openDynamoDbHttpClient, type DynamoDbCaller, type DynamoDbHttpClient } from '../../../src/dynamodb/http-client.js';
import { ddbError, startSink, unprocessedResponse, type Sink, type SinkRequest, type SinkResponse } from '../../fixtures/ddb-sink.js';

const TABLE = 'users';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  sink: Sink;
  client: DynamoDbHttpClient;
  sent: SinkRequest[];
  sleeps: number[];
  responses: ResponseInfo[];
  hookCounts: number[];
  writer(options?: BatchWriterOptions, caller?: DynamoDbCaller): BatchWriter;
}

async function setup(respond?: (r: SinkRequest) => SinkResponse | undefined): Promise<Setup> {
  const sent: SinkRequest[] = [];
  const sink = await startSink({
    store: { keyAttributes: ['id'] },
    respond: (r) => {
      sent.push(r);
      return respond?.(r);
    },
  });
  const client = await openDynamoDbHttpClient({
    endpoint: sink.url,
    region: 'us-east-1',
    connections: 2,
    credentialProvider: async () => ({ accessKeyId: 'AK', secretAccessKey: 'SK' }),
  });
  cleanups.push(() => sink.close(), () => client.close());
  const sleeps: number[] = [];
  const responses: ResponseInfo[] = [];
  const hookCounts: number[] = [];
  return {
    sink,
    client,
    sent,
    sleeps,
    responses,
    hookCounts,
    writer: (options = {}, caller = client) =>
      new BatchWriter(caller, {
        random: () => 0.5,
        sleep: async (ms) => void sleeps.push(ms),
        onResponse: (info) => responses.push(info),
        beforeRequest: (n) => void hookCounts.push(n),
        ...options,
      }),
  };
}

const item = (i: number, extra: Item = {}): Item => ({
  id: { S: `u${i}` },
  age: { N: String(20 + i) },
  tags: { SS: ['a', 'b'] },
  prefs: { M: { theme: { S: 'dark' }, n: { N: String(i) } } },
  ...extra,
});
const entries = (n: number, extra: (i: number) => Item = () => ({})): BatchEntry<number>[] =>
  Array.from({ length: n }, (_, i) => ({ key: `u${i}`, item: item(i, extra(i)), ref: i }));
const isBad = (it: Record<string, unknown>) => (it.bad as { BOOL?: boolean } | undefined)?.BOOL === true;
const ids = (r: SinkRequest) => r.items.map((it) => (it.id as { S: string }).S);

describe('BatchWriter', () => {
  it('writes a full batch in one signed request', async () => {
    const s = await setup();
    const out = await s.writer().writeBatch(TABLE, entries(25));
    expect(out).toEqual({ written: 25, merged: 0, failed: [], requests: 1, throttledRequests: 0, unprocessedRetries: 0, retries: 0 });
    expect(s.sink.stats).toMatchObject({ requests: 1, items: 25, unsigned: 0 });
    expect(s.sink.tables.get(TABLE)?.get('[{"S":"u7"}]')).toEqual(item(7));
    expect(s.hookCounts).toEqual([25]);
    expect(s.responses).toHaveLength(1);
    expect(s.responses[0]).toMatchObject({ items: 25, unprocessed: 0, throttled: false, status: 200 });
    expect(s.responses[0]?.latencyMicros).toBeGreaterThan(0);
  });

  it('merges entries with the same key, the last one winning', async () => {
    const s = await setup();
    const batch: BatchEntry<string>[] = [
      { key: 'a', item: { id: { S: 'a' }, v: { N: '1' } }, ref: 'a1' },
      { key: 'b', item: { id: { S: 'b' }, v: { N: '1' } }, ref: 'b1' },
      { key: 'a', item: { id: { S: 'a' }, v: { N: '2' } }, ref: 'a2' },
      { key: 'a', item: { id: { S: 'a' }, v: { N: '3' } }, ref: 'a3' },
    ];
    const out = await s.writer().writeBatch(TABLE, batch);
    expect(out).toMatchObject({ written: 2, merged: 2, failed: [], requests: 1 });
    expect(s.sent[0]?.items).toHaveLength(2);
    expect(s.sink.tables.get(TABLE)?.get('[{"S":"a"}]')).toEqual({ id: { S: 'a' }, v: { N: '3' } });
  });

  it('bisects a rejected batch so only the bad items fail, with the server message', async () => {
    const s = await setup((r) =>
      r.items.some(isBad) ? ddbError(400, 'ValidationException', 'One or more parameter values were invalid: bad item') : undefined,
    );
    const bad = new Set([3, 17]);
    const out = await s.writer().writeBatch(TABLE, entries(25, (i): Item => (bad.has(i) ? { bad: { BOOL: true } } : {})));
    expect(out.written).toBe(23);
    expect(out.failed).toEqual(
      [3, 17].map((ref) => ({ ref, code: 'DYNAMODB_VALIDATION', message: 'ValidationException: One or more parameter values were invalid: bad item' })),
    );
    expect(out.written + out.merged + out.failed.length).toBe(25);
    expect([...(s.sink.tables.get(TABLE)?.keys() ?? [])].sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => i).filter((i) => !bad.has(i)).map((i) => `[{"S":"u${i}"}]`).sort(),
    );
    expect(out.retries).toBe(0);
    expect(s.sleeps).toEqual([]); // bisection does not back off
    // 25 → 12 + 13 → ... : one request per node of the bisection tree that was visited
    expect(out.requests).toBe(s.sent.length);
    expect(out.requests).toBeLessThanOrEqual(2 * 2 * Math.ceil(Math.log2(25)) + 1);
    expect(s.hookCounts).toHaveLength(out.requests);
  });

  it('fails a batch of one rejected item without bisecting further', async () => {
    const s = await setup(() => ddbError(400, 'ValidationException', 'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value.'));
    const out = await s.writer().writeBatch(TABLE, [{ key: '', item: { id: { S: '' } }, ref: 'empty' }]);
    expect(out).toMatchObject({ written: 0, requests: 1 });
    expect(out.failed).toEqual([{ ref: 'empty', code: 'DYNAMODB_VALIDATION', message: expect.stringMatching(/^ValidationException: .*empty string value\.$/) as unknown }]);
  });

  it('resends only UnprocessedItems, with backoff, and counts them as throttles', async () => {
    const s = await setup((r) => {
      if (r.seq !== 1) return undefined;
      // the last 5, attributes in another order, as DynamoDB may send them back
      const back = r.items.slice(20).map((it) => Object.fromEntries(Object.entries(it).reverse()));
      return unprocessedResponse(TABLE, back);
    });
    const out = await s.writer().writeBatch(TABLE, entries(25));
    expect(out).toEqual({ written: 25, merged: 0, failed: [], requests: 2, throttledRequests: 1, unprocessedRetries: 1, retries: 0 });
    expect(ids(s.sent[1] as SinkRequest)).toEqual(['u20', 'u21', 'u22', 'u23', 'u24']);
    expect(s.responses.map((r) => [r.unprocessed, r.throttled])).toEqual([
      [5, true],
      [0, false],
    ]);
    expect(s.sleeps).toEqual([25]); // full jitter: 0.5 × 50 ms
    expect(s.sink.stats.items).toBe(5); // only normal answers count; the first one was scripted
  });

  it('resends everything when an unprocessed item cannot be matched (puts are idempotent)', async () => {
    const s = await setup((r) => (r.seq === 1 ? unprocessedResponse(TABLE, [{ id: { S: 'stranger' } }]) : undefined));
    const out = await s.writer().writeBatch(TABLE, entries(4));
    expect(out).toMatchObject({ written: 4, failed: [], requests: 2, unprocessedRetries: 1 });
    expect(ids(s.sent[1] as SinkRequest)).toEqual(['u0', 'u1', 'u2', 'u3']);
  });

  it('retries whole-batch throttles and 5xx with capped exponential backoff', async () => {
    const answers = [
      ddbError(400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.'),
      ddbError(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'),
      ddbError(500, 'InternalServerError', 'Internal server error'),
      { status: 503, body: '' },
    ];
    const s = await setup((r) => answers[r.seq - 1]);
    const out = await s.writer({ baseBackoffMs: 100, maxBackoffMs: 300 }).writeBatch(TABLE, entries(10));
    expect(out).toEqual({ written: 10, merged: 0, failed: [], requests: 5, throttledRequests: 2, unprocessedRetries: 0, retries: 4 });
    expect(s.sleeps).toEqual([50, 100, 150, 150]);
    expect(s.responses.map((r) => [r.status, r.throttled])).toEqual([
      [400, true],
      [400, true],
      [500, false],
      [503, false],
      [200, false],
    ]);
  });

  it('gives up after maxRetries with RETRIES_EXHAUSTED and the last error', async () => {
    const s = await setup(() => ddbError(400, 'RequestLimitExceeded', 'Throughput exceeds the current throughput limit for your account.'));
    const out = await s.writer({ maxRetries: 3 }).writeBatch(TABLE, entries(3));
    expect(out).toMatchObject({ written: 0, requests: 4, retries: 3, throttledRequests: 4 });
    expect(out.failed).toEqual(
      [0, 1, 2].map((ref) => ({
        ref,
        code: 'RETRIES_EXHAUSTED',
        message: 'not written after 3 retries; last: RequestLimitExceeded: Throughput exceeds the current throughput limit for your account.',
      })),
    );
  });

  it('gives up on items that stay unprocessed, keeping those that got written', async () => {
    const s = await setup((r) => unprocessedResponse(TABLE, r.items.filter((it) => (it.id as { S: string }).S === 'u1')));
    const out = await s.writer({ maxRetries: 2 }).writeBatch(TABLE, entries(3));
    expect(out).toMatchObject({ written: 2, requests: 3, unprocessedRetries: 2, throttledRequests: 3 });
    expect(out.failed).toEqual([{ ref: 1, code: 'RETRIES_EXHAUSTED', message: 'not written after 2 retries; last: UnprocessedItems' }]);
  });

  it('retries network errors and malformed 200 answers', async () => {
    const s = await setup((r) => (r.seq === 1 ? { status: 200, body: '<html>' } : undefined));
    let calls = 0;
    const flaky: DynamoDbCaller = {
      call: (op, body) => {
        if (++calls === 1) {
          return Promise.reject(new DdbError(classifyNetworkError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), s.sink.url)));
        }
        return s.client.call(op, body);
      },
    };
    const out = await s.writer({}, flaky).writeBatch(TABLE, entries(5));
    expect(out).toMatchObject({ written: 5, failed: [], requests: 3, retries: 2 });
    expect(s.responses.map((r) => r.status)).toEqual([0, 200, 200]);
  });

  it('throws a fatal plain error for a missing table or bad credentials', async () => {
    const s = await setup((r) =>
      r.table === 'missing'
        ? ddbError(400, 'ResourceNotFoundException', 'Requested resource not found')
        : ddbError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
    );
    await expect(s.writer().writeBatch('missing', entries(2))).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      retryable: false,
      message: "DynamoDB (table 'missing'): ResourceNotFoundException: Requested resource not found",
    });
    await expect(s.writer().writeBatch(TABLE, entries(2))).rejects.toMatchObject({ code: 'DYNAMODB_AUTH' });
    expect(s.sent).toHaveLength(2); // no retries, no bisection
  });

  it('throws when its client has been closed', async () => {
    const s = await setup();
    await s.client.close();
    await expect(s.writer().writeBatch(TABLE, entries(1))).rejects.toMatchObject({ code: 'INTERNAL', context: { dynamodbCode: 'DYNAMODB_CLIENT_CLOSED' } });
  });

  it('awaits beforeRequest before every request', async () => {
    const s = await setup((r) => (r.seq === 1 ? ddbError(400, 'ThrottlingException', 'slow') : undefined));
    const order: string[] = [];
    const writer = s.writer({
      beforeRequest: async (n) => {
        order.push(`wait ${n}`);
        await new Promise((r) => setTimeout(r, 5));
        order.push(`go ${s.sink.stats.requests}`);
      },
    });
    await writer.writeBatch(TABLE, entries(7));
    expect(order).toEqual(['wait 7', 'go 0', 'wait 7', 'go 1']);
  });

  it('sends nothing for an empty batch and refuses more than 25 entries', async () => {
    const s = await setup();
    expect(await s.writer().writeBatch(TABLE, [])).toMatchObject({ written: 0, requests: 0 });
    await expect(s.writer().writeBatch(TABLE, entries(26))).rejects.toThrow(RangeError);
    expect(s.sink.stats.requests).toBe(0);
  });

  it('splits a body over 16 MB before sending', async () => {
    const s = await setup();
    const big = 'x'.repeat(1024 * 1024); // 25 × 1 MB items: each too big for DynamoDB, but the split comes first
    const out = await s.writer().writeBatch(TABLE, entries(25, () => ({ blob: { S: big } })));
    expect(out.written).toBe(25);
    expect(s.sent.map((r) => r.items.length)).toEqual([12, 13]);
  });
});
