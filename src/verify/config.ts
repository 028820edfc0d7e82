/** A verify job's resolved configuration. */
import type { TableJobConfig } from '../job/table-job.js';

export interface VerifyConfig extends TableJobConfig {
  /** BatchGetItem requests in flight per thread. */
  readonly inFlight: number;
  /** Share of the data to check, 0 < rate ≤ 1. */
  readonly sampleRate: number;
  readonly seed: number;
  readonly checkExtra: boolean;
  readonly consistentRead: boolean;
  readonly recheckAfterMs: number;
  readonly fix: boolean;
  readonly fixExtra: boolean;
  /** With --coordinator: drop the job's state in the coordination table first (`--fresh`). */
  readonly fresh?: boolean;
  readonly differencesPath: string;
  /** Read units per second ceiling for BatchGetItem and Scan (`--max-rcu`); the rate adapts below it. */
  readonly maxRcu?: number;
  /** Write units per second ceiling for repairs (`--max-wcu`, with --fix / --fix-extra). */
  readonly maxWcu?: number;
}
