/**
 * The stream-reading layer against the real DynamoDB Local: a table with a NEW_AND_OLD_IMAGES
 * stream takes inserts, modifies and removes; describeStream finds its one open shard; readShard
 * reads every change in order from TRIM_HORIZON, resumes after a middle sequence number with
 * exactly the rest, and from LATEST sees only later writes. An empty shard read while other tables
 * write (the setting of DynamoDB Local's false trim) is never given up. readShard is run over
 * both StreamsReadClients: the SDK's and the lean path's.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialSource, createDynamoDbClient } from '../../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../../src/dynamodb/endpoint.js';
import { createStreamsClient, resolveStreamArn } from '../../src/streams/client.js';
import { LeanStreamsClient } from '../../src/streams/lean-client.js';
import { sdkReadClient, type StreamsReadClient } from '../../src/streams/read-client.js';
import type { StreamRecord } from '../../src/streams/records.js';
import { readShard, type ReadShardOptions, type ShardReaderEvent } from '../../src/streams/shard-reader.js';
import { childShards, describeStream } from '../../src/streams/shards.js';
import { createTable, dropTable } from '../helpers/dynamodb.js';

const ENDPOINT = `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
const RUN = `${Date.now()}_${randomUUID().slice(0, 8)}`;
const TABLE = `cass2ddb_it_streams_${RUN}`;
/** One quiet table per reader kind: each must start empty. */
const QUIET = { sdk: `cass2ddb_it_streams_quiet_${RUN}`, lean: `cass2ddb_it_streams_quietl_${RUN}` } as const;
const PLAIN = `cass2ddb_it_streams_plain_${RUN}`;
const KEYS = 40;

let admin: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let lean: LeanStreamsClient;
/** readShard's two clients, by name. */
const readers: Record<'sdk' | 'lean', () => StreamsReadClient> = { sdk: () => sdkReadClient(streams), lean: () => lean };
let arn: string;
/** What the table's stream must show, in order: [eventName, pk]. */
const expected: Array<[string, string]> = [];

async function createStreamTable(table: string): Promise<void> {
  await admin.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
}

async function put(table: string, pk: string, n: number): Promise<void> {
  await admin.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, n: { N: String(n) } } }));
}

/** The first `count` records (the shard stays open: the signal ends the reader; later records are left out). */
async function readN(reader: StreamsReadClient, options: Omit<ReadShardOptions, 'signal'>, count: number, timeoutMs = 20_000): Promise<StreamRecord[]> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  const out: StreamRecord[] = [];
  try {
    for await (const batch of readShard(reader, { idleWaitMs: 50, ...options, signal: stop.signal })) {
      out.push(...batch.records);
      if (out.length >= count) stop.abort();
    }
  } finally {
    clearTimeout(timer);
  }
  return out.slice(0, count);
}

const pkOf = (r: StreamRecord): string => r.dynamodb?.Keys?.pk?.S ?? '?';

beforeAll(async () => {
  const endpoint = await resolveEndpoint({ endpoint: ENDPOINT });
  const credentials = createCredentialSource({ endpoint });
  admin = createDynamoDbClient(endpoint, credentials);
  streams = createStreamsClient(endpoint, credentials);
  lean = new LeanStreamsClient(endpoint, credentials);
  await createStreamTable(TABLE);
  await createStreamTable(QUIET.sdk);
  await createStreamTable(QUIET.lean);
  await createTable(admin, PLAIN, ['pk', 'S']);
  arn = await resolveStreamArn(admin, TABLE);
  for (let i = 0; i < KEYS; i++) {
    await put(TABLE, `k${i}`, i);
    expected.push(['INSERT', `k${i}`]);
  }
  for (let i = 0; i < KEYS; i += 2) {
    await admin.send(new UpdateItemCommand({ TableName: TABLE, Key: { pk: { S: `k${i}` } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: String(1000 + i) } } }));
    expected.push(['MODIFY', `k${i}`]);
  }
  for (let i = 0; i < KEYS; i += 5) {
    await admin.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: `k${i}` } } }));
    expected.push(['REMOVE', `k${i}`]);
  }
});

afterAll(async () => {
  for (const t of [TABLE, QUIET.sdk, QUIET.lean, PLAIN]) await dropTable(admin, t).catch(() => undefined);
  streams?.destroy();
  await lean?.destroy();
  admin?.destroy();
});

