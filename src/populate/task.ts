/** The plain data a populate job hands its workers, and how rows are split into tasks. */
import type { CassandraConnection } from '../cassandra/client.js';
import type { JobShape } from '../engine/protocol.js';
import type { ModelName } from './model.js';

export interface PopulateWorkerData {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly model: ModelName;
  readonly seed: number;
  readonly edgeEvery: number;
  readonly invalidEvery: number;
  /** Statements in flight per worker. */
  readonly concurrency: number;
  readonly maxRetries: number;
  /** Write consistency level name, e.g. LOCAL_ONE. */
  readonly consistency: string;
}

export interface PopulateTask {
  readonly kind: 'rows';
  /** `rows-<start>-<end>`: the work item's id. */
  readonly id: string;
  /** Rows [start, end) by index. */
  readonly start: number;
  readonly end: number;
}

export type PopulatePhase = 'insert';
export type PopulateCounter = 'rows' | 'statements' | 'retries';

/** populate's names on both sides of the thread boundary. */
export interface PopulateJob extends JobShape {
  readonly counter: PopulateCounter;
  readonly phase: PopulatePhase;
  readonly task: PopulateTask;
  readonly data: never;
}

/** Splits [0, rows) into contiguous tasks of at most `chunkRows` rows. */
export function planPopulateTasks(rows: number, chunkRows: number): PopulateTask[] {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, got ${chunkRows}`);
  const tasks: PopulateTask[] = [];
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(rows, start + chunkRows);
    tasks.push({ kind: 'rows', id: `rows-${start}-${end}`, start, end });
  }
  return tasks;
}
