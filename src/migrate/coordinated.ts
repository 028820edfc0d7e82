/**
 * A migration shared by many processes through a coordination table (--coordinator): the plan
 * written once (coord/plan.ts), ranges claimed as leases (coord/lease-source.ts), the process
 * registered with its heartbeat and its share of the job's rate budget (coord/processes.ts).
 *
 * The lease table is the job's checkpoint: a range's position is written with its lease, so
 * whichever process takes a range over continues from where its owner stopped. `LeaseBook` is
 * that checkpoint as the migration reads it (ranges, totals), with nothing saved locally.
 */
import { jobKey, type CheckpointTotals, type JobIdentity, type RangeProgress } from '../engine/checkpoint.js';
import type { RangeDescriptor } from '../plan/token-ranges.js';
import type { CoordinatorConfig } from '../coord/session.js';
import type { CoordinationTable } from '../coord/session.js';
import type { JoinedPlan } from '../coord/plan.js';
import type { LeaseSource } from '../coord/lease-source.js';
import type { ProcessRegistry } from '../coord/processes.js';
import { joinCoordinatedJob } from '../coord/join.js';
import type { ResolvedEndpoint } from '../dynamodb/endpoint.js';
import type { MigrateTask } from './task.js';

/** What a migration reads of its checkpoint; a Checkpoint file and the lease table both are one. */
export interface RangeBook {
  /** Where the positions live: a file, or the coordination table. */
  readonly file: string;
  all(): RangeProgress[];
  pending(): RangeProgress[];
  getTotals(): CheckpointTotals;
  addTotals(delta: Partial<CheckpointTotals>): void;
  save(force?: boolean): void;
}

export interface Coordination {
  readonly config: CoordinatorConfig;
  readonly session: CoordinationTable;
  readonly plan: JoinedPlan;
  readonly source: LeaseSource<MigrateTask>;
  readonly registry: ProcessRegistry;
  readonly book: LeaseBook;
  /** The job's items dropped by --fresh before this run (0 without it). */
  readonly dropped: number;
}

/** The job's ranges as the coordination table holds them, with this process's positions on top. */
export class LeaseBook implements RangeBook {
  private own: CheckpointTotals = { rowsRead: 0, itemsWritten: 0, deadLetters: 0 };

  constructor(
    readonly file: string,
    private readonly source: LeaseSource<MigrateTask>,
    private readonly registry: ProcessRegistry,
  ) {}

  all(): RangeProgress[] {
    return this.source.items().map((v) => {
      const range = JSON.parse(v.taskJson) as RangeDescriptor;
      return { ...range, state: v.state, ...(v.state === 'pending' && v.cursor !== undefined ? { resumeAfter: v.cursor } : {}) };
    });
  }

  pending(): RangeProgress[] {
    return this.all().filter((r) => r.state === 'pending');
  }

  /** Dead letters of the whole job, exactly (each counted in its range's lease with the position after it). */
  jobDeadLetters(): number {
    return this.source.items().reduce((a, v) => a + (v.counts.deadLetters ?? 0), 0);
  }

  /** Rows and items of every process of the job (their last heartbeats), this one's own included. */
  getTotals(): CheckpointTotals {
    const t = { rowsRead: 0, itemsWritten: 0, deadLetters: this.jobDeadLetters() };
    for (const p of this.registry.processes) {
      if (p.processId === this.registry.info.processId) continue;
      t.rowsRead += p.totals.rowsRead ?? 0;
      t.itemsWritten += p.totals.itemsWritten ?? 0;
    }
    t.rowsRead += this.own.rowsRead;
    t.itemsWritten += this.own.itemsWritten;
    return t;
  }

  addTotals(delta: Partial<CheckpointTotals>): void {
    this.own = {
      rowsRead: this.own.rowsRead + (delta.rowsRead ?? 0),
      itemsWritten: this.own.itemsWritten + (delta.itemsWritten ?? 0),
      deadLetters: this.own.deadLetters + (delta.deadLetters ?? 0),
    };
  }

  /** Positions are written with the leases, not here. */
  save(): void {}
}

export interface CoordinatedPrepare {
  readonly config: CoordinatorConfig;
  readonly endpoint: ResolvedEndpoint;
  readonly job: JobIdentity;
  readonly ranges: () => readonly RangeDescriptor[];
  readonly fresh: boolean;
  /** The job's write budget (--max-wcu, or --rate in items/s), shared by every process. */
  readonly budget?: { readonly channel: 'wcu' | 'items'; readonly perSecond: number };
  readonly files: Readonly<Record<string, string>>;
}

/** Joins (or starts) the coordinated job: the table opened, the plan joined, this process registered. */
export async function prepareCoordination(p: CoordinatedPrepare): Promise<Coordination> {
  const joined = await joinCoordinatedJob<MigrateTask>({
    job: 'migrate',
    config: p.config,
    endpoint: p.endpoint,
    identity: {
      key: jobKey(p.job),
      description: `${p.job.keyspace}.${p.job.table} → ${p.job.targetTable} at ${p.job.target}, mapping ${p.job.mappingDigest}`,
      settings: p.budget === undefined ? {} : { [`budget.${p.budget.channel}`]: p.budget.perSecond },
    },
    items: () => p.ranges().map((r) => ({ id: r.id, task: r, estimatedRows: r.estimatedRows })),
    decode: (json) => ({ kind: 'range', range: JSON.parse(json) as RangeDescriptor }),
    fresh: p.fresh,
    files: p.files,
  });
  const book = new LeaseBook(`${p.config.text} (process ${p.config.processId})`, joined.source, joined.registry);
  return { config: p.config, ...joined, book };
}
