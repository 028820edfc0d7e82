/**
 * The streams fixture against the real AWS SDK client: every behaviour a stream reader relies
 * on (lineage, paging, iterator kinds, trims, expiry, view types, error names) as the SDK sees it.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type GetShardIteratorCommandInput,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { startStreamsFixture, type FakeRecordInput, type StreamsFixture, type StreamsFixtureOptions } from '../fixtures/streams-fixture.js';

const open: { fixture: StreamsFixture; client: DynamoDBStreamsClient }[] = [];
afterEach(async () => {
  for (const { fixture, client } of open.splice(0)) {
    client.destroy();
    await fixture.close();
  }
});

async function start(options?: StreamsFixtureOptions, maxAttempts = 1): Promise<{ fixture: StreamsFixture; client: DynamoDBStreamsClient }> {
  const fixture = await startStreamsFixture(options);
  const client = new DynamoDBStreamsClient({ endpoint: fixture.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts });
  open.push({ fixture, client });
  return { fixture, client };
}

/** Shard ids shaped like AWS's (28–65 characters). */
const shard = (n: number): string => `shardId-${String(n).padStart(20, '0')}-${(n * 2654435761 >>> 0).toString(16).padStart(8, '0')}`;
const put = (id: string, extra: Partial<FakeRecordInput> = {}): FakeRecordInput => ({ eventName: 'INSERT', keys: { id: { S: id } }, newImage: { id: { S: id }, v: { N: '1' } }, ...extra });

async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the request to fail');
}

function iterator(client: DynamoDBStreamsClient, fixture: StreamsFixture, input: Omit<GetShardIteratorCommandInput, 'StreamArn'>): Promise<string> {
  return client.send(new GetShardIteratorCommand({ StreamArn: fixture.streamArn, ...input })).then((r) => {
    if (r.ShardIterator === undefined) throw new Error('no ShardIterator');
    return r.ShardIterator;
  });
}

const ids = (records: readonly _Record[] | undefined): string[] => (records ?? []).map((r) => r.dynamodb?.Keys?.['id']?.S ?? '?');

