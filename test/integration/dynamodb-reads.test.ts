/**
 * The lean read path against the real DynamoDB Local: put 500 items with the AWS SDK, read them
 * back with BatchReader (100 keys a request, missing keys, duplicate keys, numbers spelled
 * differently), scan them with 4 parallel segments, delete 100 with BatchDeleter, drop the table.
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, PutItemCommand, type AttributeValue as SdkAttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeValue, Item } from '../../src/mapping/attribute-value.js';
import { BatchDeleter } from '../../src/dynamodb/batch-deleter.js';
import { BatchReader, type KeyRequest } from '../../src/dynamodb/batch-reader.js';
import { createDynamoDbClient } from '../../src/dynamodb/credentials.js';
import { openDynamoDbHttpClient, type DynamoDbHttpClient } from '../../src/dynamodb/http-client.js';
import { scanAll, scanSegment, type ScanPage } from '../../src/dynamodb/scanner.js';
import { TableAdmin } from '../../src/dynamodb/table-admin.js';

const ENDPOINT = `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
const TABLE = `cass2ddb_it_reads_${Date.now()}_${randomUUID().slice(0, 8)}`;
const KEY_ATTRIBUTES = ['pk', 'sk'];
const COUNT = 500;

let http: DynamoDbHttpClient;
let sdk: DynamoDBClient;

beforeAll(async () => {
  http = await openDynamoDbHttpClient({ endpoint: ENDPOINT, connections: 8 });
  sdk = createDynamoDbClient(http.endpoint, http.credentials);
  await new TableAdmin(sdk).createTable(TABLE, { hashKey: { name: 'pk', type: 'S' }, rangeKey: { name: 'sk', type: 'N' } });
  await putItems(sdk, TABLE, items);
});

afterAll(async () => {
  await sdk?.send(new DeleteTableCommand({ TableName: TABLE })).catch(() => undefined);
  sdk?.destroy();
  await http?.close();
});

const b64 = (...bytes: number[]) => Buffer.from(bytes).toString('base64');

/** Numbers in DynamoDB's canonical form, sets sorted, so items come back as written (modulo set order). */
function makeItem(i: number): Item {
  return {
    pk: { S: `user#${i % 23}` },
    sk: { N: i % 10 === 0 ? `${i}.5` : String(i) },
    name: { S: i % 11 === 0 ? `Zoë ☃ 𝄞 "quoted" ${i}` : `name ${i}` },
    age: { N: String(18 + (i % 60)) },
    active: { BOOL: i % 2 === 0 },
    blob: { B: b64(i & 0xff, 0, 255) },
    tags: { SS: ['alpha', `t${i % 7}`].sort() },
    prefs: { M: { theme: { S: i % 3 === 0 ? 'dark' : 'light' }, limits: { L: [{ N: '10' }, { NULL: true }] } } },
  };
}
const keyOf = (item: Item): Item => ({ pk: item.pk as AttributeValue, sk: item.sk as AttributeValue });
const id = (item: Item) => `${(item.pk as { S: string }).S}|${(item.sk as { N: string }).N}`;
const items = Array.from({ length: COUNT }, (_, i) => makeItem(i));

function toSdk(av: AttributeValue): SdkAttributeValue {
  if ('B' in av) return { B: Buffer.from(av.B, 'base64') };
  if ('L' in av) return { L: av.L.map(toSdk) };
  if ('M' in av) return { M: Object.fromEntries(Object.entries(av.M).map(([k, v]) => [k, toSdk(v)])) };
  return av as SdkAttributeValue;
}

/** The fixture: every item put with the AWS SDK (not the code under test), 25 at a time. */
async function putItems(client: DynamoDBClient, table: string, all: readonly Item[]): Promise<void> {
  for (let i = 0; i < all.length; i += 25) {
    await Promise.all(
      all.slice(i, i + 25).map((item) => client.send(new PutItemCommand({ TableName: table, Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toSdk(v)])) }))),
    );
  }
}

/** Sets come back in DynamoDB's own order. */
function sortSets(item: Item | undefined): Item | undefined {
  if (item === undefined) return undefined;
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, 'SS' in v ? { SS: [...v.SS].sort() } : v]));
}

