/**
 * ChangeChecker against the real DynamoDB Local: a source table with a NEW_AND_OLD_IMAGES stream
 * takes inserts, modifies and removes (composite key with a numeric sort key, binary and map
 * attributes); a replicator copies the final state into a target table but drops some items,
 * alters others and fails to apply some removes. The stream is read with readShard from
 * TRIM_HORIZON over the lean client, as the monitor reads it (binary values stay base64 text),
 * and fed to a checker reading the target with BatchGetItem over our keep-alive client: exactly the dropped keys are missing, the altered mismatched, the unapplied removes
 * still present, the rest matched — each key judged on its latest change.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue as SdkValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchReader } from '../../src/dynamodb/batch-reader.js';
import { createCredentialSource, createDynamoDbClient } from '../../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../../src/dynamodb/endpoint.js';
import type { DynamoDbHttpClient } from '../../src/dynamodb/http-client.js';
import { openTargetHttpClient } from '../../src/dynamodb/target.js';
import { MonitorLedger } from '../../src/monitor/ledger.js';
import { ChangeChecker, otherSideOf } from '../../src/monitor/checker.js';
import { isSampled } from '../../src/monitor/sample.js';
import type { MonitorData, MonitorDifference } from '../../src/monitor/task.js';
import { createStreamsClient, resolveStreamArn } from '../../src/streams/client.js';
import { LeanStreamsClient } from '../../src/streams/lean-client.js';
import type { StreamRecord } from '../../src/streams/records.js';
import { readShard } from '../../src/streams/shard-reader.js';
import { describeStream } from '../../src/streams/shards.js';
import { createTable, dropTable, scanAll } from '../helpers/dynamodb.js';

const ENDPOINT = `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;
const RUN = `${Date.now()}_${randomUUID().slice(0, 8)}`;
const SOURCE = `cass2ddb_it_monchk_src_${RUN}`;
const TARGET = `cass2ddb_it_monchk_dst_${RUN}`;
const KEY_ATTRIBUTES = ['pk', 'sk'];
const ITEMS = 60;
const modified = (i: number): boolean => i % 4 === 0;
const removed = (i: number): boolean => i % 9 === 0;
/** Never copied: must be missing. */
const DROPPED = [1, 5, 22, 37];
/** Copied wrong: must be mismatched, at these paths. */
const ALTERED = new Map([
  [2, 'v'],
  [14, 'v'],
  [41, 'prefs.n'],
]);
/** Removed in the source, the remove never applied to the target: must be still present. */
const UNREMOVED = [9, 27];

let admin: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let lean: LeanStreamsClient;
let http: DynamoDbHttpClient;
let records: StreamRecord[] = [];
let shardId = '';

const pkOf = (i: number): string => `user#${i % 7}`;
const idOf = (key: Readonly<Record<string, unknown>>): number => Number((key.sk as { N: string }).N);
const keyOf = (i: number): Record<string, SdkValue> => ({ pk: { S: pkOf(i) }, sk: { N: String(i) } });
function itemOf(i: number): Record<string, SdkValue> {
  return { ...keyOf(i), v: { N: String(i) }, blob: { B: Uint8Array.from([i, 0, 255]) }, prefs: { M: { n: { N: String(i) }, tags: { SS: ['a', `t${i % 3}`] } } } };
}