describe('streams fixture: DescribeStream and ListStreams', () => {
  it('describes the stream as AWS does and lists it', async () => {
    const { fixture, client } = await start({ tableName: 'orders' });
    fixture.addShard(shard(1));
    fixture.putRecords(shard(1), [{ eventName: 'INSERT', keys: { pk: { S: 'a' }, sk: { N: '1' } } }]);
    const d = (await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }))).StreamDescription;
    expect(fixture.streamArn).toBe('arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000');
    expect(d).toMatchObject({ StreamArn: fixture.streamArn, StreamLabel: '2026-01-01T00:00:00.000', StreamStatus: 'ENABLED', StreamViewType: 'NEW_AND_OLD_IMAGES', TableName: 'orders' });
    expect(d?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    expect(d?.CreationRequestDateTime?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(d?.Shards).toHaveLength(1);
    expect(d?.Shards?.[0]?.SequenceNumberRange?.StartingSequenceNumber).toMatch(/^\d{21}$/);
    expect(d?.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
    expect(d?.LastEvaluatedShardId).toBeUndefined();

    expect((await client.send(new ListStreamsCommand({}))).Streams).toEqual([{ StreamArn: fixture.streamArn, TableName: 'orders', StreamLabel: '2026-01-01T00:00:00.000' }]);
    expect((await client.send(new ListStreamsCommand({ TableName: 'orders' }))).Streams).toHaveLength(1);
    expect((await client.send(new ListStreamsCommand({ TableName: 'other' }))).Streams).toEqual([]);
    expect(fixture.calls()).toEqual({ describeStream: 1, getShardIterator: 0, getRecords: 0, listStreams: 3 });
  });

  it('pages 250 shards at Limit 100: three pages, LastEvaluatedShardId, every shard once in creation order', async () => {
    const { fixture, client } = await start();
    const all = Array.from({ length: 250 }, (_, i) => shard(250 - i)); // creation order, not id order
    for (const id of all) fixture.addShard(id);
    const pages: string[][] = [];
    let from: string | undefined;
    do {
      const d = (await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn, Limit: 100, ExclusiveStartShardId: from }))).StreamDescription;
      const page = (d?.Shards ?? []).map((s) => s.ShardId ?? '?');
      pages.push(page);
      from = d?.LastEvaluatedShardId;
      if (from !== undefined) expect(from).toBe(page[page.length - 1]);
    } while (from !== undefined);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(pages.flat()).toEqual(all);
    // no Limit: 100, as AWS
    const d = (await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }))).StreamDescription;
    expect(d?.Shards).toHaveLength(100);
    expect(d?.LastEvaluatedShardId).toBe(all[99]);
    expect(fixture.calls().describeStream).toBe(4);
  });

  it('a split closes the parent at its last record and adds children with ParentShardId; CHILD_SHARDS returns only them', async () => {
    const { fixture, client } = await start();
    fixture.addShard(shard(1));
    fixture.addShard(shard(2));
    const seqs = fixture.putRecords(shard(1), [put('a'), put('b')]);
    fixture.split(shard(1), [shard(3), shard(4)]);
    const d = (await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }))).StreamDescription;
    const byId = new Map((d?.Shards ?? []).map((s) => [s.ShardId, s]));
    expect([...byId.keys()]).toEqual([shard(1), shard(2), shard(3), shard(4)]);
    expect(byId.get(shard(1))?.SequenceNumberRange?.EndingSequenceNumber).toBe(seqs[1]);
    expect(byId.get(shard(2))?.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
    for (const child of [shard(3), shard(4)]) {
      const s = byId.get(child);
      expect(s?.ParentShardId).toBe(shard(1));
      expect(s?.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
      expect(BigInt(s?.SequenceNumberRange?.StartingSequenceNumber ?? '0')).toBeGreaterThan(BigInt(seqs[1] ?? ''));
    }
    expect(byId.get(shard(2))?.ParentShardId).toBeUndefined();

    const children = await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn, ShardFilter: { Type: 'CHILD_SHARDS', ShardId: shard(1) } }));
    expect(children.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual([shard(3), shard(4)]);
    const none = await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn, ShardFilter: { Type: 'CHILD_SHARDS', ShardId: shard(2) } }));
    expect(none.StreamDescription?.Shards).toEqual([]);
    // a shard closed empty ends at its start
    fixture.closeShard(shard(2));
    const d2 = (await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn, ExclusiveStartShardId: shard(1), Limit: 1 }))).StreamDescription;
    expect(d2?.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toBe(d2?.Shards?.[0]?.SequenceNumberRange?.StartingSequenceNumber);
    expect(d2?.LastEvaluatedShardId).toBe(shard(2));
  });

  it('sequence numbers are 21-digit strings increasing across all shards', async () => {
    const { fixture } = await start();
    fixture.addShard(shard(1));
    fixture.addShard(shard(2));
    const seqs = [...fixture.putRecords(shard(2), [put('a')]), ...fixture.putRecords(shard(1), [put('b'), put('c')]), ...fixture.putRecords(shard(2), [put('d')])];
    for (const s of seqs) expect(s).toMatch(/^\d{21}$/);
    for (let i = 1; i < seqs.length; i++) expect(BigInt(seqs[i] ?? '')).toBeGreaterThan(BigInt(seqs[i - 1] ?? ''));
  });

  it('DISABLED closes the open shards', async () => {
    const { fixture, client } = await start({ streamStatus: 'ENABLING' });
    fixture.addShard(shard(1));
    expect((await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }))).StreamDescription?.StreamStatus).toBe('ENABLING');
    fixture.setStreamStatus('DISABLED');
    const d = (await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }))).StreamDescription;
    expect(d?.StreamStatus).toBe('DISABLED');
    expect(d?.Shards?.[0]?.SequenceNumberRange?.EndingSequenceNumber).toBeDefined();
  });
});

