/** A verify worker's DynamoDB side: one keep-alive client with a reader, a writer and a deleter. */
import { BatchDeleter } from '../dynamodb/batch-deleter.js';
import { BatchReader } from '../dynamodb/batch-reader.js';
import { BatchWriter } from '../dynamodb/batch-writer.js';
import { openDynamoDbHttpClient, type DynamoDbHttpClient } from '../dynamodb/http-client.js';
import type { ResponseInfo } from '../dynamodb/retry-loop.js';
import type { DynamoTargetConfig } from '../migrate/task.js';

export interface VerifyDynamo {
  readonly client: DynamoDbHttpClient;
  readonly reader: BatchReader;
  readonly writer: BatchWriter;
  readonly deleter: BatchDeleter;
}

export async function openVerifyDynamo(
  target: DynamoTargetConfig,
  keyAttributes: readonly string[],
  consistentRead: boolean,
  onResponse: (info: ResponseInfo) => void,
): Promise<VerifyDynamo> {
  const client = await openDynamoDbHttpClient({
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    region: target.region,
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    connections: target.connections,
    requestTimeoutMs: target.requestTimeoutMs,
  });
  const retry = { maxRetries: target.maxRetries };
  return {
    client,
    reader: new BatchReader(client, { ...retry, keyAttributes, consistentRead, onResponse }),
    writer: new BatchWriter(client, retry),
    deleter: new BatchDeleter(client, { ...retry, keyAttributes }),
  };
}