/** Reads the shard from TRIM_HORIZON until `count` records came (the shard stays open). */
async function readAll(count: number): Promise<StreamRecord[]> {
  const arn = await resolveStreamArn(admin, SOURCE);
  const description = await describeStream(streams, arn);
  expect(description.shards).toHaveLength(1);
  shardId = description.shards[0]?.shardId ?? '';
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 30_000);
  const out: StreamRecord[] = [];
  try {
    for await (const batch of readShard(lean, { streamArn: arn, shardId, start: 'TRIM_HORIZON', idleWaitMs: 50, signal: stop.signal })) {
      out.push(...batch.records);
      if (out.length >= count) stop.abort();
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

let written = { inserts: 0, modifies: 0, removes: 0 };

beforeAll(async () => {
  const endpoint = await resolveEndpoint({ endpoint: ENDPOINT });
  const credentials = createCredentialSource({ endpoint });
  admin = createDynamoDbClient(endpoint, credentials);
  streams = createStreamsClient(endpoint, credentials);
  lean = new LeanStreamsClient(endpoint, credentials);
  http = await openTargetHttpClient({ endpoint: ENDPOINT, region: 'us-east-1', table: TARGET, connections: 4, maxRetries: 3, requestTimeoutMs: 10_000 });
  await admin.send(
    new CreateTableCommand({
      TableName: SOURCE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await createTable(admin, TARGET, ['pk', 'S'], ['sk', 'N']);

  // The writer.
  for (let i = 0; i < ITEMS; i++) {
    await admin.send(new PutItemCommand({ TableName: SOURCE, Item: itemOf(i) }));
    written.inserts++;
  }
  for (let i = 0; i < ITEMS; i++) {
    if (!modified(i)) continue;
    await admin.send(new UpdateItemCommand({ TableName: SOURCE, Key: keyOf(i), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: String(1000 + i) } } }));
    written.modifies++;
  }
  for (let i = 0; i < ITEMS; i++) {
    if (!removed(i)) continue;
    await admin.send(new DeleteItemCommand({ TableName: SOURCE, Key: keyOf(i) }));
    written.removes++;
  }

  // The faulty replicator: the source's final state, with the faults above.
  for (const item of await scanAll(admin, SOURCE)) {
    const i = idOf(item);
    if (DROPPED.includes(i)) continue;
    const copy = { ...item };
    if (ALTERED.get(i) === 'v') copy.v = { N: '-1' };
    if (ALTERED.get(i) === 'prefs.n') copy.prefs = { M: { ...(item.prefs as { M: Record<string, SdkValue> }).M, n: { N: '-1' } } };
    await admin.send(new PutItemCommand({ TableName: TARGET, Item: copy }));
  }
  for (const i of UNREMOVED) await admin.send(new PutItemCommand({ TableName: TARGET, Item: itemOf(i) }));

  records = await readAll(written.inserts + written.modifies + written.removes);
});

afterAll(async () => {
  for (const t of [SOURCE, TARGET]) await dropTable(admin, t).catch(() => undefined);
  streams?.destroy();
  await lean?.destroy();
  admin?.destroy();
  await http?.close();
});

/** The worker's context and the main thread's ledger in one (verdicts counted once, as run.ts does). */
class Recorder {
  readonly counters: Record<string, number> = {};
  readonly sent: MonitorData[] = [];
  private readonly ledger = new MonitorLedger();
  private readonly found: MonitorDifference[] = [];
  add(counter: string, n = 1): void {
    this.counters[counter] = (this.counters[counter] ?? 0) + n;
  }
  record(): void {}
  send(data: MonitorData): void {
    this.sent.push(data);
    if (data.type !== 'settled') return;
    const outcome = this.ledger.take(data);
    for (const [counter, n] of Object.entries(outcome.counts)) this.add(counter, n);
    this.found.push(...outcome.differences);
  }
  differences(): MonitorDifference[] {
    return this.found;
  }
}

/** Feeds the stream in batches of `batch` records, as a worker would, then drains. */
async function check(sampleShare: number, batch = 25): Promise<Recorder> {
  const rep = new Recorder();
  const checker = new ChangeChecker({
    shardId,
    sampleShare,
    // Long enough that an older change still pending when its key's newer change arrives in a
    // later batch is superseded, not settled against the final state.
    recheckAfterMs: 300,
    maxRechecks: 2,
    other: otherSideOf(new BatchReader(http, { keyAttributes: KEY_ATTRIBUTES, maxRetries: 3 }), TARGET, KEY_ATTRIBUTES, 2),
    reporter: rep,
    verbose: false,
  });
  for (let i = 0; i < records.length; i += batch) await checker.handle(records.slice(i, i + batch));
  await checker.drain();
  expect(checker.pending).toBe(0);
  return rep;
}

const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

describe('ChangeChecker on DynamoDB Local', () => {
  it('reads every change of the stream', () => {
    expect(records).toHaveLength(written.inserts + written.modifies + written.removes);
    expect(written).toEqual({ inserts: 60, modifies: 15, removes: 7 });
  });

  it.each([
    // All changes in one batch: every key is judged once, on its latest change.
    { batch: 1000, superseded: 82 - ITEMS, earlyMatches: 0 },
    // Batches of 25: the inserts come in batches 0-2, the modifies and removes in 3-4. An
    // insert whose item the target lacks (modified or removed later) lags and is superseded
    // before its recheck; the inserts of the unremoved items match the target at once (they are
    // there, as inserted), and their later REMOVEs are judged apart.
    { batch: 25, superseded: 82 - ITEMS - UNREMOVED.length, earlyMatches: UNREMOVED.length },
  ])('in batches of $batch: exactly the dropped, altered and unremoved keys; the rest matched; counts as written', async ({ batch, superseded, earlyMatches }) => {
    const rep = await check(1, batch);
    const c = rep.counters;
    expect(c).toMatchObject({ events: records.length, inserts: written.inserts, modifies: written.modifies, removes: written.removes, sampled: records.length });
    expect(c.ttlRemoves ?? 0).toBe(0);
    expect(c.superseded).toBe(superseded);
    expect(c.matched).toBe(ITEMS - DROPPED.length - ALTERED.size - UNREMOVED.length + earlyMatches);
    expect((c.matched ?? 0) + (c.missing ?? 0) + (c.mismatched ?? 0) + (c.stillPresent ?? 0) + (c.superseded ?? 0)).toBe(c.sampled);
    expect(c.missing).toBe(DROPPED.length);
    expect(c.mismatched).toBe(ALTERED.size);
    expect(c.stillPresent).toBe(UNREMOVED.length);
    expect(c.unreadable ?? 0).toBe(0);
    expect(c.requests).toBeGreaterThan(0);
    expect(c.readUnits).toBeGreaterThanOrEqual(ITEMS);

    const ds = rep.differences();
    expect(sorted(ds.filter((d) => d.kind === 'missing').map((d) => idOf(d.key)))).toEqual(DROPPED);
    expect(sorted(ds.filter((d) => d.kind === 'still-present').map((d) => idOf(d.key)))).toEqual(UNREMOVED);
    const mismatched = ds.filter((d) => d.kind === 'mismatched');
    expect(sorted(mismatched.map((d) => idOf(d.key)))).toEqual(sorted(ALTERED.keys()));
    for (const d of mismatched) {
      expect(d.attributes?.map((a) => a.path)).toEqual([ALTERED.get(idOf(d.key))]);
      expect(d.rechecks).toBe(2);
      expect(d.shardId).toBe(shardId);
      expect(d.key).toEqual({ pk: { S: pkOf(idOf(d.key)) }, sk: { N: String(idOf(d.key)) } });
    }
    for (const d of ds.filter((x) => x.kind === 'still-present')) expect(d.eventName).toBe('REMOVE');
    // Every fault was rechecked before it counted (and never caught up: not lagging).
    expect(c.rechecks).toBeGreaterThanOrEqual(2 * (DROPPED.length + ALTERED.size + UNREMOVED.length));
  });

  it('at a 50 % sample, checks the sampled keys only, and finds the faults among them', async () => {
    const rep = await check(0.5, 1000);
    const rate = { share: 0.5, text: '50' };
    const sampledIds = new Set(records.filter((r) => isSampled({ pk: { S: String(r.dynamodb?.Keys?.pk?.S) }, sk: { N: String(r.dynamodb?.Keys?.sk?.N) } }, rate)).map((r) => Number(r.dynamodb?.Keys?.sk?.N)));
    expect(sampledIds.size).toBeGreaterThan(10);
    expect(sampledIds.size).toBeLessThan(50);
    expect(rep.counters.events).toBe(records.length);
    const ds = rep.differences();
    expect(sorted(ds.filter((d) => d.kind === 'missing').map((d) => idOf(d.key)))).toEqual(DROPPED.filter((i) => sampledIds.has(i)));
    expect(sorted(ds.filter((d) => d.kind === 'mismatched').map((d) => idOf(d.key)))).toEqual(sorted(ALTERED.keys()).filter((i) => sampledIds.has(i)));
    expect(sorted(ds.filter((d) => d.kind === 'still-present').map((d) => idOf(d.key)))).toEqual(UNREMOVED.filter((i) => sampledIds.has(i)));
    const settled = (rep.counters.matched ?? 0) + ds.length;
    expect(settled).toBe(sampledIds.size);
  });
});
