/**
 * verify shared by many processes (--coordinator): the ranges and scan segments of the job as
 * leases, the read budget (--max-rcu) and the repair budget (--max-wcu) shared by the processes
 * at work, and every difference counted in its item's lease, so the job knows its differences
 * whichever process found them. Differences files stay per process.
 */
import { createHash } from 'node:crypto';
import type { JobService } from '../engine/scheduler.js';
import type { ThroughputControl } from '../engine/throughput.js';
import type { WorkItem } from '../engine/work-source.js';
import type { ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { attachJob, joinCoordinatedJob, type JoinedJob } from '../coord/join.js';
import type { JobStats } from '../metrics/job-stats.js';
import type { VerifyConfig } from './config.js';
import type { VerifyCounter, VerifyTask } from './task.js';

export interface CoordinatedVerify extends JoinedJob<VerifyTask> {
  readonly services: readonly JobService[];
  /** Differences the whole job found (every process's, from the leases). */
  jobDifferences(): number;
  finish(exitStatus: number, interrupted: boolean, failed: boolean): Promise<void>;
}

export async function joinVerify(
  config: VerifyConfig,
  target: { readonly endpoint: ResolvedEndpoint; readonly identity: string },
  items: ReadonlyArray<WorkItem<VerifyTask>>,
  stats: JobStats<VerifyCounter>,
  controls: { readonly reads: ThroughputControl; readonly repairs: ThroughputControl },
): Promise<CoordinatedVerify> {
  const coordinator = config.coordinator!;
  // The same job: the same source, target, mapping, sample and checks (a different one is refused).
  const what = [config.keyspace, config.table, config.targetTable, target.identity, JSON.stringify(config.mapping), config.sampleRate, config.seed, config.checkExtra, config.fix, config.fixExtra];
  const budgets: Record<string, number> = {
    ...(config.maxRcu === undefined ? {} : { 'budget.rcu': config.maxRcu }),
    ...(config.maxWcu === undefined ? {} : { 'budget.wcu': config.maxWcu }),
  };
  const joined = await joinCoordinatedJob<VerifyTask>({
    job: 'verify',
    config: coordinator,
    endpoint: target.endpoint,
    identity: {
      key: createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16),
      description: `${config.keyspace}.${config.table} against ${config.targetTable} at ${target.identity}, sample ${config.sampleRate}, seed ${config.seed}${config.checkExtra ? ', --check-extra' : ''}${config.fix ? ', --fix' : ''}`,
      settings: budgets,
    },
    items: () => items.map((it) => ({ id: it.id, task: it.task })),
    decode: (json) => JSON.parse(json) as VerifyTask,
    fresh: config.fresh ?? false,
    files: { differences: config.differencesPath, ...(config.reportDir === undefined ? {} : { report: config.reportDir }) },
  });
  const { registry, source } = joined;
  attachJob(joined, {
    warn: (e) => stats.warning(e),
    totals: () => ({ rowsRead: stats.get('rowsChecked'), itemsWritten: stats.get('matched'), differences: stats.get('missing') + stats.get('mismatched') + stats.get('extra') }),
    controls: { rcu: controls.reads, wcu: controls.repairs },
  });
  await registry.register();
  return {
    ...joined,
    services: [source, registry],
    jobDifferences: () => source.items().reduce((a, v) => a + (v.counts.differences ?? 0), 0),
    finish: async (exitStatus, interrupted, failed) => {
      try {
        await registry.finish(interrupted ? 'interrupted' : failed ? 'failed' : 'finished', exitStatus);
      } finally {
        joined.session.close();
      }
    },
  };
}
