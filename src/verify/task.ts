/** The plain data a verify job hands its workers, and what comes back. */
import type { CassandraConnection } from '../cassandra/client.js';
import type { RangeProgress } from '../engine/checkpoint.js';
import type { MappingOptions } from '../mapping/options.js';
import type { TableSpec } from '../mapping/table-spec.js';
import type { DynamoTargetConfig } from '../migrate/task.js';

export interface VerifyWorkerData {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly tableSpec: TableSpec;
  readonly mapping: MappingOptions;
  readonly selectCql: string;
  readonly tokenAlias: string;
  readonly fetchSize: number;
  readonly consistency: string;
  readonly target: DynamoTargetConfig;
  /** BatchGetItem requests in flight per worker. */
  readonly inFlight: number;
  readonly consistentRead: boolean;
  /** Re-check a difference this long after it was seen, before reporting it; 0: no re-check. */
  readonly recheckAfterMs: number;
  /** Rewrite missing and mismatched items from the source. */
  readonly fix: boolean;
  /** Delete items with no source row (with --check-extra). */
  readonly fixExtra: boolean;
  readonly progressIntervalMs: number;
  readonly rateSlots: Int32Array;
}

export type VerifyTask =
  | { readonly kind: 'range'; readonly taskId: string; readonly range: RangeProgress }
  | { readonly kind: 'extra-segment'; readonly taskId: string; readonly segment: number; readonly totalSegments: number };

export interface VerifyTaskDone {
  readonly rowsChecked: number;
  readonly itemsScanned: number;
}

/** One difference, as written to the differences file. */
export interface Difference {
  readonly kind: 'missing' | 'mismatch' | 'extra';
  /** Source key columns (JSON-safe) for missing/mismatch; the item's key attributes for extra. */
  readonly key: Readonly<Record<string, unknown>>;
  /** Differing attributes (mismatch): path, expected and actual values in DynamoDB JSON. */
  readonly attributes?: ReadonlyArray<{ readonly path: string; readonly kind: string; readonly expected?: unknown; readonly actual?: unknown }>;
  /** The repair made (with --fix / --fix-extra). */
  readonly fixed?: 'rewritten' | 'deleted';
  readonly range?: string;
}

export type VerifyPhase = 'page-fetch' | 'convert' | 'batch-get' | 'compare' | 'scan-page' | 'source-lookup' | 'range';
export type VerifyCounter =
  | 'rowsChecked'
  | 'matched'
  | 'missing'
  | 'mismatched'
  | 'unconvertible'
  | 'itemsScanned'
  | 'extra'
  | 'undecodable'
  | 'unverifiable'
  | 'fixedRewritten'
  | 'fixedDeleted'
  | 'rechecked'
  | 'resolvedOnRecheck'
  | 'requests'
  | 'retries'
  | 'throttledRequests'
  | 'unprocessedRetries'
  | 'readUnits'
  | `mismatch:${string}`;
