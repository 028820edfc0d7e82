/** The plain data a migrate job hands its workers. */
import type { CassandraConnection } from '../cassandra/client.js';
import type { RangeProgress } from '../engine/checkpoint.js';
import type { MappingOptions } from '../mapping/options.js';
import type { TableSpec } from '../mapping/table-spec.js';

export interface DynamoTargetConfig {
  /** `--endpoint-url`; undefined: the region's AWS endpoint. */
  readonly endpoint?: string;
  readonly region: string;
  readonly profile?: string;
  readonly table: string;
  /** Keep-alive connections per worker. */
  readonly connections: number;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
}

export interface MigrateWorkerData {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly tableSpec: TableSpec;
  readonly mapping: MappingOptions;
  /** Built on the main thread: `SELECT token(...) AS <tokenAlias>, ... WHERE token(...) > ? AND token(...) <= ?`. */
  readonly selectCql: string;
  readonly tokenAlias: string;
  readonly fetchSize: number;
  /** Consistency level name, e.g. LOCAL_ONE. */
  readonly consistency: string;
  readonly target: DynamoTargetConfig;
  /** BatchWriteItem requests in flight per worker. */
  readonly inFlightBatches: number;
  readonly progressIntervalMs: number;
  /** SharedArrayBuffer-backed rate slots (src/engine/rate-slots.ts): the job's rate, read before each batch. */
  readonly rateSlots: Int32Array;
}

export interface MigrateTask {
  readonly taskId: string;
  readonly range: RangeProgress;
}

export interface MigrateTaskDone {
  readonly rowsRead: number;
  readonly itemsWritten: number;
  readonly deadLetters: number;
  readonly pages: number;
}

export type MigratePhase = 'page-fetch' | 'convert' | 'batch-write' | 'retries-per-item' | 'range';
export type MigrateCounter =
  | 'rowsRead'
  | 'itemsWritten'
  | 'deadLetters'
  | 'merged'
  | 'retries'
  | 'throttledRequests'
  | 'unprocessedRetries'
  | 'requests'
  | 'pages'
  | 'writeUnits'
  | 'rateWaitMs';
