/**
 * The two calls readShard makes, behind one small interface with two implementations:
 *
 *   readShard ─▶ StreamsReadClient ─┬─ sdkReadClient(DynamoDBStreamsClient): the AWS SDK
 *                                   └─ LeanStreamsClient (lean-client.ts): signer + keep-alive
 *                                      transport + JSON.parse, the monitor's and the bench's path
 *
 * Either rejects with an error that streams/errors.ts classifies (`streamErrorKind`,
 * `toStreamToolError`): an SDK error (`name`, `$metadata`), the lean path's DdbError, or an
 * AbortError when the signal aborts.
 */
import { GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { StreamRecord } from './records.js';

export type ShardIteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER';

export interface GetShardIteratorInput {
  readonly StreamArn: string;
  readonly ShardId: string;
  readonly ShardIteratorType: ShardIteratorType;
  /** With AT_ / AFTER_SEQUENCE_NUMBER. */
  readonly SequenceNumber?: string;
}

export interface GetRecordsInput {
  readonly ShardIterator: string;
  readonly Limit?: number;
}

export interface GetRecordsAnswer {
  /** In shard order; empty at an open shard's current end. */
  readonly Records: StreamRecord[];
  /** Absent once a closed shard is read to its end. */
  readonly NextShardIterator?: string;
}

export interface StreamsReadClient {
  /** Undefined when the service names no iterator. */
  getShardIterator(input: GetShardIteratorInput, signal?: AbortSignal): Promise<string | undefined>;
  getRecords(input: GetRecordsInput, signal?: AbortSignal): Promise<GetRecordsAnswer>;
}

/** The SDK client as a StreamsReadClient; its retries (maxAttempts) and errors are the SDK's. */
export function sdkReadClient(client: DynamoDBStreamsClient): StreamsReadClient {
  const options = (signal: AbortSignal | undefined) => (signal === undefined ? {} : { abortSignal: signal });
  return {
    async getShardIterator(input, signal) {
      return (await client.send(new GetShardIteratorCommand(input), options(signal))).ShardIterator;
    },
    async getRecords(input, signal) {
      const out = await client.send(new GetRecordsCommand(input), options(signal));
      const next = out.NextShardIterator;
      return { Records: out.Records ?? [], ...(next === undefined || next === null ? {} : { NextShardIterator: next }) };
    },
  };
}
