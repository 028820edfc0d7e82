/**
 * `monitor` on what DynamoDB Local cannot show (it has one shard that never splits): the Streams
 * fixture presents 250 shards (three DescribeStream pages) and a split whose children change keys
 * of their parent, with the checks reading a real DynamoDB Local table. Every shard is read, a
 * parent to its end before its children (else the parent's older images would be judged against
 * the children's newer ones and fail), and every change is counted and matched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startStreamsFixture, type StreamsFixture } from '../fixtures/streams-fixture.js';
import { runInProcess } from '../helpers/cli.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, testDynamo, type RawItem } from '../helpers/dynamodb.js';

const SHARDS = 250;
const target = `mon_fixture_${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-fixture-'));
let ddb: DynamoDBClient;
let fixture: StreamsFixture;

const shardId = (i: number) => `shardId-${String(i).padStart(20, '0')}-${'a'.repeat(8)}`;
const item = (pk: string, v: number) => ({ pk: { S: pk }, v: { N: String(v) } });

beforeAll(async () => {
  ddb = testDynamo();
  await createTable(ddb, target, ['pk', 'S']);
  fixture = await startStreamsFixture({ tableName: target, viewType: 'NEW_AND_OLD_IMAGES', keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] });
  const finalItems: RawItem[] = []; // written with the SDK below
  for (let i = 0; i < SHARDS; i++) {
    fixture.addShard(shardId(i));
    fixture.putRecords(shardId(i), [
      { eventName: 'INSERT', keys: { pk: { S: `k${i}a` } }, newImage: item(`k${i}a`, 1) },
      { eventName: 'INSERT', keys: { pk: { S: `k${i}b` } }, newImage: item(`k${i}b`, 1) },
    ]);
    if (i > 0) finalItems.push(item(`k${i}a`, 1), item(`k${i}b`, 1));
  }
  // shard 0 splits; its children carry newer versions of its keys
  const [c1, c2] = [shardId(1000), shardId(1001)];
  fixture.split(shardId(0), [c1, c2]);
  fixture.putRecords(c1, [{ eventName: 'MODIFY', keys: { pk: { S: 'k0a' } }, oldImage: item('k0a', 1), newImage: item('k0a', 2) }]);
  fixture.putRecords(c2, [{ eventName: 'MODIFY', keys: { pk: { S: 'k0b' } }, oldImage: item('k0b', 1), newImage: item('k0b', 3) }]);
  finalItems.push(item('k0a', 2), item('k0b', 3));
  for (let k = 0; k < finalItems.length; k += 25) {
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [target]: finalItems.slice(k, k + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}, 120_000);

afterAll(async () => {
  await fixture?.close();
  await dropTable(ddb, target);
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('monitor through the Streams fixture', () => {
  it('reads all 252 shards, parents before children, and matches every change', async () => {
    const run = await runInProcess(['monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--stream-endpoint-url', fixture.url, '--stream-arn', fixture.streamArn,
      '--target-table', target, '--iterator-type', 'trim-horizon', '--until-caught-up', '--threads', '2',
      '--recheck-after', '100', '--max-rechecks', '2', '--json', '--stats-interval', '60', '--differences', path.join(dir, 'd.jsonl'), '--checkpoint', path.join(dir, 'c.json')],
    { AWS_ACCESS_KEY_ID: 'fixture', AWS_SECRET_ACCESS_KEY: 'fixture' });
    const s = run.events.find((e) => e.event === 'summary')!;
    expect(run.status, JSON.stringify(s) + run.stderr + JSON.stringify(run.events.filter((e) => e.event !== 'progress' && e.event !== 'stats').slice(0, 20))).toBe(0);
    expect(s).toMatchObject({
      status: 'clean', ended: 'caught-up',
      events: 2 * SHARDS + 2, inserts: 2 * SHARDS, modifies: 2, removes: 0,
      matched: 2 * SHARDS, missing: 0, mismatched: 0, dataLoss: 0,
    });
    expect(s.shards).toMatchObject({ known: SHARDS + 2, closed: 1, done: 1 });
    // the listing was paged (3 pages at the start, more for the children and the periodic listings)
    expect(fixture.calls().describeStream).toBeGreaterThanOrEqual(3);
    expect(fixture.calls().getShardIterator).toBeGreaterThanOrEqual(SHARDS + 2);
  });
});
