/**
 * The stream-reading layer against the streams fixture (test/fixtures/streams-fixture.ts): what
 * DynamoDB Local cannot show (paging past 100 shards, splits, expired iterators, trims, closed
 * shards, throttles). DescribeStream goes through the real AWS SDK client; readShard is run
 * over both StreamsReadClients, the SDK's and the lean path's. Clients make one attempt per call
 * (maxAttempts 1) so the layer's own backoff is what is tested.
 */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { createCredentialSource, type CredentialSource } from '../../../src/dynamodb/credentials.js';
import { resolveEndpoint, type ResolvedEndpoint } from '../../../src/dynamodb/endpoint.js';
import { createStreamsClient } from '../../../src/streams/client.js';
import { LeanStreamsClient } from '../../../src/streams/lean-client.js';
import { sdkReadClient, type StreamsReadClient } from '../../../src/streams/read-client.js';
import type { StreamRecord } from '../../../src/streams/records.js';
import { ShardSource } from '../../../src/streams/shard-source.js';
import { readShard, type ReadShardOptions, type ShardReaderEvent } from '../../../src/streams/shard-reader.js';
import { childShards, describeStream } from '../../../src/streams/shards.js';
import { startStreamsFixture, type FakeRecordInput, type StreamsFixture } from '../../fixtures/streams-fixture.js';

/** The two ways of reading a shard, each with what closes it (the SDK client is closed apart). */
const READERS = {
  sdk: (client: DynamoDBStreamsClient) => ({ reader: sdkReadClient(client), close: async () => undefined }),
  lean: (_client: DynamoDBStreamsClient, endpoint: ResolvedEndpoint, credentials: CredentialSource) => {
    const lean = new LeanStreamsClient(endpoint, credentials, { maxAttempts: 1 });
    return { reader: lean as StreamsReadClient, close: () => lean.destroy() };
  },
} as const;
type ReaderKind = keyof typeof READERS;

interface Opened {
  readonly fixture: StreamsFixture;
  /** For DescribeStream. */
  readonly client: DynamoDBStreamsClient;
  /** For readShard. */
  readonly reader: StreamsReadClient;
}

const opened: Array<{ fixture: StreamsFixture; client: DynamoDBStreamsClient; close: () => Promise<unknown> }> = [];
afterEach(async () => {
  for (const { fixture, client, close } of opened.splice(0)) {
    client.destroy();
    await close();
    await fixture.close();
  }
});

async function start(kind: ReaderKind = 'sdk'): Promise<Opened> {
  const fixture = await startStreamsFixture();
  const endpoint = await resolveEndpoint({ endpoint: fixture.url }, {}, async () => undefined);
  const credentials = createCredentialSource({ endpoint, provider: async () => ({ accessKeyId: 'x', secretAccessKey: 'x' }) });
  const client = createStreamsClient(endpoint, credentials, { maxAttempts: 1 });
  const { reader, close } = READERS[kind](client, endpoint, credentials);
  opened.push({ fixture, client, close });
  return { fixture, client, reader };
}

const T0 = Date.parse('2026-11-27T10:00:00Z');
const rec = (id: string, second = 0): FakeRecordInput => ({ eventName: 'INSERT', keys: { id: { S: id } }, newImage: { id: { S: id } }, approximateCreationDateTime: new Date(T0 + second * 1000) });
const ids = (records: readonly StreamRecord[]): string[] => records.map((r) => r.dynamodb?.Keys?.id?.S ?? '?');
const FAST = { idleWaitMs: 5, falseTrimRetryMs: 5, baseDelayMs: 1, maxDelayMs: 5 } as const;

/** Drives a reader; `step(batch, n)` runs after each batch (n from 1), and may stop it. */
async function read(client: StreamsReadClient, options: Omit<ReadShardOptions, 'signal'>, step?: (records: StreamRecord[], n: number, stop: () => void) => void) {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 10_000);
  const records: StreamRecord[] = [];
  let ended = true;
  let n = 0;
  try {
    for await (const batch of readShard(client, { ...FAST, ...options, signal: stop.signal })) {
      records.push(...batch.records);
      step?.(batch.records, ++n, () => stop.abort());
    }
    ended = !stop.signal.aborted;
  } finally {
    clearTimeout(timer);
  }
  return { records, ended };
}

