/** A verify job's resolved configuration. */
import type { CassandraConnection } from '../cassandra/client.js';
import type { MappingOptions } from '../mapping/options.js';

export interface VerifyConfig {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly targetTable: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly threads: number;
  readonly splits: number;
  readonly fetchSize: number;
  readonly consistency: string;
  readonly inFlight: number;
  readonly connectionsPerThread: number;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly mapping: MappingOptions;
  readonly mappingSource: string;
  /** Share of the data to check, 0 < rate ≤ 1. */
  readonly sampleRate: number;
  readonly seed: number;
  readonly checkExtra: boolean;
  readonly consistentRead: boolean;
  readonly recheckAfterMs: number;
  readonly fix: boolean;
  readonly fixExtra: boolean;
  readonly differencesPath: string;
  /** Read units per second ceiling for BatchGetItem/Scan (0: adaptive only). */
  readonly maxRcu?: number;
  readonly reportDir?: string;
  readonly progressIntervalMs: number;
}
