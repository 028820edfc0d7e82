/**
 * The running side of a coordinated migration (coordinated.ts prepares it): this process's
 * totals in its heartbeat, its share of the job's budget as its rate ceiling, its membership
 * while it holds leases, and its last heartbeat with the job's end as it saw it.
 */
import type { JobService } from '../engine/scheduler.js';
import type { ThroughputControl } from '../engine/throughput.js';
import type { JobStats } from '../metrics/job-stats.js';
import type { ProcessState } from '../coord/processes.js';
import type { Coordination } from './coordinated.js';
import type { MigrateStatus, MigrateSummary } from './summary.js';
import type { MigrateCounter } from './task.js';
import { attachJob } from '../coord/join.js';

export interface CoordinatedRun {
  readonly services: readonly JobService[];
  register(): Promise<void>;
  finish(summary: Pick<MigrateSummary, 'status' | 'exitStatus'>): Promise<void>;
}

export function startCoordinatedRun(c: Coordination, stats: JobStats<MigrateCounter>, control: ThroughputControl): CoordinatedRun {
  const { registry, source } = c;
  attachJob(c, {
    warn: (e) => stats.warning(e),
    totals: () => ({ rowsRead: stats.get('rowsRead'), itemsWritten: stats.get('itemsWritten'), deadLetters: stats.get('deadLetters') }),
    // --max-wcu is a budget in write units, --rate one in items: either limits the one write rate.
    controls: { wcu: control, items: control },
  });
  return {
    services: [source, registry],
    register: () => registry.register(),
    finish: async (summary) => {
      try {
        await registry.finish(processState(summary.status), summary.exitStatus);
      } finally {
        c.session.close();
      }
    },
  };
}

function processState(status: MigrateStatus): ProcessState {
  switch (status) {
    case 'interrupted':
      return 'interrupted';
    case 'failed':
    case 'too-many-errors':
      return 'failed';
    default:
      return 'finished';
  }
}

/** ", process P on dynamodb:T, which wrote the plan (N ranges)" for the start line. */
export function coordinatedStartText(c: Coordination): string {
  const who = c.plan.created ? 'which wrote the plan' : `joining the plan of ${c.plan.createdBy}`;
  return `, process ${c.config.processId} on ${c.config.text}, ${who} (${c.plan.itemCount} ranges in all${c.dropped > 0 ? `; --fresh dropped ${c.dropped} items of the job before` : ''})`;
}