describe('DescribeStream against the streams fixture', () => {
  it('describeStream pages past 100 shards to the end (250 shards, 3 calls), through LimitExceeded', async () => {
    const { fixture, client } = await start();
    for (let i = 0; i < 250; i++) fixture.addShard(`shardId-${String(i).padStart(20, '0')}-aaaa`);
    fixture.failNext('DescribeStream', 'LimitExceededException', 2);
    const throttles: string[] = [];
    const d = await describeStream(client, fixture.streamArn, { ...FAST, onThrottle: (t) => throttles.push(t.error) });
    expect(d.shards).toHaveLength(250);
    expect(new Set(d.shards.map((s) => s.shardId)).size).toBe(250);
    expect(d.status).toBe('ENABLED');
    expect(throttles).toEqual(['LimitExceededException', 'LimitExceededException']);
    expect(fixture.calls().describeStream).toBe(2 + 3);
  });
});

describe.each(Object.keys(READERS) as ReaderKind[])('readShard over the %s client against the streams fixture', (kind) => {
  it('a split parent is read to its end before its children start (ShardSource + a small loop)', async () => {
    const { fixture, client, reader } = await start(kind);
    fixture.addShard('p');
    fixture.putRecords('p', [rec('p1'), rec('p2'), rec('p3')]);
    fixture.split('p', ['c1', 'c2']);
    fixture.putRecords('c1', [rec('c1a'), rec('c1b')]);
    fixture.putRecords('c2', [rec('c2a')]);
    fixture.split('c1', ['g1']);
    fixture.putRecords('g1', [rec('g1a')]);

    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    source.update((await describeStream(client, fixture.streamArn)).shards);
    const log: string[] = [];
    const seen: string[] = [];
    const running = new Set<Promise<void>>();
    // Each shard read concurrently as soon as the source hands it out; a closed shard's end
    // completes it and lists its children; an open shard is complete once caught up (test only).
    const run = async (shardId: string): Promise<void> => {
      log.push(`start ${shardId}`);
      const { records, ended } = await read(reader, { streamArn: fixture.streamArn, shardId, start: 'TRIM_HORIZON' }, (batch, _n, stop) => {
        if (batch.length === 0) stop();
      });
      seen.push(...ids(records));
      log.push(`end ${shardId}`);
      if (ended) source.update(await childShards(client, fixture.streamArn, shardId));
      source.complete(shardId);
    };
    for (let done = 0; done < 4; ) {
      const pull = source.next();
      if (pull.kind === 'item') {
        const p = run(pull.item.id).finally(() => running.delete(p));
        running.add(p);
      } else if (pull.kind === 'wait') {
        await Promise.race([pull.until, ...running]);
        done = log.filter((l) => l.startsWith('end')).length;
      } else break;
    }
    await Promise.all(running);
    expect(log.indexOf('start c1')).toBeGreaterThan(log.indexOf('end p'));
    expect(log.indexOf('start c2')).toBeGreaterThan(log.indexOf('end p'));
    expect(log.indexOf('start g1')).toBeGreaterThan(log.indexOf('end c1'));
    expect(seen.slice(0, 3)).toEqual(['p1', 'p2', 'p3']);
    expect([...seen].sort()).toEqual(['c1a', 'c1b', 'c2a', 'g1a', 'p1', 'p2', 'p3']);
    expect(seen.indexOf('g1a')).toBeGreaterThan(seen.indexOf('c1b'));
  });

  it('renews expired iterators after the last record read: nothing lost, nothing twice', async () => {
    const { fixture, reader } = await start(kind);
    fixture.addShard('s');
    const all = Array.from({ length: 30 }, (_, i) => `r${i}`);
    const seqs = fixture.putRecords('s', all.map((id) => rec(id)));
    const events: ShardReaderEvent[] = [];
    const { records } = await read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON', limit: 10, onEvent: (e) => events.push(e) }, (batch, n, stop) => {
      if (n <= 2) fixture.expireIterators();
      if (batch.length === 0) stop();
    });
    expect(ids(records)).toEqual(all);
    expect(events).toEqual([
      { type: 'iterator-renewed', shardId: 's', afterSequenceNumber: seqs[9] },
      { type: 'iterator-renewed', shardId: 's', afterSequenceNumber: seqs[19] },
    ]);
  });

  it('a trim after some records were read: exactly one data-loss naming the window, then on from TRIM_HORIZON', async () => {
    const { fixture, reader } = await start(kind);
    fixture.addShard('s');
    const seqs = fixture.putRecords('s', Array.from({ length: 20 }, (_, i) => rec(`r${i}`, i)));
    const events: ShardReaderEvent[] = [];
    const { records } = await read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON', limit: 5, onEvent: (e) => events.push(e) }, (batch, n, stop) => {
      if (n === 1) fixture.trim('s', 12); // r5..r11 go unread
      if (n === 3) fixture.putRecords('s', [rec('after', 30)]);
      if (batch.length === 0 && n > 3) stop();
    });
    expect(ids(records)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', ...Array.from({ length: 8 }, (_, i) => `r${12 + i}`), 'after']);
    expect(events).toEqual([
      {
        type: 'data-loss',
        shardId: 's',
        afterSequenceNumber: seqs[4],
        firstAvailableSequenceNumber: seqs[12],
        windowStart: new Date(T0 + 4_000).toISOString(),
        windowEnd: new Date(T0 + 12_000).toISOString(),
      },
    ]);
  });

  it('a resumed cursor behind the trim horizon is a loss too; a closed shard ends the reader', async () => {
    const { fixture, reader } = await start(kind);
    fixture.addShard('s');
    const seqs = fixture.putRecords('s', [rec('a'), rec('b'), rec('c'), rec('d')]);
    fixture.trim('s', 3);
    fixture.closeShard('s');
    const events: ShardReaderEvent[] = [];
    const { records, ended } = await read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON', afterSequenceNumber: seqs[0], onEvent: (e) => events.push(e) });
    expect(ended).toBe(true);
    expect(ids(records)).toEqual(['d']);
    expect(events.map((e) => e.type)).toEqual(['data-loss']);
    expect(events[0]).toMatchObject({ afterSequenceNumber: seqs[0], firstAvailableSequenceNumber: seqs[3] });
  });

  it('a closed shard read to its end ends the reader without a signal, also when it is empty', async () => {
    const { fixture, reader } = await start(kind);
    fixture.addShard('full');
    fixture.putRecords('full', [rec('x'), rec('y')]);
    fixture.closeShard('full');
    fixture.addShard('empty');
    fixture.closeShard('empty');
    const full = await read(reader, { streamArn: fixture.streamArn, shardId: 'full', start: 'TRIM_HORIZON', limit: 1 });
    expect(full).toMatchObject({ ended: true });
    expect(ids(full.records)).toEqual(['x', 'y']);
    expect(await read(reader, { streamArn: fixture.streamArn, shardId: 'empty', start: 'LATEST' })).toEqual({ records: [], ended: true });
  });

  it('backs off LimitExceeded and 5xx on GetRecords, and fails a vanished shard with a non-fatal code', async () => {
    const { fixture, reader } = await start(kind);
    fixture.addShard('s');
    fixture.putRecords('s', [rec('a')]);
    fixture.closeShard('s');
    fixture.failNext('GetRecords', 'LimitExceededException', 2);
    const events: ShardReaderEvent[] = [];
    const out = await read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON', onEvent: (e) => events.push(e) });
    expect(ids(out.records)).toEqual(['a']);
    expect(events.map((e) => (e.type === 'throttled' ? e.error : e.type))).toEqual(['LimitExceededException', 'LimitExceededException']);

    fixture.failNext('GetShardIterator', 'InternalServerError', 1);
    expect(ids((await read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON' })).records)).toEqual(['a']);

    // Throttled for longer than the retries allow: a retryable error, for the scheduler to retry from the cursor.
    fixture.failNext('GetRecords', 'LimitExceededException', 10);
    await expect(read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON', maxRetries: 3 })).rejects.toMatchObject({
      code: 'DYNAMODB_THROTTLED',
      retryable: true,
      context: { shardId: 's', awsType: 'LimitExceededException' },
    });
    fixture.failNext('GetRecords', 'LimitExceededException', 1); // clears what is left of the 10

    fixture.removeShard('s');
    await expect(read(reader, { streamArn: fixture.streamArn, shardId: 's', start: 'TRIM_HORIZON' })).rejects.toMatchObject({
      code: 'DYNAMODB_REQUEST_REJECTED',
      context: { shardId: 's', awsType: 'ResourceNotFoundException' },
    });
  });
});