describe('the lean read path against DynamoDB Local', () => {
  it('reads every item back with BatchReader, 100 keys a request', async () => {
    const reader = new BatchReader(http, { keyAttributes: KEY_ATTRIBUTES });
    const outcomes = await Promise.all(
      Array.from({ length: COUNT / 100 }, (_, c) => reader.getItems(TABLE, items.slice(c * 100, c * 100 + 100).map((item, j) => ({ key: keyOf(item), ref: c * 100 + j })))),
    );
    for (const out of outcomes) {
      expect(out.failed).toEqual([]);
      expect(out.found).toHaveLength(100);
      expect(out.requests).toBe(1 + out.unprocessedRetries + out.retries);
      for (const { ref, item } of out.found) expect(sortSets(item), String(ref)).toEqual(items[ref]);
    }
  });

  it('answers missing keys with undefined, duplicate keys once for all, numbers however spelled', async () => {
    const reader = new BatchReader(http, { keyAttributes: KEY_ATTRIBUTES, consistentRead: true });
    const keys: KeyRequest<string>[] = [];
    for (let i = 0; i < 60; i++) keys.push({ key: keyOf(items[i * 7] as Item), ref: `found ${i * 7}` });
    for (let i = 0; i < 20; i++) keys.push({ key: { pk: { S: `user#${i}` }, sk: { N: String(100_000 + i) } }, ref: `missing ${i}` });
    for (let i = 0; i < 10; i++) keys.push({ key: keyOf(items[i * 7] as Item), ref: `again ${i * 7}` });
    // whole items as keys, numbers spelled otherwise: 30 → "30.50", 31 → "3.1E1"
    keys.push({ key: { ...(items[30] as Item), sk: { N: '30.50' } }, ref: 'spelled 30' });
    keys.push({ key: { ...(items[31] as Item), sk: { N: '3.1E1' } }, ref: 'spelled 31' });
    keys.push({ key: { pk: { S: 'user#9' }, sk: { N: '31' } }, ref: 'missing wrong hash' }); // 31 lives under user#8
    const out = await reader.getItems(TABLE, keys);

    expect(out.failed).toEqual([]);
    expect(out.found.map((f) => f.ref)).toEqual(keys.map((k) => k.ref));
    const byRef = new Map(out.found.map((f) => [f.ref, sortSets(f.item)]));
    for (let i = 0; i < 60; i++) expect(byRef.get(`found ${i * 7}`)).toEqual(items[i * 7]);
    for (let i = 0; i < 20; i++) expect(byRef.get(`missing ${i}`)).toBeUndefined();
    for (let i = 0; i < 10; i++) expect(byRef.get(`again ${i * 7}`)).toEqual(items[i * 7]);
    expect(byRef.get('spelled 30')).toEqual(items[30]);
    expect(byRef.get('spelled 31')).toEqual(items[31]);
    expect(byRef.has('missing wrong hash')).toBe(true);
    expect(byRef.get('missing wrong hash')).toBeUndefined();
  });

  it('fails a key of the wrong type alone, and throws for a missing table', async () => {
    const reader = new BatchReader(http, { keyAttributes: KEY_ATTRIBUTES });
    const out = await reader.getItems(TABLE, [
      { key: keyOf(items[1] as Item), ref: 1 },
      { key: { pk: { N: '1' }, sk: { N: '1' } }, ref: 2 },
      { key: keyOf(items[3] as Item), ref: 3 },
    ]);
    expect(out.found.map((f) => [f.ref, sortSets(f.item)])).toEqual([
      [1, items[1]],
      [3, items[3]],
    ]);
    expect(out.failed).toEqual([{ ref: 2, code: 'DYNAMODB_VALIDATION', message: expect.stringMatching(/^ValidationException: /) as unknown }]);
    await expect(reader.getItems(`${TABLE}_missing`, [{ key: keyOf(items[1] as Item), ref: 1 }])).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      context: { dynamodbCode: 'DYNAMODB_TABLE_NOT_FOUND' },
    });
  });

  it('scans with 4 parallel segments, seeing every item exactly once', async () => {
    const seen = new Map<string, number>();
    const perSegment = [0, 0, 0, 0];
    const totals = await scanAll(
      http,
      TABLE,
      4,
      (page: ScanPage, segment) => {
        perSegment[segment] = (perSegment[segment] ?? 0) + page.items.length;
        for (const item of page.items) {
          seen.set(id(item), (seen.get(id(item)) ?? 0) + 1);
          expect(sortSets(item)).toEqual(items[Number((item.sk as { N: string }).N.replace('.5', ''))]);
        }
      },
      { pageLimit: 37, consistentRead: true },
    );
    expect(seen.size).toBe(COUNT);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(totals.items).toBe(COUNT);
    expect(totals.pages).toBe(totals.requests);
    expect(perSegment.filter((n) => n > 0).length).toBeGreaterThan(1); // the segments did split the table
  });

  it('resumes a segment from a page’s lastEvaluatedKey', async () => {
    const all: Item[] = [];
    let resumeAt: Item | undefined;
    for await (const page of scanSegment(http, TABLE, { segment: 0, totalSegments: 1, pageLimit: 50 })) {
      all.push(...page.items);
      if (resumeAt === undefined) resumeAt = page.lastEvaluatedKey;
    }
    const rest: Item[] = [];
    for await (const page of scanSegment(http, TABLE, { segment: 0, totalSegments: 1, exclusiveStartKey: resumeAt })) rest.push(...page.items);
    expect(all).toHaveLength(COUNT);
    expect(rest.map(id)).toEqual(all.slice(50).map(id));
  });

  it('deletes 100 items with BatchDeleter; they are gone, the others stay', async () => {
    const deleter = new BatchDeleter(http, { keyAttributes: KEY_ATTRIBUTES });
    const doomed = items.filter((_, i) => i % 5 === 0); // 100
    const outcomes = await Promise.all(
      Array.from({ length: doomed.length / 25 }, (_, c) =>
        deleter.deleteBatch(
          TABLE,
          doomed.slice(c * 25, c * 25 + 25).map((item) => ({ key: item, ref: id(item) })),
        ),
      ),
    );
    expect(outcomes.reduce((n, o) => n + o.deleted, 0)).toBe(100);
    expect(outcomes.flatMap((o) => o.failed)).toEqual([]);

    const reader = new BatchReader(http, { keyAttributes: KEY_ATTRIBUTES, consistentRead: true });
    const gone = await reader.getItems(TABLE, doomed.map((item) => ({ key: keyOf(item), ref: id(item) })));
    expect(gone.failed).toEqual([]);
    expect(gone.found.every((f) => f.item === undefined)).toBe(true);

    let left = 0;
    await scanAll(http, TABLE, 4, (page) => {
      left += page.items.length;
      for (const item of page.items) expect(Number((item.sk as { N: string }).N.replace('.5', '')) % 5).not.toBe(0);
    });
    expect(left).toBe(COUNT - 100);
  });
});
