/**
 * A verify task's DynamoDB side: a reader, a writer and a deleter over the keep-alive client its
 * worker owns, each behind the job's rate limits — reads (BatchGetItem) take read units from the
 * read bucket, repairs (--fix rewrites, --fix-extra deletes) write units from the write bucket —
 * and each reporting its latency to the task.
 */
import { BatchDeleter } from '../dynamodb/batch-deleter.js';
import { BatchReader } from '../dynamodb/batch-reader.js';
import { BatchWriter } from '../dynamodb/batch-writer.js';
import type { DynamoDbHttpClient } from '../dynamodb/http-client.js';
import type { ResponseInfo } from '../dynamodb/retry-loop.js';
import type { DynamoTargetConfig } from '../dynamodb/target.js';
import type { TokenBucket } from '../engine/token-bucket.js';

export interface VerifyDynamo {
  readonly client: DynamoDbHttpClient;
  readonly reader: BatchReader;
  readonly writer: BatchWriter;
  readonly deleter: BatchDeleter;
}

export interface VerifyDynamoHooks {
  readonly readBucket: TokenBucket;
  readonly writeBucket: TokenBucket;
  /** Read units one key costs: ½ for an eventually consistent read of an item up to 4 KB, 1 for a strong one. */
  readonly readUnitsPerKey: number;
  readonly onRead: (info: ResponseInfo) => void;
  readonly onWrite: (info: ResponseInfo) => void;
  /** Milliseconds a request waited for its rate. */
  readonly onRateWait: (ms: number) => void;
}

export function readUnitsPerKey(consistentRead: boolean): number {
  return consistentRead ? 1 : 0.5;
}

export function verifyDynamo(client: DynamoDbHttpClient, target: DynamoTargetConfig, keyAttributes: readonly string[], consistentRead: boolean, hooks: VerifyDynamoHooks): VerifyDynamo {
  const retry = { maxRetries: target.maxRetries };
  const take = async (bucket: TokenBucket, units: number): Promise<void> => {
    const waited = await bucket.take(units);
    if (waited > 0) hooks.onRateWait(waited);
  };
  return {
    client,
    reader: new BatchReader(client, {
      ...retry,
      keyAttributes,
      consistentRead,
      beforeRequest: (keyCount) => take(hooks.readBucket, keyCount * hooks.readUnitsPerKey),
      onResponse: hooks.onRead,
    }),
    writer: new BatchWriter(client, { ...retry, beforeRequest: (_items, units) => take(hooks.writeBucket, units), onResponse: hooks.onWrite }),
    // A delete costs one write unit per item of up to 1 KB: one per key is the floor.
    deleter: new BatchDeleter(client, { ...retry, keyAttributes, beforeRequest: (keyCount) => take(hooks.writeBucket, keyCount), onResponse: hooks.onWrite }),
  };
}
