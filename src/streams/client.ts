/**
 * The DynamoDB Streams client, built like the admin client (dynamodb/credentials.ts
 * `createDynamoDbClient`): same resolved endpoint, signing region and credential source, so a
 * loopback endpoint (DynamoDB Local) works with no credentials configured. And the stream of a
 * table, from DescribeTable.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DEFAULTS } from '../config/defaults.js';
import type { CredentialSource } from '../dynamodb/credentials.js';
import type { ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { ErrorCode, toolError } from '../errors.js';
import { toStreamToolError } from './errors.js';
import { streamsEndpointUrl } from './streams-url.js';

export { streamsEndpointUrl, streamsUrl } from './streams-url.js';

export interface StreamsClientOptions {
  /** Attempts of one call, the SDK's own retries included; default DEFAULTS.dynamodb.sdkMaxAttempts. */
  readonly maxAttempts?: number;
  /** Default DEFAULTS.dynamodb.requestTimeoutMs. */
  readonly requestTimeoutMs?: number;
}

/** The SDK client, for DescribeStream (and readShard through sdkReadClient). Close it with destroy(). */
export function createStreamsClient(endpoint: ResolvedEndpoint, credentials: CredentialSource, options: StreamsClientOptions = {}): DynamoDBStreamsClient {
  const url = streamsEndpointUrl(endpoint);
  return new DynamoDBStreamsClient({
    region: endpoint.signingRegion,
    ...(url === undefined ? {} : { endpoint: url }),
    // A copy: the SDK tags credential objects it is given (`$source`), ours may be frozen.
    credentials: async () => ({ ...(await credentials.get()) }),
    maxAttempts: options.maxAttempts ?? DEFAULTS.dynamodb.sdkMaxAttempts,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? DEFAULTS.dynamodb.requestTimeoutMs },
  });
}

/**
 * The table's current stream (LatestStreamArn). A table with no stream, or with its stream
 * disabled, is a DYNAMODB_SCHEMA error: the monitor has nothing to follow, and the fix is on the
 * table. A disabled stream stays readable for 24 h under its old ARN: pass that ARN explicitly.
 */
export async function resolveStreamArn(adminClient: DynamoDBClient, table: string): Promise<string> {
  let description;
  try {
    description = (await adminClient.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ResourceNotFoundException') {
      throw toolError(ErrorCode.DYNAMODB_SCHEMA, `DynamoDB table '${table}' does not exist`, { table });
    }
    throw toStreamToolError(error, `DescribeTable '${table}'`, { table });
  }
  const arn = description?.LatestStreamArn;
  if (arn === undefined || arn === '' || description?.StreamSpecification?.StreamEnabled !== true) {
    throw toolError(
      ErrorCode.DYNAMODB_SCHEMA,
      `DynamoDB table '${table}' has no enabled stream; enable one (StreamSpecification StreamEnabled=true, StreamViewType=NEW_AND_OLD_IMAGES) or pass --stream-arn`,
      { table },
    );
  }
  return arn;
}
