/** The plain data a migrate job hands its workers. */
import type { DeadLetter } from '../engine/dead-letters.js';
import type { JobShape } from '../engine/protocol.js';
import type { RangeDescriptor } from '../plan/token-ranges.js';
import type { TableWorkerData } from '../job/table-job.js';

/** Moved to src/dynamodb/target.ts; re-exported for importers not yet switched. */
export type { DynamoTargetConfig } from '../dynamodb/target.js';

export interface MigrateWorkerData extends TableWorkerData {
  /** BatchWriteItem requests in flight per worker. */
  readonly inFlightBatches: number;
  /** SharedArrayBuffer-backed rate slots (src/engine/rate-slots.ts): the job's rate, read before each batch. */
  readonly rateSlots: Int32Array;
}

/** Copy the rows of one token range; the envelope's cursor is the token the range resumes after. */
export interface MigrateTask {
  readonly kind: 'range';
  readonly range: RangeDescriptor;
}

/** Rows that cannot be written; sent before the position that moves past them. */
export interface DeadLettersData {
  readonly type: 'dead-letters';
  readonly letters: readonly DeadLetter[];
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

/** migrate's names on both sides of the thread boundary. */
export interface MigrateJob extends JobShape {
  readonly counter: MigrateCounter;
  readonly phase: MigratePhase;
  readonly task: MigrateTask;
  readonly data: DeadLettersData;
}
