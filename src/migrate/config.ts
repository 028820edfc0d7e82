/** A migrate job's resolved configuration: validated once at the edge, trusted inside. */
import type { TableJobConfig } from '../job/table-job.js';
import type { RateMode } from '../engine/throughput.js';
import type { StreamViewType } from '../dynamodb/table-admin.js';

export interface MigrateConfig extends TableJobConfig {
  /** BatchWriteItem requests in flight per thread. */
  readonly inFlightBatches: number;
  readonly createTable: boolean;
  /** With createTable: the created table has a stream of this view type (`--stream-view-type`). */
  readonly streamViewType?: StreamViewType;
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
  /** Times a failed range is retried from its checkpoint position before it is left pending. */
  readonly rangeRetries: number;
  readonly checkpointEveryMs: number;
}