describe('streams layer on DynamoDB Local', () => {
  it('resolves the stream of a table, and refuses a table without one', async () => {
    expect(arn).toMatch(new RegExp(`table/${TABLE}/stream/`));
    await expect(resolveStreamArn(admin, PLAIN)).rejects.toMatchObject({ code: 'DYNAMODB_SCHEMA' });
    await expect(resolveStreamArn(admin, `${PLAIN}_missing`)).rejects.toMatchObject({ code: 'DYNAMODB_SCHEMA' });
  });

  it('describes the stream: enabled, its view type and key, one open shard with no children', async () => {
    const d = await describeStream(streams, arn);
    expect(d.status).toBe('ENABLED');
    expect(d.viewType).toBe('NEW_AND_OLD_IMAGES');
    expect(d.keySchema).toEqual([{ attributeName: 'pk', keyType: 'HASH' }]);
    expect(d.shards).toHaveLength(1);
    const shard = d.shards[0];
    expect(shard?.endingSequenceNumber).toBeUndefined();
    // DynamoDB Local ignores ShardFilter and answers with every shard: the fallback keeps none.
    expect(await childShards(streams, arn, shard?.shardId ?? '')).toEqual([]);
  });
});

describe.each(['sdk', 'lean'] as const)('readShard over the %s client on DynamoDB Local', (kind) => {
  it('reads every change from TRIM_HORIZON in order, then resumes after a middle record with exactly the rest', async () => {
    const shardId = (await describeStream(streams, arn)).shards[0]?.shardId ?? '';
    const all = await readN(readers[kind](), { streamArn: arn, shardId, start: 'TRIM_HORIZON' }, expected.length);
    expect(all.map((r) => [r.eventName, pkOf(r)])).toEqual(expected);
    const counts = Object.fromEntries(['INSERT', 'MODIFY', 'REMOVE'].map((e) => [e, all.filter((r) => r.eventName === e).length]));
    expect(counts).toEqual({ INSERT: KEYS, MODIFY: KEYS / 2, REMOVE: KEYS / 5 });
    const seqs = all.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as bigint))).toBe(true);
    // Images as the view type says: a MODIFY carries both, a REMOVE the old one.
    const modify = all.find((r) => r.eventName === 'MODIFY');
    expect(modify?.dynamodb?.OldImage?.n?.N).toBe('0');
    expect(modify?.dynamodb?.NewImage?.n?.N).toBe('1000');
    expect(all.find((r) => r.eventName === 'REMOVE')?.dynamodb?.OldImage?.pk?.S).toBe('k0');

    const middle = 25;
    const cursor = all[middle - 1]?.dynamodb?.SequenceNumber;
    const rest = await readN(readers[kind](), { streamArn: arn, shardId, start: 'TRIM_HORIZON', afterSequenceNumber: cursor }, expected.length - middle);
    expect(rest.map((r) => r.dynamodb?.SequenceNumber)).toEqual(all.slice(middle).map((r) => r.dynamodb?.SequenceNumber));
  });

  it('reads only later writes from LATEST', async () => {
    const shardId = (await describeStream(streams, arn)).shards[0]?.shardId ?? '';
    const stop = new AbortController();
    const seen: StreamRecord[] = [];
    let writes: Promise<void> | undefined;
    for await (const batch of readShard(readers[kind](), { streamArn: arn, shardId, start: 'LATEST', idleWaitMs: 50, signal: stop.signal })) {
      seen.push(...batch.records);
      // The first (empty) batch means the LATEST iterator is in place: write after it.
      writes ??= (async () => {
        for (let i = 0; i < 3; i++) await put(TABLE, `late_${kind}${i}`, i);
      })();
      if (seen.length >= 3) stop.abort();
    }
    await writes;
    expect(seen.map(pkOf)).toEqual([0, 1, 2].map((i) => `late_${kind}${i}`));
  });

  it('never gives up an empty shard while other tables write (the false-trim setting)', async () => {
    const quietArn = await resolveStreamArn(admin, QUIET[kind]);
    const shardId = (await describeStream(streams, quietArn)).shards[0]?.shardId ?? '';
    const events: ShardReaderEvent[] = [];
    const stop = new AbortController();
    const got: StreamRecord[] = [];
    let reads = 0;
    for await (const batch of readShard(readers[kind](), { streamArn: quietArn, shardId, start: 'TRIM_HORIZON', idleWaitMs: 20, falseTrimRetryMs: 20, signal: stop.signal, onEvent: (e) => events.push(e) })) {
      reads++;
      got.push(...batch.records);
      if (reads <= 5) for (let i = 0; i < 20; i++) await put(TABLE, `noise_${kind}${reads}_${i}`, i);
      if (reads === 6) await put(QUIET[kind], 'finally', 1);
      if (got.length > 0) stop.abort();
    }
    expect(got.map(pkOf)).toEqual(['finally']);
    expect(events.filter((e) => e.type === 'data-loss')).toEqual([]);
  });
});
