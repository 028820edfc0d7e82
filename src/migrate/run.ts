/**
 * The migration on the main thread: dispatches ranges to the pool, moves the checkpoint as
 * workers report positions, appends dead letters before any position past them, retries failed
 * ranges from where they stopped, stops on a fatal error, too many errors or a signal.
 */
import { randomUUID } from 'node:crypto';
import { DeadLetterFile } from '../engine/dead-letters.js';
import { dispatchAll } from '../engine/dispatch.js';
import { WorkerPool } from '../engine/pool.js';
import { unreachable, type WorkerMessage } from '../engine/protocol.js';
import { backoffDelayMs, sleep } from '../engine/backoff.js';
import type { RangeProgress } from '../engine/checkpoint.js';
import { ErrorCode, type PlainError } from '../errors.js';
import { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { ringShare } from '../plan/token-ranges.js';
import type { MigrateConfig } from './config.js';
import type { PreparedJob } from './prepare.js';
import { buildSummary, type MigrateSummary } from './summary.js';
import type { MigrateTask, MigrateTaskDone, MigrateWorkerData } from './task.js';
import { ThroughputControl } from './throughput.js';
import { writeRunReport } from '../report/run-report.js';

/** Codes that end the whole job: every other range would fail the same way. */
const FATAL_CODES = new Set<string>([
  ErrorCode.CASSANDRA_AUTH,
  ErrorCode.CASSANDRA_SCHEMA,
  ErrorCode.DYNAMODB_AUTH,
  ErrorCode.DYNAMODB_SCHEMA,
  ErrorCode.INTERNAL,
]);

export async function runMigration(
  config: MigrateConfig,
  prepared: PreparedJob,
  display: ProgressDisplay,
  signal?: AbortSignal,
): Promise<MigrateSummary> {
  const { checkpoint } = prepared;
  const startedAt = new Date().toISOString();
  const stats = new JobStats('rowsRead', (w) => display.event('warning', { warning: w }, `warning: ${w.message}`));
  const deadLetters = new DeadLetterFile(prepared.deadLetterPath, !prepared.resumed);
  const pending = checkpoint.pending();
  const ringTotal = checkpoint.all().reduce((a, r) => a + ringShare(r.start, r.end), 0);
  const ringDoneAtStart = checkpoint.all().reduce((a, r) => a + doneShare(r), 0);
  const rangeAttempts = new Map<string, number>();
  const rangesFailed = new Map<string, PlainError>();
  let fatal: PlainError | undefined;
  let tooManyErrors = false;
  let stopRequested = false;
  const control = new ThroughputControl(config.rate, stats);

  const workerData: MigrateWorkerData = {
    connection: config.connection,
    keyspace: config.keyspace,
    table: config.table,
    tableSpec: prepared.tableSpec,
    mapping: config.mapping,
    selectCql: prepared.select.cql,
    tokenAlias: prepared.select.tokenAlias,
    fetchSize: config.fetchSize,
    consistency: config.consistency,
    target: {
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      region: prepared.target.region,
      ...(config.profile === undefined ? {} : { profile: config.profile }),
      table: config.targetTable,
      connections: config.connectionsPerThread,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    inFlightBatches: config.inFlightBatches,
    progressIntervalMs: config.progressIntervalMs,
    rateSlots: control.slots,
  };
  const pool = new WorkerPool({ worker: 'migrate-worker', threads: config.threads, jobId: randomUUID(), workerData });
  const stop = (): void => {
    if (stopRequested) return;
    stopRequested = true;
    pool.stop();
  };
  signal?.addEventListener('abort', stop);
  if (signal?.aborted === true) stop();

  display.event(
    'start',
    {
      keyspace: config.keyspace, table: config.table, targetTable: config.targetTable, target: prepared.target.identity,
      threads: config.threads, ranges: checkpoint.all().length, pendingRanges: pending.length, resumed: prepared.resumed,
      checkpoint: checkpoint.file, deadLetters: prepared.deadLetterPath,
    },
    `migrate: ${config.keyspace}.${config.table} → ${config.targetTable} (${prepared.target.identity}), ` +
      `${pending.length} of ${checkpoint.all().length} ranges to copy on ${config.threads} threads` +
      (prepared.resumed ? `, resuming ${checkpoint.file}` : ''),
  );

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
  const ticker = setInterval(() => display.update(snapshot()), 100);
  control.start();
  const saver = setInterval(() => checkpoint.save(), config.checkpointEveryMs);

  const onMessage = (m: WorkerMessage): void => {
    switch (m.type) {
      case 'progress':
      case 'warning':
        stats.handle(m);
        return;
      case 'dead-letters':
        // Durable before any later position of this range can be saved.
        deadLetters.append(m.letters);
        if (config.maxErrors >= 0 && deadLetters.written > config.maxErrors && !tooManyErrors) {
          tooManyErrors = true;
          stop();
        }
        return;
      case 'position':
        checkpoint.advance(m.rangeId, m.resumeAfter);
        return;
      case 'differences':
        throw new Error('migrate: unexpected differences message');
      default:
        unreachable(m, 'worker message');
    }
  };

  const runRange = async (initial: RangeProgress): Promise<void> => {
    for (;;) {
      const range = checkpoint.all().find((r) => r.id === initial.id) ?? initial;
      const attempt = (rangeAttempts.get(range.id) ?? 0) + 1;
      rangeAttempts.set(range.id, attempt);
      const task: MigrateTask = { taskId: `${range.id}#${attempt}`, range };
      const result = await pool.run<MigrateTask, MigrateTaskDone>(task, onMessage);
      switch (result.status) {
        case 'done':
          checkpoint.complete(range.id);
          checkpoint.save();
          rangesFailed.delete(range.id);
          return;
        case 'stopped':
          return;
        case 'failed': {
          const { error } = result;
          rangesFailed.set(range.id, error);
          if (FATAL_CODES.has(error.code) || !error.retryable) {
            fatal ??= error;
            stop();
            return;
          }
          if (attempt > config.rangeRetries || stopRequested) return; // stays pending in the checkpoint
          display.event('warning', { range: range.id, attempt, error }, `warning: range ${range.id} failed (${error.message}); retrying`);
          await sleep(backoffDelayMs(attempt, 500, 10_000));
          if (stopRequested) return;
          continue;
        }
        default:
          unreachable(result, 'task result');
      }
    }
  };

  try {
    await dispatchAll(pending, config.threads, runRange, () => stopRequested);
  } finally {
    control.stop();
    clearInterval(ticker);
    clearInterval(saver);
    signal?.removeEventListener('abort', stop);
    display.update(snapshot(), true);
    display.clear();
    await pool.close();
    checkpoint.addTotals({
      rowsRead: stats.get('rowsRead'),
      itemsWritten: stats.get('itemsWritten'),
      deadLetters: stats.get('deadLetters'),
    });
    checkpoint.save(true);
    deadLetters.close();
  }

  const summary = buildSummary({
    config,
    prepared,
    stats,
    deadLetterCount: deadLetters.written,
    fatal,
    tooManyErrors,
    interrupted: signal?.aborted === true,
    rangesFailed,
    ringDone: ringDone(),
    rate: control.report(),
    timeline: control.timeline(),
  });
  if (config.reportDir !== undefined) {
    writeRunReport(config.reportDir, {
      command: 'migrate',
      startedAt,
      summary: { ...summary },
      settings: {
        source: `${config.keyspace}.${config.table}`,
        target: `${config.targetTable} (${prepared.target.identity})`,
        threads: config.threads,
        ranges: checkpoint.all().length,
        fetchSize: config.fetchSize,
        consistency: config.consistency,
        inFlightBatches: config.inFlightBatches,
        connectionsPerThread: config.connectionsPerThread,
        rateMode: config.rate.kind,
        maxWcu: config.maxWcu ?? null,
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
