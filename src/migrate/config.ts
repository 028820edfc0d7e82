/** A migrate job's resolved configuration: validated once at the edge, trusted inside. */
import type { CassandraConnection } from '../cassandra/client.js';
import type { MappingOptions } from '../mapping/options.js';
import type { RateMode } from './throughput.js';

export interface MigrateConfig {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly targetTable: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly threads: number;
  /** Sub-ranges of the ring. */
  readonly splits: number;
  readonly fetchSize: number;
  readonly consistency: string;
  /** BatchWriteItem requests in flight per thread. */
  readonly inFlightBatches: number;
  /** Keep-alive connections per thread to DynamoDB. */
  readonly connectionsPerThread: number;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly createTable: boolean;
  readonly mapping: MappingOptions;
  /** Where the mapping came from, for messages (file path or "defaults"). */
  readonly mappingSource: string;
  readonly checkpointPath?: string;
  readonly resume: boolean;
  /** Start over even though an unfinished checkpoint exists. */
  readonly fresh: boolean;
  readonly deadLetterPath?: string;
  /** Dead letters allowed before the job aborts (exit 2); -1: no limit. */
  readonly maxErrors: number;
  readonly dryRun: boolean;
  /** Write units per second the target allows: the controller's ceiling and the dry run's estimate. */
  readonly maxWcu?: number;
  /** How the write rate is set: adaptive (default), fixed, or unlimited. */
  readonly rate: RateMode;
  /** Where to write .hgrm files, summary.json, timeline and the HTML report. */
  readonly reportDir?: string;
  /** Times a failed range is retried from its checkpoint position before it is left pending. */
  readonly rangeRetries: number;
  readonly checkpointEveryMs: number;
  readonly progressIntervalMs: number;
}
