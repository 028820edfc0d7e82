/**
 * verify on the main thread: plan (and sample) the ring, run range checks and, with
 * --check-extra, scan segments of the target on the scheduler — reads under the read rate
 * (--max-rcu), repairs under the write rate (--max-wcu), both adaptive to throttling — write
 * every difference to a JSONL file as it arrives, and summarise.
 */
import { JsonlFile } from '../engine/dead-letters.js';
import { unreachable } from '../engine/protocol.js';
import { createRateSlots, setActiveWorkers } from '../engine/rate-slots.js';
import { describeLayout, threadLayout } from '../engine/pool.js';
import { Scheduler } from '../engine/scheduler.js';
import { ThroughputControl } from '../engine/throughput.js';
import { startRate } from '../dynamodb/capacity.js';
import { ListSource, type WorkItem, type WorkSource } from '../engine/work-source.js';
import { joinVerify } from './coordinated.js';
import { prepareTableJob, resolvedFetchSize, tableWorkerData } from '../job/table-job.js';
import { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { jobSegment, planJob, scanSegmentsTotal, shardLabel, shardReport, shardScanSegments, shardText } from '../plan/shards.js';
import { ringShare } from '../plan/token-ranges.js';
import { writeRunReport } from '../report/run-report.js';
import { TimelineSampler } from '../report/timeline.js';
import type { VerifyConfig } from './config.js';
import { sampleRanges, sampleSegments, splitsForSample } from './sample.js';
import { buildVerifySummary, type VerifySummary } from './summary.js';
import type { Difference, VerifyCounter, VerifyJob, VerifyTask, VerifyWorkerData } from './task.js';

/** The names the read and the repair channels of the rate control read. */
const READ_COUNTERS = { units: 'readUnits', throttled: 'throttledRequests', requests: 'requests', latencyPhase: 'batch-get' } as const;
const FIX_COUNTERS = { units: 'fixWriteUnits', throttled: 'fixThrottledRequests', requests: 'fixRequests', latencyPhase: 'fix-write' } as const;

export async function runVerify(config: VerifyConfig, display: ProgressDisplay, signal?: AbortSignal): Promise<VerifySummary> {
  // The target must exist with the mapping's key schema, or nothing can be compared.
  const prepared = await prepareTableJob(config, { targetTable: 'check' });
  const { target } = prepared;

  // With --shard: the shard's fixed segment of the ring, sampled within (src/plan/shards.ts).
  const plan = planJob(prepared.ring, splitsForSample(config.splits, config.sampleRate), config.shard);
  const segment = jobSegment(config.shard);
  const segmentShare = ringShare(segment.start, segment.end);
  const ranges = sampleRanges(plan, config.sampleRate, config.seed, segmentShare);
  const ringShareChecked = ranges.reduce((a, r) => a + ringShare(r.start, r.end), 0);
  /** Share of the job's segment checked: of the ring, or of the shard's segment. */
  const ringChecked = ringShareChecked / segmentShare;
  // A shard scans the target segments s with s mod N = its index: at least one each.
  const wantedSegments = config.sampleRate < 1 ? splitsForSample(config.threads * 4, config.sampleRate) : config.threads * 4;
  const totalSegments = config.checkExtra ? scanSegmentsTotal(wantedSegments, config.shard) : 0;
  const ownSegments = shardScanSegments(totalSegments, config.shard);
  const segments = config.checkExtra ? sampleSegments(ownSegments.length, config.sampleRate, config.seed).map((k) => ownSegments[k] as number) : [];
  const items: Array<WorkItem<VerifyTask>> = [
    ...ranges.map((range) => ({ id: range.id, task: { kind: 'range' as const, range } })),
    ...segments.map((segment) => ({ id: `segment-${segment}`, task: { kind: 'extra-segment' as const, segment, totalSegments } })),
  ];
  const stats = new JobStats<VerifyCounter>('rowsChecked', (w) => display.event('warning', { warning: w }, `warning: ${w.message}`));
  const differences = new JsonlFile<Difference>(config.differencesPath, true);
  const slots = createRateSlots('wcu');
  // Both start at what the table takes at once (src/dynamodb/capacity.ts), within --max-rcu / --max-wcu.
  const readMode = { kind: 'adaptive', ...(config.maxRcu === undefined ? {} : { maxWcu: config.maxRcu }) } as const;
  const repairMode = { kind: 'adaptive', ...(config.maxWcu === undefined ? {} : { maxWcu: config.maxWcu }) } as const;
  const reads = new ThroughputControl(readMode, stats, { channel: 'read', counters: READ_COUNTERS, slots, timeline: false, initialRate: startRate(readMode, prepared.targetCapacity, 'read').rate });
  const repairs = new ThroughputControl(repairMode, stats, { channel: 'write', counters: FIX_COUNTERS, slots, timeline: false, initialRate: startRate(repairMode, prepared.targetCapacity, 'write').rate });
  // --coordinator: the items are leases shared with other processes (coordinated.ts).
  const coord = config.coordinator === undefined ? undefined : await joinVerify(config, target, items, stats, { reads, repairs });
  const list = coord === undefined ? new ListSource(items) : undefined;
  const source: WorkSource<VerifyTask> = coord?.source ?? (list as ListSource<VerifyTask>);
  const isDone = (id: string): boolean => (list !== undefined ? list.state(id) === 'done' : doneIds.has(id));
  let doneIds = new Set<string>();
  // --threads ranges at once, on at most one worker thread per core (DEFAULTS.maxWorkerThreads).
  const { workerThreads, tasksPerThread } = threadLayout(config.threads);
  const base = tableWorkerData(config, prepared);
  const workerData: VerifyWorkerData = {
    ...base,
    target: { ...base.target, connections: base.target.connections * tasksPerThread },
    inFlight: config.inFlight,
    consistentRead: config.consistentRead,
    recheckAfterMs: config.recheckAfterMs,
    fix: config.fix,
    fixExtra: config.fixExtra,
    rateSlots: slots,
  };
  display.event(
    'start',
    {
      keyspace: config.keyspace, table: config.table, targetTable: config.targetTable, target: target.identity, ranges: ranges.length,
      segments: segments.length, totalSegments, sampleRate: config.sampleRate, ringChecked,
      ...(config.shard === undefined ? {} : { shard: shardReport(config.shard) }),
    },
    `verify: ${config.keyspace}.${config.table} → ${config.targetTable} (${target.identity}), ` +
      (config.shard === undefined ? '' : `${shardText(config.shard)}, `) + `${ranges.length} ranges` +
      (config.sampleRate < 1 ? ` (${(100 * ringChecked).toFixed(1)}% of ${config.shard === undefined ? 'the ring' : "the shard's segment"})` : '') +
      (segments.length > 0 ? ` and ${segments.length} of ${totalSegments} scan segments of the target` : '') + `, ${describeLayout(workerThreads, tasksPerThread)}`,
  );

  const startedAt = new Date().toISOString();
  const sampler = new TimelineSampler(stats.startedAt);
  let lastSample = stats.startedAt;
  const sample = (): void => {
    lastSample = performance.now();
    // The report's timeline speaks of items: here they are the rows checked.
    sampler.sample({
      rowsRead: stats.get('rowsChecked'), itemsWritten: stats.get('rowsChecked'), writeUnits: stats.get('readUnits'),
      throttledRequests: stats.get('throttledRequests'), unprocessedRetries: stats.get('unprocessedRetries'), retries: stats.get('retries'),
    }, null, lastSample);
  };
  const checkedShare = (): number => {
    let ring = 0;
    if (coord !== undefined) doneIds = new Set(coord.source.items().filter((v) => v.state === 'done').map((v) => v.id));
    for (const r of ranges) if (isDone(r.id)) ring += ringShare(r.start, r.end);
    return ring;
  };
  const scheduler = new Scheduler<VerifyJob, VerifyWorkerData>({
    worker: 'verify-worker',
    threads: workerThreads,
    concurrentTasksPerWorker: tasksPerThread,
    workerData,
    stats,
    progressIntervalMs: config.progressIntervalMs,
    taskSilenceTimeoutMs: config.taskTimeoutMs,
    retry: { outageLimitMs: config.outageLimitMs },
    ...(config.failpoints === undefined ? {} : { failpoints: config.failpoints }),
    services: [reads, repairs, ...(coord?.services ?? [])],
    onRunningTasks: (running) => setActiveWorkers(slots, running, tasksPerThread),
    onData: (data, item) => {
      switch (data.type) {
        case 'differences':
          differences.append(data.differences);
          coord?.source.count(item.id, 'differences', data.differences.length);
          return;
        default:
          unreachable(data.type, 'verify data');
      }
    },
    onRetry: (item, attempt, error) => display.event('warning', { task: item.id, attempt, error }, `warning: ${item.id} failed (${error.message}); retrying`),
    progress: {
      display,
      snapshot: () => {
        if (config.reportDir !== undefined && performance.now() - lastSample >= 1000) sample();
        return {
          done: stats.get('rowsChecked'),
          ratePerSec: stats.currentRate(),
          elapsedMs: stats.elapsedMs(),
          extra: {
            'checked%': `${((100 * checkedShare()) / (ringShareChecked || 1)).toFixed(1)}%`,
            missing: stats.get('missing'),
            different: stats.get('mismatched'),
            ...(config.checkExtra ? { extra: stats.get('extra') } : {}),
          },
          jsonExtra: {
            matched: stats.get('matched'),
            rechecked: stats.get('rechecked'),
            resolvedOnRecheck: stats.get('resolvedOnRecheck'),
          },
        };
      },
    },
  });

  let outcome;
  try {
    outcome = await scheduler.run(source, signal);
  } finally {
    differences.close();
  }
  const summary = buildVerifySummary(config, stats, {
    ringChecked,
    ...(outcome.fatal === undefined ? {} : { fatal: outcome.fatal }),
    interrupted: signal?.aborted === true,
    tasksFailed: outcome.failures.size,
    targetIdentity: target.identity,
    ...(coord === undefined ? {} : {
      coordination: {
        coordinator: config.coordinator!.text, processId: config.coordinator!.processId, planCreated: coord.plan.created, jobDifferences: coord.jobDifferences(),
        tableCalls: coord.session.table.calls, takeovers: coord.source.takeovers, lostLeases: coord.source.lostLeases,
      },
    }),
  });
  await coord?.finish(summary.exitStatus, summary.status === 'interrupted', summary.status === 'failed');
  if (config.reportDir !== undefined) {
    sample();
    writeRunReport(config.reportDir, {
      command: 'verify',
      startedAt,
      summary: { ...summary },
      settings: {
        source: `${config.keyspace}.${config.table}`,
        target: `${config.targetTable} (${target.identity})`,
        threads: config.threads,
        ranges: ranges.length,
        sampleRate: config.sampleRate,
        checkExtra: config.checkExtra,
        fetchSize: resolvedFetchSize(config),
        inFlight: config.inFlight,
        consistentRead: config.consistentRead,
        shard: config.shard === undefined ? null : shardLabel(config.shard),
      },
      histograms: stats.histograms,
      timeline: sampler.points(),
    });
  }
  return summary;
}
