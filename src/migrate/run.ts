/**
 * The migration on the main thread: the checkpoint's pending ranges go to the scheduler; the
 * checkpoint moves as workers report positions; dead letters are appended (durably) before any
 * position past them; failed ranges are retried from where they stopped; the job stops on a
 * fatal error, too many errors or a signal.
 */
import { CheckpointSource } from '../engine/checkpoint-source.js';
import { setActiveWorkers } from '../engine/rate-slots.js';
import { describeLayout, threadLayout } from '../engine/pool.js';
import { DeadLetterFile } from '../engine/dead-letters.js';
import type { Checkpoint, RangeProgress } from '../engine/checkpoint.js';
import type { WorkSource } from '../engine/work-source.js';
import { startCoordinatedRun, coordinatedStartText } from './coordinated-run.js';
import { Scheduler, type JobService } from '../engine/scheduler.js';
import { unreachable } from '../engine/protocol.js';
import { resolvedFetchSize, tableWorkerData } from '../job/table-job.js';
import { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { shardLabel, shardReport, shardText } from '../plan/shards.js';
import { ringShare } from '../plan/token-ranges.js';
import type { MigrateConfig } from './config.js';
import type { PreparedJob } from './prepare.js';
import { buildSummary, startRateText, type MigrateSummary } from './summary.js';
import { startRate } from '../dynamodb/capacity.js';
import type { MigrateCounter, MigrateJob, MigrateTask, MigrateWorkerData } from './task.js';
import { ThroughputControl } from '../engine/throughput.js';
import { writeRunReport } from '../report/run-report.js';
import { toPlainError, type PlainError } from '../errors.js';

export async function runMigration(
  config: MigrateConfig,
  prepared: PreparedJob,
  display: ProgressDisplay,
  signal?: AbortSignal,
): Promise<MigrateSummary> {
  const { checkpoint } = prepared;
  const startedAt = new Date().toISOString();
  const stats = new JobStats<MigrateCounter>('rowsRead', (w) => display.event('warning', { warning: w }, `warning: ${w.message}`));
  const deadLetters = new DeadLetterFile(prepared.deadLetterPath, !prepared.resumed);
  // The task names the range; where it resumes travels as the item's cursor.
  const coordination = prepared.coordination;
  const source: WorkSource<MigrateTask> = coordination?.source ??
    new CheckpointSource(checkpoint as Checkpoint, ({ state: _state, resumeAfter: _cursor, ...range }): MigrateTask => ({ kind: 'range', range }));
  const ringTotal = checkpoint.all().reduce((a, r) => a + ringShare(r.start, r.end), 0);
  const ringDoneAtStart = checkpoint.all().reduce((a, r) => a + doneShare(r), 0);
  let tooManyErrors = false;
  // Where the rate starts: what the target table takes at once, within --max-wcu.
  const start = startRate(config.rate, prepared.targetCapacity);
  const control = new ThroughputControl(config.rate, stats, { initialRate: start.rate });
  // Many processes: this one's share of the job's budget, its heartbeat and its leases' renewals.
  const coordinated = coordination === undefined ? undefined : startCoordinatedRun(coordination, stats, control);
  const ringDone = (): number => checkpoint.all().reduce((a, r) => a + doneShare(r), 0) / (ringTotal || 1);

  const snapshot = () => {
    const done = ringDone();
    const sinceStart = done - ringDoneAtStart / (ringTotal || 1);
    const elapsed = stats.elapsedMs();
    const etaMs = sinceStart > 0 ? ((1 - done) * elapsed) / sinceStart : Number.NaN;
    return {
      done: stats.get('rowsRead'),
      ratePerSec: stats.currentRate(),
      elapsedMs: elapsed,
      extra: {
        'ring%': `${(100 * done).toFixed(1)}%`,
        written: stats.get('itemsWritten'),
        'dead letters': stats.get('deadLetters'),
        throttled: stats.get('throttledRequests'),
        limit: limitText(control.currentRate(), config.rate.kind === 'fixed-items' ? 'items/s' : 'WCU/s'),
        ETA: Number.isFinite(etaMs) ? `${Math.round(etaMs / 1000)} s` : '?',
      },
      jsonExtra: {
        ringDone: Math.round(done * 10_000) / 10_000,
        itemsWritten: stats.get('itemsWritten'),
        writeUnits: stats.get('writeUnits'),
        throttledRequests: stats.get('throttledRequests'),
        rateLimit: control.currentRate(),
      },
    };
  };

  // --threads ranges at once, on at most one worker thread per core (DEFAULTS.maxWorkerThreads).
  const { workerThreads, tasksPerThread } = threadLayout(config.threads);
  const base = tableWorkerData(config, prepared);
  const workerData: MigrateWorkerData = {
    ...base,
    target: { ...base.target, connections: base.target.connections * tasksPerThread },
    inFlightBatches: config.inFlightBatches,
    rateSlots: control.slots,
  };
  const scheduler: Scheduler<MigrateJob, MigrateWorkerData> = new Scheduler<MigrateJob, MigrateWorkerData>({
    worker: 'migrate-worker',
    threads: workerThreads,
    concurrentTasksPerWorker: tasksPerThread,
    workerData,
    stats,
    progressIntervalMs: config.progressIntervalMs,
    retry: { retries: config.rangeRetries, outageLimitMs: config.outageLimitMs },
    taskSilenceTimeoutMs: config.taskTimeoutMs,
    ...(config.failpoints === undefined ? {} : { failpoints: config.failpoints }),
    progress: { display, snapshot },
    // A save that fails (a full disk, no permission) stops the job: it cannot promise a resume.
    services: [control, every(config.checkpointEveryMs, () => saveOrAbort(() => checkpoint.save(), scheduler)), ...(coordinated?.services ?? [])],
    onRunningTasks: (running) => setActiveWorkers(control.slots, running, tasksPerThread),
    onData: (data, item) => {
      switch (data.type) {
        case 'dead-letters':
          // Durable before any later position of this range can be saved.
          deadLetters.append(data.letters);
          coordination?.source.count(item.id, 'deadLetters', data.letters.length);
          if (config.maxErrors >= 0 && deadLetters.written > config.maxErrors && !tooManyErrors) {
            tooManyErrors = true;
            scheduler.stop();
          }
          return;
        default:
          unreachable(data.type, 'migrate data');
      }
    },
    onRetry: (item, attempt, error) =>
      display.event('warning', { range: item.id, attempt, error }, `warning: range ${item.id} failed (${error.message}); retrying`),
  });

  display.event(
    'start',
    {
      keyspace: config.keyspace, table: config.table, targetTable: config.targetTable, target: prepared.target.identity,
      threads: config.threads, workerThreads, tasksPerThread, ranges: checkpoint.all().length, pendingRanges: checkpoint.pending().length, resumed: prepared.resumed,
      checkpoint: checkpoint.file, deadLetters: prepared.deadLetterPath,
      ...(coordination === undefined ? {} : { coordinator: coordination.config.text, processId: coordination.config.processId, planCreated: coordination.plan.created }),
      rate: { mode: config.rate.kind, unit: config.rate.kind === 'fixed-items' ? 'items' : 'wcu', startRate: start.rate, startReason: start.reason },
      ...(config.shard === undefined ? {} : { shard: shardReport(config.shard) }),
    },
    `migrate: ${config.keyspace}.${config.table} → ${config.targetTable} (${prepared.target.identity}), ` +
      (config.shard === undefined ? '' : `${shardText(config.shard)}, `) +
      `${checkpoint.pending().length} of ${checkpoint.all().length} ranges to copy, ${describeLayout(workerThreads, tasksPerThread)}` +
      (coordination !== undefined ? coordinatedStartText(coordination) : prepared.resumed ? `, resuming ${checkpoint.file}` : '') +
      `\n  rate: ${startRateText(config.rate.kind, start)}`,
  );

  let outcome;
  let lastSave: PlainError | undefined;
  try {
    // The plan on disk before the first write: a crash in the first second still resumes.
    checkpoint.save(true);
    await coordinated?.register();
    outcome = await scheduler.run(source, signal);
  } finally {
    checkpoint.addTotals({
      rowsRead: stats.get('rowsRead'),
      itemsWritten: stats.get('itemsWritten'),
      deadLetters: stats.get('deadLetters'),
    });
    try {
      checkpoint.save(true);
    } catch (error) {
      // Never a success that a resume could not continue: the failed save is the job's end.
      lastSave = toPlainError(error);
    }
    deadLetters.close();
  }

  const summary = buildSummary({
    config,
    prepared,
    stats,
    deadLetterCount: deadLetters.written,
    fatal: outcome.fatal ?? lastSave,
    tooManyErrors,
    interrupted: signal?.aborted === true,
    rangesFailed: outcome.failures,
    ringDone: ringDone(),
    rate: { ...control.report(), startRate: start.rate, startReason: start.reason },
    timeline: control.timeline(),
    ...(coordination === undefined ? {} : {
      coordination: {
        coordinator: coordination.config.text, processId: coordination.config.processId, planCreated: coordination.plan.created,
        tableCalls: coordination.session.table.calls, takeovers: coordination.source.takeovers, lostLeases: coordination.source.lostLeases,
        jobDeadLetters: coordination.book.jobDeadLetters(),
      },
    }),
  });
  if (coordinated !== undefined) await coordinated.finish(summary);
  if (config.reportDir !== undefined) {
    writeRunReport(config.reportDir, {
      command: 'migrate',
      startedAt,
      summary: { ...summary },
      settings: {
        source: `${config.keyspace}.${config.table}`,
        target: `${config.targetTable} (${prepared.target.identity})`,
        threads: config.threads,
        workerThreads,
        tasksPerThread,
        ranges: checkpoint.all().length,
        fetchSize: resolvedFetchSize(config),
        consistency: config.consistency,
        inFlightBatches: config.inFlightBatches,
        connectionsPerThread: config.connectionsPerThread,
        rateMode: config.rate.kind,
        maxWcu: config.maxWcu ?? null,
        startRate: start.rate,
        startRateReason: start.reason,
        shard: config.shard === undefined ? null : shardLabel(config.shard),
      },
      histograms: stats.histograms,
      timeline: control.timeline(),
    });
  }
  return summary;
}

function limitText(rate: number | null, unit: string): string {
  return rate === null ? 'none' : `${Math.round(rate).toLocaleString('en-US')} ${unit}`;
}

/** Share of the ring a range has settled: all of it when done, up to its position when started. */
function doneShare(r: RangeProgress): number {
  if (r.state === 'done') return ringShare(r.start, r.end);
  if (r.resumeAfter !== undefined) return ringShare(r.start, r.resumeAfter);
  return 0;
}

/** Runs a checkpoint save; one that throws ends the job with its error instead of the process. */
function saveOrAbort(save: () => void, scheduler: { abort(error: PlainError): void }): void {
  try {
    save();
  } catch (error) {
    scheduler.abort(toPlainError(error));
  }
}

/** A job service that runs `fn` every `ms`. */
function every(ms: number, fn: () => void): JobService {
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => {
      timer = setInterval(fn, ms);
    },
    stop: () => clearInterval(timer),
  };
}
