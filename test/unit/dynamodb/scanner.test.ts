/**
 * scanSegment and scanAll against the in-process fake DynamoDB (test/fixtures/ddb-read-fake.ts):
 * paging, resuming, parallel segments, retries and failures. Signing and transport are real.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Item } from '../../../src/mapping/attribute-value.js';
import type { ResponseInfo } from '../../../src/dynamodb/retry-loop.js';
import { scanAll, scanSegment, type ScanOptions, type ScanPage, type ScanSegmentOptions } from '../../../src/dynamodb/scanner.js';
import { ddbError, type SinkResponse } from '../../fixtures/ddb-sink.js';
import { startReadFakeWithClient, type FakeRequest, type ReadFake } from '../../fixtures/ddb-read-fake.js';
import type { DynamoDbHttpClient } from '../../../src/dynamodb/http-client.js';

const TABLE = 'events';
const N = 300;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const item = (i: number): Item => ({ pk: { S: `p${i % 13}` }, sk: { N: String(i) }, v: { S: `value ${i}` } });
const sk = (it: Item) => Number((it.sk as { N: string }).N);

interface Setup {
  fake: ReadFake;
  client: DynamoDbHttpClient;
  sleeps: number[];
  responses: ResponseInfo[];
  opts<O extends object>(o: O): O & ScanOptions;
}

async function setup(respond?: (r: FakeRequest) => SinkResponse | undefined | Promise<SinkResponse | undefined>): Promise<Setup> {
  const { fake, client, close } = await startReadFakeWithClient({ keyAttributes: ['pk', 'sk'], respond });
  cleanups.push(close);
  fake.put(TABLE, Array.from({ length: N }, (_, i) => item(i)));
  const sleeps: number[] = [];
  const responses: ResponseInfo[] = [];
  return {
    fake,
    client,
    sleeps,
    responses,
    opts: (o) => ({ random: () => 0.5, sleep: async (ms: number) => void sleeps.push(ms), onResponse: (info: ResponseInfo) => responses.push(info), ...o }),
  };
}

async function collect(s: Setup, options: ScanSegmentOptions, table = TABLE): Promise<ScanPage[]> {
  const pages: ScanPage[] = [];
  for await (const page of scanSegment(s.client, table, s.opts(options))) pages.push(page);
  return pages;
}

describe('scanSegment', () => {
  it('yields the pages of one segment until there is no LastEvaluatedKey', async () => {
    const s = await setup();
    const pages = await collect(s, { segment: 1, totalSegments: 4, pageLimit: 20, consistentRead: true });
    const mine = Array.from({ length: N }, (_, i) => i).filter((i) => s.fake.segmentOf(item(i), 4) === 1);
    expect(mine.length).toBeGreaterThan(40);
    expect(pages.flatMap((p) => p.items.map(sk)).sort((a, b) => a - b)).toEqual(mine);
    expect(pages.slice(0, -1).every((p) => p.items.length === 20 && p.lastEvaluatedKey !== undefined)).toBe(true);
    expect(pages.at(-1)?.lastEvaluatedKey).toBeUndefined();
    expect(s.fake.requests[0]?.body).toEqual({ TableName: TABLE, Segment: 1, TotalSegments: 4, Limit: 20, ConsistentRead: true });
    expect(s.fake.requests[1]?.body.ExclusiveStartKey).toEqual(pages[0]?.lastEvaluatedKey);
    expect(s.responses.map((r) => r.items)).toEqual(pages.map(() => 20));
  });

  it('yields an empty last page when the previous one ended exactly at the limit', async () => {
    const s = await setup();
    const pages = await collect(s, { segment: 0, totalSegments: 1, pageLimit: N / 3 });
    expect(pages.map((p) => [p.items.length, p.lastEvaluatedKey !== undefined])).toEqual([
      [100, true],
      [100, true],
      [100, true],
      [0, false],
    ]);
  });

  it('resumes after an exclusiveStartKey', async () => {
    const s = await setup();
    const [first] = await collect(s, { segment: 0, totalSegments: 2, pageLimit: 10 }).then((p) => p.slice(0, 1));
    const all = await collect(s, { segment: 0, totalSegments: 2 });
    const rest = await collect(s, { segment: 0, totalSegments: 2, exclusiveStartKey: first?.lastEvaluatedKey });
    expect([...(first?.items ?? []), ...rest.flatMap((p) => p.items)]).toEqual(all.flatMap((p) => p.items));
  });

  it('resends a page after throttles, 5xx and malformed answers, with capped exponential backoff', async () => {
    const answers: (SinkResponse | undefined)[] = [
      undefined,
      ddbError(400, 'ThrottlingException', 'slow down'),
      ddbError(503, 'ServiceUnavailable', 'try later'),
      { status: 200, body: '{"Count":3}' },
    ];
    const s = await setup((r) => answers[r.seq - 1]);
    const counters = { requests: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 };
    const pages = await collect(s, { segment: 0, totalSegments: 1, pageLimit: 200, baseBackoffMs: 100, maxBackoffMs: 120, counters });
    expect(pages.map((p) => p.items.length)).toEqual([200, 100]);
    expect(counters).toEqual({ requests: 5, throttledRequests: 1, unprocessedRetries: 0, retries: 3 });
    expect(s.sleeps).toEqual([50, 60, 60]);
    expect(s.fake.requests.slice(1).map((r) => r.body.ExclusiveStartKey)).toEqual(Array(4).fill(pages[0]?.lastEvaluatedKey));
  });

  it('throws once retries run out, naming the segment', async () => {
    const s = await setup((r) => (r.seq > 1 ? ddbError(500, 'InternalServerError', 'boom') : undefined));
    const pages: ScanPage[] = [];
    const scan = async () => {
      for await (const page of scanSegment(s.client, TABLE, s.opts({ segment: 2, totalSegments: 3, pageLimit: 5, maxRetries: 2 }))) pages.push(page);
    };
    await expect(scan()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: "DynamoDB (table 'events'): Scan segment 2 of 3: not read after 2 retries; last: InternalServerError: boom",
      context: { dynamodbCode: 'DYNAMODB_SERVER_ERROR', table: TABLE },
    });
    expect(pages).toHaveLength(1); // the caller keeps its resume point
    expect(s.fake.requests).toHaveLength(4);
  });

  it('throws for a missing table and for a request DynamoDB refuses, without retrying', async () => {
    const s = await setup();
    await expect(collect(s, { segment: 0, totalSegments: 1 }, 'nope')).rejects.toMatchObject({ code: 'DYNAMODB_SCHEMA' });
    await expect(collect(s, { segment: 0, totalSegments: 1, exclusiveStartKey: { pk: { S: 'x' } } })).rejects.toMatchObject({
      message: "DynamoDB (table 'events'): Scan segment 0 of 1: ValidationException: The provided starting key is invalid",
      context: { dynamodbCode: 'DYNAMODB_VALIDATION' },
    });
    expect(s.fake.requests).toHaveLength(2);
  });

  it('refuses bad segment numbers and limits before sending', async () => {
    const s = await setup();
    await expect(collect(s, { segment: 4, totalSegments: 4 })).rejects.toThrow(RangeError);
    await expect(collect(s, { segment: 0, totalSegments: 0 })).rejects.toThrow(RangeError);
    await expect(collect(s, { segment: 0.5, totalSegments: 2 })).rejects.toThrow(RangeError);
    await expect(collect(s, { segment: 0, totalSegments: 1, pageLimit: 0 })).rejects.toThrow(RangeError);
    expect(s.fake.requests).toHaveLength(0);
  });
});

describe('scanAll', () => {
  it('scans every segment concurrently, every item once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const s = await setup(async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return undefined;
    });
    const seen = new Map<number, number>();
    const segmentsOf = new Map<number, number>();
    const totals = await scanAll(
      s.client,
      TABLE,
      4,
      (page, segment) => {
        for (const it of page.items) {
          seen.set(sk(it), (seen.get(sk(it)) ?? 0) + 1);
          segmentsOf.set(sk(it), segment);
        }
      },
      s.opts({ pageLimit: 25 }),
    );
    expect(seen.size).toBe(N);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect([...segmentsOf].every(([i, seg]) => s.fake.segmentOf(item(i), 4) === seg)).toBe(true);
    expect(totals).toMatchObject({ items: N, requests: s.fake.requests.length, pages: s.fake.requests.length, retries: 0 });
    expect(maxInFlight).toBe(4);
  });

  it('stops the other segments and rethrows the first failure', async () => {
    const s = await setup((r) => (r.body.Segment === 2 && r.body.ExclusiveStartKey !== undefined ? ddbError(400, 'AccessDeniedException', 'no') : undefined));
    const pages: number[] = [];
    await expect(scanAll(s.client, TABLE, 3, (_p, segment) => void pages.push(segment), s.opts({ pageLimit: 5 }))).rejects.toMatchObject({ code: 'DYNAMODB_AUTH' });
    // every segment got at most a page or two past the failure, not the whole table
    expect(pages.length).toBeLessThan(N / 5 / 2);
  });

  it('rethrows a failure of onPage', async () => {
    const s = await setup();
    const boom = new Error('consumer failed');
    await expect(
      scanAll(s.client, TABLE, 2, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(s.fake.requests.length).toBeLessThanOrEqual(2);
  });
});