describe('streams fixture: iterators and GetRecords', () => {
  it('TRIM_HORIZON, LATEST, AT_ and AFTER_SEQUENCE_NUMBER start where AWS starts them; Limit pages', async () => {
    const { fixture, client } = await start();
    fixture.addShard(shard(1));
    const seqs = fixture.putRecords(shard(1), [put('a'), put('b'), put('c')]);
    const read = async (it: string, Limit?: number) => client.send(new GetRecordsCommand({ ShardIterator: it, Limit }));

    const first = await read(await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' }), 2);
    expect(ids(first.Records)).toEqual(['a', 'b']);
    expect(ids((await read(first.NextShardIterator ?? '')).Records)).toEqual(['c']);

    const at = await read(await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: seqs[1] }));
    expect(ids(at.Records)).toEqual(['b', 'c']);
    const after = await read(await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: seqs[1] }));
    expect(ids(after.Records)).toEqual(['c']);
    expect(after.Records?.[0]?.dynamodb?.SequenceNumber).toBe(seqs[2]);

    const latest = await read(await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'LATEST' }));
    expect(latest.Records).toEqual([]);
    fixture.putRecords(shard(1), [put('d')]);
    expect(ids((await read(latest.NextShardIterator ?? '')).Records)).toEqual(['d']);
    expect(fixture.calls()).toMatchObject({ getShardIterator: 4, getRecords: 6 });
  });

  it('an open shard always answers a NextShardIterator; a closed one read to its end answers none', async () => {
    const { fixture, client } = await start();
    fixture.addShard(shard(1));
    fixture.addShard(shard(2));
    const empty = await client.send(new GetRecordsCommand({ ShardIterator: await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' }) }));
    expect(empty.Records).toEqual([]);
    expect(empty.NextShardIterator).toEqual(expect.any(String));

    fixture.putRecords(shard(2), [put('a'), put('b')]);
    fixture.closeShard(shard(2));
    const partial = await client.send(new GetRecordsCommand({ ShardIterator: await iterator(client, fixture, { ShardId: shard(2), ShardIteratorType: 'TRIM_HORIZON' }), Limit: 1 }));
    expect(ids(partial.Records)).toEqual(['a']);
    expect(partial.NextShardIterator).toEqual(expect.any(String));
    const last = await client.send(new GetRecordsCommand({ ShardIterator: partial.NextShardIterator }));
    expect(ids(last.Records)).toEqual(['b']);
    expect(last.NextShardIterator).toBeUndefined();

    // the iterator of the open shard, taken before it closed empty, now reaches the end too
    fixture.closeShard(shard(1));
    const closedEmpty = await client.send(new GetRecordsCommand({ ShardIterator: empty.NextShardIterator }));
    expect(closedEmpty.Records).toEqual([]);
    expect(closedEmpty.NextShardIterator).toBeUndefined();
  });

  it('a trim fails an iterator behind it and AT/AFTER a trimmed sequence number with TrimmedDataAccessException', async () => {
    const { fixture, client } = await start();
    fixture.addShard(shard(1));
    const seqs = fixture.putRecords(shard(1), [put('a'), put('b'), put('c')]);
    const old = await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' });
    fixture.trim(shard(1), 2);

    const e = await errorOf(client.send(new GetRecordsCommand({ ShardIterator: old })));
    expect(e.name).toBe('TrimmedDataAccessException');
    expect(e).toBeInstanceOf(TrimmedDataAccessException);
    expect(e.$metadata?.httpStatusCode).toBe(400);
    for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'] as const) {
      for (const seq of [seqs[0], seqs[1]]) {
        expect((await errorOf(iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: type, SequenceNumber: seq }))).name).toBe('TrimmedDataAccessException');
      }
    }
    // the untrimmed rest is still readable, from the new trim horizon or at its sequence number
    const fresh = await client.send(new GetRecordsCommand({ ShardIterator: await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' }) }));
    expect(ids(fresh.Records)).toEqual(['c']);
    const at = await client.send(new GetRecordsCommand({ ShardIterator: await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: seqs[2] }) }));
    expect(ids(at.Records)).toEqual(['c']);
  });

  it('expireIterators and the iterator lifetime give ExpiredIteratorException; a fresh iterator works', async () => {
    let nowMs = Date.parse('2026-02-01T00:00:00Z');
    const { fixture, client } = await start({ iteratorTtlMs: 60_000, now: () => nowMs });
    fixture.addShard(shard(1));
    fixture.putRecords(shard(1), [put('a')]);
    const it1 = await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' });
    fixture.expireIterators();
    const e = await errorOf(client.send(new GetRecordsCommand({ ShardIterator: it1 })));
    expect(e.name).toBe('ExpiredIteratorException');
    expect(e).toBeInstanceOf(ExpiredIteratorException);

    const it2 = await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' });
    nowMs += 30_000;
    const r = await client.send(new GetRecordsCommand({ ShardIterator: it2 }));
    expect(ids(r.Records)).toEqual(['a']);
    nowMs += 50_000; // it2 is 80 s old now; the NextShardIterator handed out 50 s ago is not
    expect((await errorOf(client.send(new GetRecordsCommand({ ShardIterator: it2 })))).name).toBe('ExpiredIteratorException');
    expect((await client.send(new GetRecordsCommand({ ShardIterator: r.NextShardIterator }))).Records).toEqual([]);
  });
});

