import type { CoordinatorConfig } from '../coord/session.js';
/** A monitor job's resolved configuration: validated once at the edge, trusted inside. */
import type { CassandraConnection } from '../cassandra/client.js';
import type { ArmedFailpoints } from '../engine/failpoints.js';
import type { MappingOptions } from '../mapping/options.js';
import type { SampleRate } from './sample.js';

/** Where a table is reached: `--endpoint-url`, `--region` and one of the profiles. */
export interface TableAccess {
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
}

/** `--source cassandra`: the Cassandra table that is the truth, and how its rows become items. */
export interface CassandraSourceConfig {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly mapping: MappingOptions;
  /** Where the mapping came from, for messages (file path or "defaults"). */
  readonly mappingSource: string;
  /** Read consistency level name of the row lookups. */
  readonly consistency: string;
}

export interface MonitorConfig {
  /**
   * `--source cassandra`: the stream is the DynamoDB target's (streamTable) and each change is
   * checked against this Cassandra table; undefined: DynamoDB on both sides (otherTable).
   */
  readonly cassandra?: CassandraSourceConfig;
  /** `source`: the stream is the source table's, checks read the target; `target`: the reverse. */
  readonly verifyOn: 'source' | 'target';
  /** The table whose stream is followed, and how to reach it (DescribeTable for its stream ARN). */
  readonly streamTable: string;
  readonly streamTableAccess: TableAccess;
  /** `--stream-arn`; undefined: the stream table's LatestStreamArn. */
  readonly streamArn?: string;
  /** How to reach the stream (`--stream-profile`). */
  readonly streamAccess: TableAccess;
  /** The table each sampled change is checked against, and how to reach it. */
  readonly otherTable: string;
  readonly otherAccess: TableAccess;
  /** `--partition-key` / `--sort-key`: checked against DescribeTable when given. */
  readonly partitionKey?: string;
  readonly sortKey?: string;
  readonly sampleRate: SampleRate;
  readonly iteratorType: 'TRIM_HORIZON' | 'LATEST';
  readonly statsIntervalMs: number;
  /** Stop after this long (`--duration`). */
  readonly durationMs?: number;
  /** Stop when every shard is read to its current end and every check is settled. */
  readonly untilCaughtUp: boolean;
  readonly threads: number;
  /** Shards one worker thread follows at once. */
  readonly shardsPerThread: number;
  /** Read units per second ceiling for the checks' reads (`--max-rcu`). */
  readonly maxRcu?: number;
  readonly recheckAfterMs: number;
  readonly maxRechecks: number;
  /** BatchGetItem requests in flight per shard. */
  readonly inFlight: number;
  readonly idleWaitMs: number;
  /** How often the shard listing is read again for new shards. */
  readonly rediscoverEveryMs: number;
  readonly verbose: boolean;
  /**
   * Judge INSERT / MODIFY against the stream's own table as it is now (a consistent read beside
   * the other side's) rather than the record's NewImage: what a KEYS_ONLY stream needs, and what
   * an OLD_IMAGE stream gets anyway.
   */
  readonly readStreamTable: boolean;
  /** Print the per-shard backlog in every statistics block (SIGUSR2 prints it once, any time). */
  readonly shardStats: boolean;
  /** Write histograms, the summary and an HTML page here at the end (`--report-dir`). */
  readonly reportDir?: string;
  readonly differencesPath: string;
  /** Per-shard checkpoint (src/monitor/checkpoint.ts). */
  readonly checkpointPath: string;
  /** Continue from the checkpoint. */
  readonly resume: boolean;
  /** `--coordinator`: many monitor processes on one stream, one owner per shard (src/monitor/coordinated.ts). */
  readonly coordinator?: CoordinatorConfig;
  /** With --coordinator: drop the job's state in the coordination table first. */
  readonly fresh?: boolean;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly connectionsPerThread: number;
  readonly taskTimeoutMs: number;
  readonly progressIntervalMs: number;
  readonly failpoints?: ArmedFailpoints;
}
