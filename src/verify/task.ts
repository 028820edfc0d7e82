/** The plain data a verify job hands its workers, and what comes back. */
import type { JobShape } from '../engine/protocol.js';
import type { RangeDescriptor } from '../plan/token-ranges.js';
import type { TableWorkerData } from '../job/table-job.js';

export interface VerifyWorkerData extends TableWorkerData {
  /** BatchGetItem requests in flight per worker. */
  readonly inFlight: number;
  readonly consistentRead: boolean;
  /** Re-check a difference this long after it was seen, before reporting it; 0: no re-check. */
  readonly recheckAfterMs: number;
  /** Rewrite missing and mismatched items from the source. */
  readonly fix: boolean;
  /** Delete items with no source row (with --check-extra). */
  readonly fixExtra: boolean;
  readonly rateSlots: Int32Array;
}

/** Check one token range (resuming after the envelope's cursor), or one scan segment of the target. */
export type VerifyTask =
  | { readonly kind: 'range'; readonly range: RangeDescriptor }
  | { readonly kind: 'extra-segment'; readonly segment: number; readonly totalSegments: number };

/** Differences found (and, with --fix, repaired): written to the differences file as they come. */
export interface DifferencesData {
  readonly type: 'differences';
  readonly differences: readonly Difference[];
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

export type VerifyPhase = 'page-fetch' | 'convert' | 'batch-get' | 'compare' | 'scan-page' | 'source-lookup' | 'fix-write' | 'range';
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
  /** Repairs (--fix, --fix-extra): their own rate channel. */
  | 'fixRequests'
  | 'fixThrottledRequests'
  | 'fixWriteUnits'
  | `mismatch:${string}`;

/** verify's names on both sides of the thread boundary. */
export interface VerifyJob extends JobShape {
  readonly counter: VerifyCounter;
  readonly phase: VerifyPhase;
  readonly task: VerifyTask;
  readonly data: DifferencesData;
}
