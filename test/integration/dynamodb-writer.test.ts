/**
 * The lean write path against the real DynamoDB Local: create a table, write a few hundred
 * items of every type through BatchWriter (duplicates, an oversized item, an empty key), read
 * them back with the AWS SDK and compare exactly; key schema describe / compare / create.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteTableCommand,
  GetItemCommand,
  paginateScan,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeValue, Item } from '../../src/mapping/attribute-value.js';
import { BatchWriter, type BatchEntry, type BatchOutcome } from '../../src/dynamodb/batch-writer.js';
import { createDynamoDbClient } from '../../src/dynamodb/credentials.js';
import { openDynamoDbHttpClient, type DynamoDbHttpClient } from '../../src/dynamodb/http-client.js';
import { TableAdmin, compareKeySchema, type KeySchema } from '../../src/dynamodb/table-admin.js';

const ENDPOINT = `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
const TABLE = `cass2ddb_it_writer_${Date.now()}_${randomUUID().slice(0, 8)}`;
const KEYS: KeySchema = { hashKey: { name: 'pk', type: 'S' }, rangeKey: { name: 'sk', type: 'N' } };

let http: DynamoDbHttpClient;
let sdk: DynamoDBClient;
let admin: TableAdmin;

beforeAll(async () => {
  http = await openDynamoDbHttpClient({ endpoint: ENDPOINT, connections: 4 });
  sdk = createDynamoDbClient(http.endpoint, http.credentials);
  admin = new TableAdmin(sdk);
});

afterAll(async () => {
  await sdk?.send(new DeleteTableCommand({ TableName: TABLE })).catch(() => undefined);
  sdk?.destroy();
  await http?.close();
});

/** SDK values (Uint8Array for binaries) back to the wire JSON the writer sent. */
function toWire(av: SdkAttributeValue): AttributeValue {
  if (av.S !== undefined) return { S: av.S };
  if (av.N !== undefined) return { N: av.N };
  if (av.B !== undefined) return { B: Buffer.from(av.B).toString('base64') };
  if (av.BOOL !== undefined) return { BOOL: av.BOOL };
  if (av.NULL !== undefined) return { NULL: true };
  if (av.L !== undefined) return { L: av.L.map(toWire) };
  if (av.M !== undefined) return { M: itemToWire(av.M) };
  // Sets come back in DynamoDB's order; the writer's sets are sorted, so sort to compare.
  if (av.SS !== undefined) return { SS: [...av.SS].sort() };
  if (av.NS !== undefined) return { NS: [...av.NS].sort() };
  if (av.BS !== undefined) return { BS: av.BS.map((b) => Buffer.from(b).toString('base64')).sort() };
  throw new Error(`unexpected attribute value ${JSON.stringify(av)}`);
}
const itemToWire = (m: Record<string, SdkAttributeValue>): Item => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, toWire(v)]));

const b64 = (...bytes: number[]) => Buffer.from(bytes).toString('base64');

/** Assorted types, numbers already in DynamoDB's canonical form so they come back unchanged. */
function makeItem(i: number): Item {
  const item: Record<string, AttributeValue> = {
    pk: { S: `user#${i % 37}` },
    sk: { N: String(i) },
    name: { S: i % 11 === 0 ? `Zoë ☃ 𝄞 "quoted" \\ ${i}` : `name ${i}` },
    email: { S: `user${i}@example.com` },
    age: { N: String(18 + (i % 60)) },
    balance: { N: i % 5 === 0 ? '-12345678901234567890.123456789012345678' : `${i}.25` },
    big: { N: '99999999999999999999999999999999999999' },
    active: { BOOL: i % 2 === 0 },
    blob: { B: b64(i & 0xff, 0, 255, 128) },
    empty_text: { S: '' },
    tags: { SS: ['alpha', 'beta', `t${i % 7}`].sort() },
    scores: { NS: ['1', '2.5', String(100 + i)].sort() },
    hashes: { BS: [b64(1, 2, 3), b64(i & 0xff)].sort() },
    history: { L: [{ S: 'created' }, { N: String(i) }, { NULL: true }, { L: [{ BOOL: false }] }, { M: { at: { S: '2024-01-01T00:00:00.000Z' } } }] },
    prefs: { M: { theme: { S: i % 3 === 0 ? 'dark' : 'light' }, notify: { BOOL: true }, limits: { M: { daily: { N: '10' } } }, tags: { SS: ['x'] } } },
  };
  if (i % 4 === 0) item.nothing = { NULL: true };
  return item;
}

const keyOf = (item: Item) => `${(item.pk as { S: string }).S}|${(item.sk as { N: string }).N}`;

