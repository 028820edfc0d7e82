/**
 * readShard's trim rules against a scripted StreamsReadClient (no network): DynamoDB Local's false trim on
 * an empty shard cannot be produced on demand, so its answers are replayed here.
 */
import { describe, expect, it } from 'vitest';
import type { GetRecordsAnswer, GetShardIteratorInput, StreamsReadClient } from '../../../src/streams/read-client.js';
import type { StreamRecord } from '../../../src/streams/records.js';
import { readShard, type ShardReaderEvent } from '../../../src/streams/shard-reader.js';

type Answer = GetRecordsAnswer | Error;

const trimmed = (): Error => Object.assign(new Error('The operation attempted to read past the oldest stream record'), { name: 'TrimmedDataAccessException', $metadata: { httpStatusCode: 400 } });
const record = (seq: string, id: string): StreamRecord => ({ eventName: 'INSERT', dynamodb: { SequenceNumber: seq, Keys: { id: { S: id } } } });

/** Answers GetRecords from a script; records every GetShardIterator input. */
function scripted(answers: Answer[]): { client: StreamsReadClient; iterators: GetShardIteratorInput[] } {
  const iterators: GetShardIteratorInput[] = [];
  const client: StreamsReadClient = {
    getShardIterator: async (input) => {
      iterators.push({ ...input });
      return `it${iterators.length}`;
    },
    getRecords: async () => {
      const next = answers.shift();
      if (next === undefined) return { Records: [] }; // the shard ends
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { client, iterators };
}

async function readAll(client: StreamsReadClient, options: { start: 'TRIM_HORIZON' | 'LATEST'; afterSequenceNumber?: string }) {
  const events: ShardReaderEvent[] = [];
  const records: StreamRecord[] = [];
  for await (const batch of readShard(client, { streamArn: 'arn', shardId: 's', idleWaitMs: 1, falseTrimRetryMs: 1, onEvent: (e) => events.push(e), ...options })) {
    records.push(...batch.records);
  }
  return { events, ids: records.map((r) => r.dynamodb?.Keys?.id?.S) };
}

describe('readShard trims', () => {
  it('a trim before anything was read is no loss: TRIM_HORIZON again after a short wait, never abandoned', async () => {
    const { client, iterators } = scripted([trimmed(), trimmed(), trimmed(), { Records: [], NextShardIterator: 'n' }, { Records: [record('000000000000000000120', 'a')] }]);
    const { events, ids } = await readAll(client, { start: 'TRIM_HORIZON' });
    expect(ids).toEqual(['a']);
    expect(events).toEqual(Array.from({ length: 3 }, () => ({ type: 'trimmed-retry', shardId: 's' })));
    expect(iterators.map((i) => i.ShardIteratorType)).toEqual(['TRIM_HORIZON', 'TRIM_HORIZON', 'TRIM_HORIZON', 'TRIM_HORIZON']);
  });

  it('from LATEST, a trim before anything was read retries LATEST: the user chose not to read the past', async () => {
    const { client, iterators } = scripted([trimmed(), { Records: [record('000000000000000000120', 'a')] }]);
    const { events, ids } = await readAll(client, { start: 'LATEST' });
    expect(ids).toEqual(['a']);
    expect(events.map((e) => e.type)).toEqual(['trimmed-retry']);
    expect(iterators.map((i) => i.ShardIteratorType)).toEqual(['LATEST', 'LATEST']);
  });

  it('a trim whose horizon is at or before what was read is no loss: records read already are dropped', async () => {
    const { client, iterators } = scripted([
      { Records: [record('000000000000000000100', 'a'), record('000000000000000000110', 'b')], NextShardIterator: 'n' },
      trimmed(),
      { Records: [record('000000000000000000110', 'b'), record('000000000000000000120', 'c')] },
    ]);
    const { events, ids } = await readAll(client, { start: 'TRIM_HORIZON' });
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(events).toEqual([{ type: 'trimmed-retry', shardId: 's' }]);
    expect(iterators.map((i) => i.ShardIteratorType)).toEqual(['TRIM_HORIZON', 'TRIM_HORIZON']);
  });

  it('sequence numbers compare as numbers, not strings, when dropping re-read records', async () => {
    // 21 digits each; as JS numbers these two would be equal (beyond 2^53).
    const { client } = scripted([
      { Records: [record('100000000000000000001', 'a')], NextShardIterator: 'n' },
      trimmed(),
      { Records: [record('100000000000000000001', 'a'), record('100000000000000000002', 'b')] },
    ]);
    expect((await readAll(client, { start: 'TRIM_HORIZON' })).ids).toEqual(['a', 'b']);
  });
});