describe('streams fixture: records per view type', () => {
  const modify: FakeRecordInput = { eventName: 'MODIFY', keys: { id: { S: 'k' } }, oldImage: { id: { S: 'k' }, v: { N: '1' } }, newImage: { id: { S: 'k' }, v: { N: '2' } }, approximateCreationDateTime: new Date('2026-03-04T05:06:07.890Z') };
  const ttlDelete: FakeRecordInput = { eventName: 'REMOVE', keys: { id: { S: 'k' } }, oldImage: { id: { S: 'k' }, v: { N: '2' } }, userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };

  async function readAll(viewType: StreamsFixtureOptions['viewType']): Promise<_Record[]> {
    const { fixture, client } = await start({ viewType });
    fixture.addShard(shard(1));
    fixture.putRecords(shard(1), [modify, ttlDelete]);
    const r = await client.send(new GetRecordsCommand({ ShardIterator: await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' }) }));
    return r.Records ?? [];
  }

  it('NEW_AND_OLD_IMAGES: the stream record shape with both images, userIdentity on TTL deletes', async () => {
    const [m, rm] = await readAll('NEW_AND_OLD_IMAGES');
    expect(m).toMatchObject({ eventName: 'MODIFY', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1' });
    expect(m?.eventID).toMatch(/^[0-9a-f]{32}$/);
    expect(m?.dynamodb).toMatchObject({ Keys: modify.keys, NewImage: modify.newImage, OldImage: modify.oldImage, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(m?.dynamodb?.ApproximateCreationDateTime?.toISOString()).toBe('2026-03-04T05:06:07.000Z'); // truncated to the second
    expect(m?.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(m?.userIdentity).toBeUndefined();
    expect(rm?.dynamodb?.NewImage).toBeUndefined();
    expect(rm?.dynamodb?.OldImage).toEqual(ttlDelete.oldImage);
    expect(rm?.userIdentity).toEqual({ Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' });
  });

  it('KEYS_ONLY has no images; NEW_IMAGE no OldImage; OLD_IMAGE no NewImage', async () => {
    for (const r of await readAll('KEYS_ONLY')) {
      expect(r.dynamodb?.Keys).toEqual({ id: { S: 'k' } });
      expect(r.dynamodb?.NewImage).toBeUndefined();
      expect(r.dynamodb?.OldImage).toBeUndefined();
    }
    const [newM, newRm] = await readAll('NEW_IMAGE');
    expect(newM?.dynamodb?.NewImage).toEqual(modify.newImage);
    expect(newM?.dynamodb?.OldImage).toBeUndefined();
    expect(newRm?.dynamodb).not.toHaveProperty('OldImage');
    expect(newRm?.dynamodb?.NewImage).toBeUndefined();
    const [oldM] = await readAll('OLD_IMAGE');
    expect(oldM?.dynamodb?.OldImage).toEqual(modify.oldImage);
    expect(oldM?.dynamodb?.NewImage).toBeUndefined();
    expect(oldM?.dynamodb?.StreamViewType).toBe('OLD_IMAGE');
  });
});

describe('streams fixture: errors as the SDK surfaces them', () => {
  it('Limit outside 1–100 (DescribeStream) and 1–1000 (GetRecords) is a ValidationException', async () => {
    const { fixture, client } = await start();
    fixture.addShard(shard(1));
    for (const Limit of [0, 101]) {
      const e = await errorOf(client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn, Limit })));
      expect(e.name).toBe('ValidationException');
      expect(e.message).toMatch(/at 'limit' failed to satisfy constraint/);
    }
    const it = await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' });
    for (const Limit of [0, 1001]) expect((await errorOf(client.send(new GetRecordsCommand({ ShardIterator: it, Limit })))).name).toBe('ValidationException');
    expect((await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }))).Records).toEqual([]);
    expect((await errorOf(client.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })))).name).toBe('ValidationException');
  });

  it('unknown streams and shards, and removed shards, are ResourceNotFoundException', async () => {
    const { fixture, client } = await start();
    fixture.addShard(shard(1));
    fixture.addShard(shard(2));
    fixture.putRecords(shard(1), [put('a')]);
    const wrongArn = fixture.streamArn.replace('fixture', 'other');
    const e = await errorOf(client.send(new DescribeStreamCommand({ StreamArn: wrongArn })));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect((await errorOf(client.send(new GetShardIteratorCommand({ StreamArn: wrongArn, ShardId: shard(1), ShardIteratorType: 'LATEST' })))).name).toBe('ResourceNotFoundException');
    expect((await errorOf(iterator(client, fixture, { ShardId: shard(9), ShardIteratorType: 'LATEST' }))).name).toBe('ResourceNotFoundException');

    const old = await iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' });
    fixture.removeShard(shard(1));
    const d = await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }));
    expect(d.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual([shard(2)]);
    const gone = await errorOf(iterator(client, fixture, { ShardId: shard(1), ShardIteratorType: 'TRIM_HORIZON' }));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe('Requested resource not found: Shard does not exist');
    expect((await errorOf(client.send(new GetRecordsCommand({ ShardIterator: old })))).name).toBe('ResourceNotFoundException');
    // a page boundary on a shard removed since still pages on
    const after = await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn, ExclusiveStartShardId: shard(1) }));
    expect(after.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual([shard(2)]);
  });

  it('injected LimitExceededException: surfaced with one attempt, retried by the SDK otherwise', async () => {
    const { fixture, client } = await start();
    fixture.failNext('DescribeStream', 'LimitExceededException');
    expect((await errorOf(client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn })))).name).toBe('LimitExceededException');
    expect((await client.send(new DescribeStreamCommand({ StreamArn: fixture.streamArn }))).StreamDescription?.StreamArn).toBe(fixture.streamArn);

    const retrying = new DynamoDBStreamsClient({ endpoint: fixture.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 3 });
    try {
      fixture.failNext('ListStreams', 'LimitExceededException');
      expect((await retrying.send(new ListStreamsCommand({}))).Streams).toHaveLength(1);
    } finally {
      retrying.destroy();
    }
    expect(fixture.calls()).toMatchObject({ describeStream: 2, listStreams: 2 });
  });
});

describe('streams fixture: the wire', () => {
  it('answers AWS JSON 1.0 with the namespaced __type, and counts no unknown operation', async () => {
    const { fixture } = await start();
    const post = (target: string, body: unknown) =>
      fetch(fixture.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target }, body: JSON.stringify(body) });
    const ok = await post('DynamoDBStreams_20120810.ListStreams', {});
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await ok.json()).toEqual({ Streams: [{ StreamArn: fixture.streamArn, TableName: 'fixture', StreamLabel: '2026-01-01T00:00:00.000' }] });
    const bad = await post('DynamoDBStreams_20120810.DescribeStream', { StreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/x/stream/y' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { __type: string }).__type).toBe('com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');
    expect((await post('DynamoDBStreams_20120810.PutItem', {})).status).toBe(400);
    expect(fixture.calls()).toEqual({ describeStream: 1, getShardIterator: 0, getRecords: 0, listStreams: 1 });
  });
});