describe('DynamoDB table admin (DynamoDB Local)', () => {
  it('describes nothing for a missing table, creates it on demand, then describes and compares it', async () => {
    expect(await admin.describeKeySchema(TABLE)).toBeUndefined();
    await admin.createTable(TABLE, KEYS, { onDemand: true });
    const actual = await admin.describeKeySchema(TABLE);
    expect(actual).toEqual(KEYS);
    expect(compareKeySchema(KEYS, actual as KeySchema)).toBeUndefined();
    expect(compareKeySchema({ hashKey: { name: 'pk', type: 'S' } }, actual as KeySchema)).toBe('sort key is sk (N), expected none');
    await expect(admin.createTable(TABLE, KEYS)).rejects.toMatchObject({ code: 'DYNAMODB_SCHEMA', message: expect.stringContaining('ResourceInUseException') as unknown });
  });
});

describe('BatchWriter against DynamoDB Local', () => {
  const expected = new Map<string, Item>();
  const outcomes: BatchOutcome<number>[] = [];
  const oversizedRef = 1_000_000;
  const emptyKeyRef = 2_000_000;

  it('writes a few hundred items, merging duplicates and isolating the bad ones', async () => {
    const writer = new BatchWriter(http, { maxRetries: 5 });
    const batches: BatchEntry<number>[][] = [];
    let batch: BatchEntry<number>[] = [];
    for (let i = 0; i < 300; i++) {
      const item = makeItem(i);
      batch.push({ key: keyOf(item), item, ref: i });
      expected.set(keyOf(item), item);
      if (batch.length === 25) {
        batches.push(batch);
        batch = [];
      }
    }
    // Duplicates inside one batch: the last version must be the one stored.
    const dupBatch = batches[1] as BatchEntry<number>[];
    const first = dupBatch[0] as BatchEntry<number>;
    const newer = { ...first.item, name: { S: 'newer version' } };
    dupBatch.splice(20, 5, { key: first.key, item: { ...first.item, name: { S: 'middle' } }, ref: 9001 }, { key: first.key, item: newer, ref: 9002 });
    for (const gone of [20, 21, 22, 23, 24].map((k) => 25 + k)) expected.delete(keyOf(makeItem(gone)));
    expected.set(first.key, newer);
    // An item over 400 KB among 24 good ones, and an empty-string key.
    const bad = batches[2] as BatchEntry<number>[];
    bad[10] = { key: 'oversized', item: { pk: { S: 'oversized' }, sk: { N: '1' }, payload: { S: 'x'.repeat(410 * 1024) } }, ref: oversizedRef };
    bad[11] = { key: 'empty', item: { pk: { S: '' }, sk: { N: '1' }, v: { S: 'v' } }, ref: emptyKeyRef };
    expected.delete(keyOf(makeItem(60)));
    expected.delete(keyOf(makeItem(61)));

    const inFlight = 4;
    for (let b = 0; b < batches.length; b += inFlight) {
      outcomes.push(...(await Promise.all(batches.slice(b, b + inFlight).map((entries) => writer.writeBatch(TABLE, entries)))));
    }

    const sum = (f: (o: BatchOutcome<number>) => number) => outcomes.reduce((n, o) => n + f(o), 0);
    const failed = outcomes.flatMap((o) => o.failed);
    expect(sum((o) => o.written)).toBe(expected.size);
    expect(sum((o) => o.merged)).toBe(2); // three versions of one key
    expect(failed.map((f) => f.ref).sort()).toEqual([oversizedRef, emptyKeyRef]);
    expect(sum((o) => o.written) + sum((o) => o.merged) + failed.length).toBe(batches.reduce((n, b) => n + b.length, 0));
    expect(sum((o) => o.retries + o.unprocessedRetries)).toBe(0);

    const oversized = failed.find((f) => f.ref === oversizedRef);
    expect(oversized?.code).toBe('DYNAMODB_VALIDATION');
    expect(oversized?.message).toMatch(/^ValidationException: .*Item size has exceeded the maximum allowed size/);
    const emptyKey = failed.find((f) => f.ref === emptyKeyRef);
    expect(emptyKey?.code).toBe('DYNAMODB_VALIDATION');
    expect(emptyKey?.message).toMatch(/^ValidationException: .*empty string/i);
  });

  it('stored exactly what was written, nothing more', async () => {
    const stored = new Map<string, Item>();
    for await (const page of paginateScan({ client: sdk, pageSize: 100 }, { TableName: TABLE, ConsistentRead: true })) {
      for (const raw of page.Items ?? []) {
        const item = itemToWire(raw);
        stored.set(keyOf(item), item);
      }
    }
    expect(stored.size).toBe(expected.size);
    for (const [key, item] of expected) expect(stored.get(key), key).toEqual(item);
  });

  it('kept the last of the duplicate versions (GetItem)', async () => {
    const out = await sdk.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'user#25' }, sk: { N: '25' } }, ConsistentRead: true }));
    expect(out.Item?.name).toEqual({ S: 'newer version' });
  });

  it('aborts with a fatal error for a table that does not exist', async () => {
    const writer = new BatchWriter(http);
    await expect(writer.writeBatch(`${TABLE}_missing`, [{ key: 'k', item: { pk: { S: 'k' }, sk: { N: '1' } }, ref: 0 }])).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      retryable: false,
      context: { dynamodbCode: 'DYNAMODB_TABLE_NOT_FOUND', awsType: 'ResourceNotFoundException' },
    });
  });
});
