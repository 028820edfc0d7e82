/**
 * The shards of a stream, as plain data: DescribeStream paginated to the end (DynamoDB Local
 * and the Go tool stop at the first 100; shards past them would never be read), and the children
 * of one shard when it ends.
 */
import { DescribeStreamCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';
import { ErrorCode, toolError } from '../errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { streamErrorKind, toStreamToolError } from './errors.js';
import { withThrottleRetry, type ThrottleOptions } from './throttle.js';

export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly startingSequenceNumber: string;
  /** Set once the shard is closed: it takes no more records, and its children carry on. */
  readonly endingSequenceNumber?: string;
}

export type StreamStatus = 'ENABLING' | 'ENABLED' | 'DISABLING' | 'DISABLED';

export interface StreamDescription {
  readonly status: StreamStatus;
  readonly viewType: string | undefined;
  /** [{ AttributeName, KeyType }], as DescribeTable gives it. */
  readonly keySchema: ReadonlyArray<{ readonly attributeName: string; readonly keyType: 'HASH' | 'RANGE' }>;
  /** In listing order (parents are listed before their children), each shard once. */
  readonly shards: ShardInfo[];
}

export interface DescribeOptions extends ThrottleOptions {
  /** Shards per call; default DEFAULTS.streams.describePageLimit (the service maximum). */
  readonly pageLimit?: number;
  /** Only the children of this shard (ShardFilter CHILD_SHARDS); see childShards. */
  readonly childrenOf?: string;
}

export const isClosed = (shard: ShardInfo): boolean => shard.endingSequenceNumber !== undefined;

function toShardInfo(shard: Shard, streamArn: string): ShardInfo {
  const id = shard.ShardId;
  const start = shard.SequenceNumberRange?.StartingSequenceNumber;
  if (id === undefined || start === undefined) {
    throw toolError(ErrorCode.DYNAMODB_BAD_RESPONSE, `DescribeStream ${streamArn}: a shard without ShardId or StartingSequenceNumber`, { streamArn }, true);
  }
  const end = shard.SequenceNumberRange?.EndingSequenceNumber;
  return {
    shardId: id,
    ...(shard.ParentShardId === undefined ? {} : { parentShardId: shard.ParentShardId }),
    startingSequenceNumber: start,
    ...(end === undefined ? {} : { endingSequenceNumber: end }),
  };
}

export async function describeStream(client: DynamoDBStreamsClient, streamArn: string, options: DescribeOptions = {}): Promise<StreamDescription> {
  const context = { streamArn };
  const shards: ShardInfo[] = [];
  const seen = new Set<string>();
  let start: string | undefined;
  let first: { status: StreamStatus; viewType: string | undefined; keySchema: StreamDescription['keySchema'] } | undefined;
  for (;;) {
    const input = {
      StreamArn: streamArn,
      Limit: options.pageLimit ?? DEFAULTS.streams.describePageLimit,
      ...(start === undefined ? {} : { ExclusiveStartShardId: start }),
      ...(options.childrenOf === undefined ? {} : { ShardFilter: { Type: 'CHILD_SHARDS' as const, ShardId: options.childrenOf } }),
    };
    const page = await withThrottleRetry(
      async () => {
        try {
          return await client.send(new DescribeStreamCommand(input), options.signal === undefined ? {} : { abortSignal: options.signal });
        } catch (error) {
          if (streamErrorKind(error) === 'throttled') throw error;
          throw toStreamToolError(error, `DescribeStream ${streamArn}`, context);
        }
      },
      `DescribeStream ${streamArn}`,
      context,
      options,
    );
    const d = page.StreamDescription;
    first ??= {
      status: (d?.StreamStatus ?? 'ENABLED') as StreamStatus,
      viewType: d?.StreamViewType,
      keySchema: (d?.KeySchema ?? []).map((k) => ({ attributeName: k.AttributeName ?? '', keyType: k.KeyType as 'HASH' | 'RANGE' })),
    };
    for (const shard of d?.Shards ?? []) {
      const info = toShardInfo(shard, streamArn);
      // Pages may overlap when shards are added between calls; keep each shard once.
      if (seen.has(info.shardId)) continue;
      seen.add(info.shardId);
      shards.push(info);
    }
    const next = d?.LastEvaluatedShardId;
    if (next === undefined || next === '') break;
    // A server that hands back the same page marker again would loop forever.
    if (next === start) {
      throw toolError(ErrorCode.DYNAMODB_BAD_RESPONSE, `DescribeStream ${streamArn}: LastEvaluatedShardId ${next} repeated`, context, true);
    }
    start = next;
  }
  return { ...first, shards };
}

/**
 * The children of `shardId` (usually two after a split, none while it is open). Asks with
 * ShardFilter CHILD_SHARDS; a server that ignores the filter (DynamoDB Local 3.1.0) answers with
 * every shard, paginated to the end by describeStream, which is the full listing: keep the
 * shards whose parent is `shardId`. Either way the answer is exactly the children.
 */
export async function childShards(client: DynamoDBStreamsClient, streamArn: string, shardId: string, options: ThrottleOptions = {}): Promise<ShardInfo[]> {
  const answer = await describeStream(client, streamArn, { ...options, childrenOf: shardId });
  return answer.shards.filter((s) => s.parentShardId === shardId);
}
