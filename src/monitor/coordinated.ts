/**
 * monitor shared by many processes (--coordinator): one owner per stream shard, through leases.
 *
 *   first listing ──▶ the plan (the first process writes it): each shard with its start
 *                     (LATEST for the shards open at a LATEST start, TRIM_HORIZON otherwise), its
 *                     parent, and the shards closed before a LATEST start written done (skipped)
 *   every listing ──▶ shards not in the table yet are added (TRIM_HORIZON: children of shards
 *                     being read), by whichever process lists them first
 *   claims        ──▶ a shard is taken only once its parent is done, whoever read the parent
 *                     (the KCL's rule), or when the parent is gone from the job (trimmed)
 *   positions     ──▶ the sequence number settled, in the shard's lease: a process that takes
 *                     a shard over reads on after it
 *
 * What stays per process: its own counts and differences (a shard's changes are judged by the
 * process that reads them), and the keys a parent hands its children when both are read here.
 */
import { createHash } from 'node:crypto';
import type { JobService } from '../engine/scheduler.js';
import type { ThroughputControl } from '../engine/throughput.js';
import type { Pull, WorkSource } from '../engine/work-source.js';
import type { PlainError } from '../errors.js';
import type { ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { attachJob, joinCoordinatedJob, type JoinedJob } from '../coord/join.js';
import type { PlanItem } from '../coord/plan.js';
import type { JobStats } from '../metrics/job-stats.js';
import { isClosed, type ShardInfo } from '../streams/shards.js';
import type { ShardTask } from '../streams/shard-source.js';
import type { MonitorConfig } from './config.js';
import type { MonitorCounter, MonitorTask } from './task.js';

/** The shards of a listing as plan items; `first`: the job's first listing (a LATEST start skips what is closed). */
export function shardItems(shards: readonly ShardInfo[], o: { readonly first: boolean; readonly iteratorType: 'LATEST' | 'TRIM_HORIZON' }): PlanItem[] {
  const latest = o.first && o.iteratorType === 'LATEST';
  const listed = new Set(shards.map((sh) => sh.shardId));
  return shards.map((sh): PlanItem => {
    const task: ShardTask = { kind: 'shard', shardId: sh.shardId, iterator: latest ? 'LATEST' : 'TRIM_HORIZON' };
    if (latest && isClosed(sh)) return { id: sh.shardId, task, done: true };
    // An open shard read from LATEST owes nothing to its parent; otherwise a listed parent first.
    const parents = !latest && sh.parentShardId !== undefined && listed.has(sh.parentShardId) ? [sh.parentShardId] : [];
    return { id: sh.shardId, task, parents };
  });
}

export interface CoordinatedMonitor extends JoinedJob<ShardTask> {
  readonly work: WorkSource<MonitorTask>;
  readonly services: readonly JobService[];
  /** Adds the shards of a listing the job does not hold yet. */
  publish(shards: readonly ShardInfo[]): Promise<void>;
  finish(exitStatus: number, state: 'finished' | 'failed' | 'interrupted'): Promise<void>;
}

export async function joinMonitor(
  config: MonitorConfig,
  o: {
    readonly endpoint: ResolvedEndpoint;
    readonly streamArn: string;
    readonly checkedAgainst: string;
    readonly firstListing: readonly ShardInfo[];
    readonly stats: JobStats<MonitorCounter>;
    readonly reads: ThroughputControl;
    /** Adds to a task what only this process knows (the keys its parent handed on). */
    readonly decorate: (task: ShardTask) => MonitorTask;
    readonly onAdvance: (id: string, cursor: string) => void;
  },
): Promise<CoordinatedMonitor> {
  const coordinator = config.coordinator!;
  const what = [o.streamArn, o.checkedAgainst, config.verifyOn, config.sampleRate.share, config.iteratorType];
  const joined = await joinCoordinatedJob<ShardTask>({
    job: 'monitor',
    config: coordinator,
    endpoint: o.endpoint,
    identity: {
      key: createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16),
      description: `${o.streamArn} checked against ${o.checkedAgainst} (verify on ${config.verifyOn}, sample ${config.sampleRate.share}, from ${config.iteratorType})`,
      settings: config.maxRcu === undefined ? {} : { 'budget.rcu': config.maxRcu },
    },
    items: () => shardItems(o.firstListing, { first: true, iteratorType: config.iteratorType }),
    decode: (json) => JSON.parse(json) as ShardTask,
    fresh: config.fresh ?? false,
    files: { differences: config.differencesPath, ...(config.reportDir === undefined ? {} : { report: config.reportDir }) },
  });
  const { source, registry } = joined;
  const { stats } = o;
  attachJob(joined, {
    warn: (e) => stats.warning(e),
    totals: () => ({ rowsRead: stats.get('events'), itemsWritten: stats.get('matched'), differences: stats.get('missing') + stats.get('mismatched') + stats.get('stillPresent') }),
    controls: { rcu: o.reads },
  });
  await registry.register();
  const work: WorkSource<MonitorTask> = {
    next: async (): Promise<Pull<MonitorTask>> => {
      const pull = await source.next();
      return pull.kind === 'item' ? { kind: 'item', item: { ...pull.item, task: o.decorate(pull.item.task) } } : pull;
    },
    advance: (id, cursor) => {
      source.advance(id, cursor);
      o.onAdvance(id, cursor);
    },
    complete: (id) => source.complete(id),
    release: (id) => source.release(id),
    fail: (id, error: PlainError) => source.fail(id, error),
    watchLost: (listener) => source.watchLost(listener),
  };
  return {
    ...joined,
    work,
    services: [source, registry],
    publish: async (shards) => {
      for (const item of shardItems(shards, { first: false, iteratorType: config.iteratorType })) await source.add(item);
    },
    finish: async (exitStatus, state) => {
      try {
        await registry.finish(state, exitStatus);
      } finally {
        joined.session.close();
      }
    },
  };
}
