/**
 * The lean GetRecords parser against the SDK's own deserializer on the same bodies: the records
 * are the same but for binary values, base64 text here and bytes there, which the checker turns
 * into the same DynamoDB JSON (checker-wire.ts).
 */
import { DynamoDBStreamsClient, GetRecordsCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { HttpResponse } from '@smithy/core/protocols';
import { afterAll, describe, expect, it } from 'vitest';
import { toWireItem } from '../../../src/monitor/checker-wire.js';
import { epochSecondsToDate, parseGetRecords, parseGetShardIterator } from '../../../src/streams/get-records-body.js';
import type { StreamRecord } from '../../../src/streams/records.js';

/** The SDK client answering every call with `body`: its deserializer, no network. */
let body = '';
const sdk = new DynamoDBStreamsClient({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  maxAttempts: 1,
  requestHandler: {
    handle: async () => ({ response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(body) }) }),
  },
});
afterAll(() => sdk.destroy());

async function sdkParse(text: string): Promise<{ Records?: _Record[]; NextShardIterator?: string }> {
  body = text;
  return sdk.send(new GetRecordsCommand({ ShardIterator: 'it' }));
}

const image = {
  pk: { S: 'user#1' },
  sk: { N: '42' },
  blob: { B: Buffer.from([0, 1, 254, 255]).toString('base64') },
  blobs: { BS: [Buffer.from('a').toString('base64'), Buffer.from([200]).toString('base64')] },
  tags: { SS: ['a', 'b'] },
  nums: { NS: ['1', '2.5'] },
  flag: { BOOL: false },
  none: { NULL: true },
  prefs: { M: { n: { N: '1' }, inner: { L: [{ S: 'x' }, { B: Buffer.from('hi').toString('base64') }, { M: {} }] } } },
};
const wire = {
  Records: [
    {
      eventID: 'e1', eventName: 'MODIFY', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1764237600, Keys: { pk: image.pk, sk: image.sk }, NewImage: image, OldImage: { ...image, sk: { N: '41' } },
        SequenceNumber: '000000000000000000101', SizeBytes: 321, StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    },
    {
      eventID: 'e2', eventName: 'REMOVE', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1',
      dynamodb: { ApproximateCreationDateTime: 1764237601.5, Keys: { pk: image.pk, sk: image.sk }, OldImage: image, SequenceNumber: '000000000000000000102', SizeBytes: 100, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      userIdentity: { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' },
    },
  ],
  NextShardIterator: 'next-it',
};

/** Bytes as base64, for comparing SDK records with lean ones. */
const base64Bytes = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));

describe('parseGetRecords', () => {
  it('reads what the SDK reads: dates as Date, binary left as base64 text', async () => {
    const text = JSON.stringify(wire);
    const lean = parseGetRecords(text);
    const theirs = await sdkParse(text);
    expect(lean?.NextShardIterator).toBe('next-it');
    expect(lean?.Records).toHaveLength(2);
    const [a, b] = lean?.Records ?? [];
    expect(a?.dynamodb?.ApproximateCreationDateTime).toEqual(new Date(1764237600_000));
    expect(b?.dynamodb?.ApproximateCreationDateTime).toEqual(new Date(1764237601_500));
    expect(a?.dynamodb?.NewImage?.blob?.B).toBe('AAH+/w==');
    expect(theirs.Records?.[0]?.dynamodb?.NewImage?.blob?.B).toBeInstanceOf(Uint8Array);
    // Field for field the SDK's records, once its bytes are spelled as base64.
    expect(base64Bytes(lean?.Records)).toEqual(base64Bytes(theirs.Records));
    for (const [i, r] of (lean?.Records ?? []).entries()) {
      expect(r.dynamodb?.ApproximateCreationDateTime).toEqual(theirs.Records?.[i]?.dynamodb?.ApproximateCreationDateTime);
    }
  });

  it('gives the checker the same DynamoDB JSON as the SDK records do', async () => {
    const text = JSON.stringify(wire);
    const lean = parseGetRecords(text)?.Records ?? [];
    const theirs = (await sdkParse(text)).Records ?? [];
    for (const [i, r] of lean.entries()) {
      const s = theirs[i] as StreamRecord; // the SDK's records are StreamRecords too
      for (const part of ['Keys', 'NewImage', 'OldImage'] as const) {
        const mine = r.dynamodb?.[part];
        expect(mine === undefined ? undefined : toWireItem(mine as never)).toEqual(s.dynamodb?.[part] === undefined ? undefined : toWireItem(s.dynamodb[part] as never));
      }
    }
    expect(toWireItem(lean[0]?.dynamodb?.NewImage as never)).toMatchObject({ blob: { B: 'AAH+/w==' }, blobs: { BS: ['YQ==', 'yA=='] } });
  });

  it('an empty answer, a closed shard, and a null iterator', () => {
    expect(parseGetRecords('{}')).toEqual({ Records: [] });
    expect(parseGetRecords('{"Records":[],"NextShardIterator":"n"}')).toEqual({ Records: [], NextShardIterator: 'n' });
    expect(parseGetRecords('{"Records":[],"NextShardIterator":null}')).toEqual({ Records: [] });
    expect(parseGetRecords('{"Records":[{"eventName":"INSERT"}]}')?.Records).toEqual([{ eventName: 'INSERT' }]);
  });

  it('is undefined for a body that is not a GetRecords answer', () => {
    for (const bad of ['', 'not json', '[]', '"x"', 'null', '{"Records":{}}', '{"Records":[1]}', '{"Records":[null]}', '{"Records":[{"dynamodb":[]}]}', '{"NextShardIterator":5}', '{"Records":[{"dynamodb":{"ApproximateCreationDateTime":"soon"}}]}']) {
      expect(parseGetRecords(bad), bad).toBeUndefined();
    }
  });
});

describe('epochSecondsToDate', () => {
  it('takes epoch seconds as a number or its decimal text, rounded to the millisecond as the SDK does', () => {
    expect(epochSecondsToDate(1764237600)).toEqual(new Date('2025-11-27T10:00:00.000Z'));
    expect(epochSecondsToDate(1764237600.1234)).toEqual(new Date('2025-11-27T10:00:00.123Z'));
    expect(epochSecondsToDate('1764237600.5')).toEqual(new Date('2025-11-27T10:00:00.500Z'));
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '', '1e9', '2025-11-27T10:00:00Z', null, {}, true]) expect(epochSecondsToDate(bad), String(bad)).toBeUndefined();
  });
});

describe('parseGetShardIterator', () => {
  it('reads the iterator, its absence, and refuses anything else', () => {
    expect(parseGetShardIterator('{"ShardIterator":"arn:aws:dynamodb:…|1|AAAA"}')).toEqual({ ShardIterator: 'arn:aws:dynamodb:…|1|AAAA' });
    expect(parseGetShardIterator('{}')).toEqual({});
    expect(parseGetShardIterator('{"ShardIterator":null}')).toEqual({});
    for (const bad of ['', '[]', '{"ShardIterator":1}']) expect(parseGetShardIterator(bad), bad).toBeUndefined();
  });
});
