/** The end of a migration in numbers, and the exit status those numbers mean. */
import { ExitStatus, exitStatusFor, type ExitStatusCode, type PlainError } from '../errors.js';
import { formatMicros, type LatencySummary } from '../metrics/histogram.js';
import type { JobStats } from '../metrics/job-stats.js';
import { fmtDuration, fmtInt } from '../metrics/progress.js';
import type { MigrateConfig } from './config.js';
import type { PreparedJob } from './prepare.js';
import type { RateMode, RateReport, TimelinePoint } from '../engine/throughput.js';
import type { StartRate } from '../dynamodb/capacity.js';
import { shardReport, shardText, type ShardReport } from '../plan/shards.js';

/** The write rate of a run: where it started and why, and where it ended. */
export interface MigrateRate extends RateReport {
  readonly startRate: number | null;
  /** "on-demand, warm throughput 4,000 WCU/s", "provisioned 500 WCU; held to --max-wcu 300". */
  readonly startReason: string;
}

export type MigrateStatus = 'completed' | 'completed-with-errors' | 'incomplete' | 'too-many-errors' | 'failed' | 'interrupted';

export interface MigrateSummary {
  readonly status: MigrateStatus;
  readonly exitStatus: ExitStatusCode;
  readonly source: string;
  readonly target: string;
  readonly rowsRead: number;
  readonly itemsWritten: number;
  readonly deadLetters: number;
  /** Rows read whose write ran out of retries: their range stays pending in the checkpoint. */
  readonly rowsUnsettled: number;
  readonly merged: number;
  readonly requests: number;
  readonly retries: number;
  readonly throttledRequests: number;
  readonly unprocessedRetries: number;
  readonly writeUnits: number;
  readonly durationMs: number;
  readonly rowsPerSec: number;
  readonly itemsPerSec: number;
  readonly ranges: { readonly total: number; readonly done: number; readonly pending: number; readonly failed: number };
  /** Share of the job's ranges settled, 0..1: of the ring, or with --shard of the shard's own segment. */
  readonly ringDone: number;
  /** With --shard: which shard this run copied, and its share of the ring. */
  readonly shard?: ShardReport;
  readonly latency: Readonly<Record<string, LatencySummary>>;
  readonly checkpoint: string;
  readonly deadLetterFile: string;
  readonly totalsAllRuns: { readonly rowsRead: number; readonly itemsWritten: number; readonly deadLetters: number };
  readonly rate: MigrateRate;
  readonly error?: PlainError;
  /** With --coordinator: this process in the shared job, and the coordination it cost. */
  readonly coordination?: CoordinationSummary;
  readonly failedRanges?: ReadonlyArray<{ readonly range: string; readonly code: string; readonly message: string }>;
}

export interface CoordinationSummary {
  readonly coordinator: string;
  readonly processId: string;
  /** This process wrote the job's plan (it was the first). */
  readonly planCreated: boolean;
  /** Calls this process made on the coordination table (claims, renewals, scans, heartbeats, plan). */
  readonly tableCalls: number;
  /** Leases this process took over from a process that stopped renewing them. */
  readonly takeovers: number;
  /** Leases another process took over from this one (it was paused or cut off past the lease time). */
  readonly lostLeases: number;
  /** Dead letters of the whole job, every process's (the exit status counts them). */
  readonly jobDeadLetters: number;
}

export interface SummaryInput {
  readonly config: MigrateConfig;
  readonly prepared: PreparedJob;
  readonly stats: JobStats;
  readonly deadLetterCount: number;
  readonly fatal: PlainError | undefined;
  readonly tooManyErrors: boolean;
  readonly interrupted: boolean;
  readonly rangesFailed: ReadonlyMap<string, PlainError>;
  readonly ringDone: number;
  readonly rate: MigrateRate;
  readonly timeline: readonly TimelinePoint[];
  /** With --coordinator: this process in the shared job; its jobDeadLetters count in the job's status. */
  readonly coordination?: CoordinationSummary;
}

export function buildSummary(i: SummaryInput): MigrateSummary {
  const s = i.stats;
  const all = i.prepared.checkpoint.all();
  const done = all.filter((r) => r.state === 'done').length;
  const rowsRead = s.get('rowsRead');
  const itemsWritten = s.get('itemsWritten');
  const deadLetters = s.get('deadLetters');
  const durationMs = s.elapsedMs();
  const failedRanges = [...i.rangesFailed].filter(([id]) => all.find((r) => r.id === id)?.state !== 'done');
  let status: MigrateStatus;
  let exitStatus: ExitStatusCode;
  if (i.fatal !== undefined) {
    status = 'failed';
    exitStatus = exitStatusFor(i.fatal.code);
  } else if (i.tooManyErrors) {
    status = 'too-many-errors';
    exitStatus = ExitStatus.TOO_MANY_ERRORS;
  } else if (i.interrupted) {
    status = 'interrupted';
    exitStatus = ExitStatus.INTERRUPTED;
  } else if (done < all.length) {
    status = 'incomplete';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else if (deadLetters > 0 || (i.coordination?.jobDeadLetters ?? 0) > 0) {
    status = 'completed-with-errors';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else {
    status = 'completed';
    exitStatus = ExitStatus.OK;
  }
  const latency: Record<string, LatencySummary> = {};
  for (const phase of ['page-fetch', 'convert', 'batch-write', 'retries-per-item', 'range']) latency[phase] = s.histograms.summary(phase);
  return {
    status,
    exitStatus,
    source: `${i.config.keyspace}.${i.config.table}`,
    target: `${i.config.targetTable} (${i.prepared.target.identity})`,
    rowsRead,
    itemsWritten,
    deadLetters,
    rowsUnsettled: rowsRead - itemsWritten - deadLetters,
    merged: s.get('merged'),
    requests: s.get('requests'),
    retries: s.get('retries'),
    throttledRequests: s.get('throttledRequests'),
    unprocessedRetries: s.get('unprocessedRetries'),
    writeUnits: s.get('writeUnits'),
    durationMs,
    rowsPerSec: durationMs > 0 ? (rowsRead * 1000) / durationMs : 0,
    itemsPerSec: durationMs > 0 ? (itemsWritten * 1000) / durationMs : 0,
    ranges: { total: all.length, done, pending: all.length - done, failed: failedRanges.length },
    ringDone: i.ringDone,
    ...(i.config.shard === undefined ? {} : { shard: shardReport(i.config.shard) }),
    latency,
    checkpoint: i.prepared.checkpoint.file,
    deadLetterFile: i.prepared.deadLetterPath,
    totalsAllRuns: i.prepared.checkpoint.getTotals(),
    rate: i.rate,
    ...(i.fatal === undefined ? {} : { error: i.fatal }),
    ...(i.coordination === undefined ? {} : { coordination: i.coordination }),
    ...(failedRanges.length === 0 ? {} : { failedRanges: failedRanges.map(([range, e]) => ({ range, code: e.code, message: e.message })) }),
  };
}

/** How a run's rate starts, in one line: the start event's and the summary's. */
export function startRateText(mode: RateMode['kind'], start: StartRate): string {
  switch (mode) {
    case 'adaptive':
      return `adaptive from ${fmtInt(start.rate ?? 0)} WCU/s (${start.reason})`;
    case 'fixed-items':
      return `fixed at ${fmtInt(start.rate ?? 0)} items/s (${start.reason})`;
    case 'fixed-wcu':
      return `fixed at ${fmtInt(start.rate ?? 0)} WCU/s (${start.reason})`;
    case 'unlimited':
      return start.reason;
    default:
      throw new Error(`unknown rate mode ${JSON.stringify(mode satisfies never)}`);
  }
}

function rateLine(r: MigrateRate): string {
  switch (r.mode) {
    case 'adaptive':
      return `${startRateText(r.mode, { rate: r.startRate, reason: r.startReason })}, ended at ${fmtInt(r.finalRate ?? 0)} WCU/s` +
        (r.capacityEstimateWcu === null ? ', never throttled' : `; throttled in ${r.throttleTicks} ticks, capacity seen ≈ ${fmtInt(r.capacityEstimateWcu)} WCU/s`);
    case 'fixed-items':
      return `fixed at ${fmtInt(r.finalRate ?? 0)} items/s`;
    case 'fixed-wcu':
      return `fixed at ${fmtInt(r.finalRate ?? 0)} WCU/s`;
    default:
      return 'unlimited';
  }
}

function latencyLine(name: string, l: LatencySummary | undefined): string {
  if (l === undefined || l.count === 0) return `  ${name.padEnd(16)} -`;
  return `  ${name.padEnd(16)} p50 ${formatMicros(l.p50Micros)}  p90 ${formatMicros(l.p90Micros)}  p99 ${formatMicros(l.p99Micros)}  ` +
    `p99.9 ${formatMicros(l.p999Micros)}  max ${formatMicros(l.maxMicros)}  (n=${fmtInt(l.count)})`;
}

function retriesLine(l: LatencySummary | undefined): string {
  if (l === undefined || l.count === 0) return `  ${'resends per item'.padEnd(16)} -`;
  return `  ${'resends per item'.padEnd(16)} p50 ${l.p50Micros}  p90 ${l.p90Micros}  p99 ${l.p99Micros}  max ${l.maxMicros}`;
}

export function formatSummary(s: MigrateSummary): string {
  const proof = s.rowsRead === s.itemsWritten + s.deadLetters + s.rowsUnsettled;
  const lines = [
    `migrate ${s.status}: ${s.source} → ${s.target}` + (s.shard === undefined ? '' : `, ${shardText(s.shard)}`),
    `  rows read        ${fmtInt(s.rowsRead)} = ${fmtInt(s.itemsWritten)} written + ${fmtInt(s.deadLetters)} dead-lettered` +
      (s.rowsUnsettled > 0 ? ` + ${fmtInt(s.rowsUnsettled)} pending in the checkpoint` : '') + (proof ? '' : '  (MISMATCH)'),
    `  requests         ${fmtInt(s.requests)} BatchWriteItem, ${fmtInt(s.retries)} retries, ${fmtInt(s.throttledRequests)} throttled, ` +
      `${fmtInt(s.unprocessedRetries)} with unprocessed items, ${fmtInt(s.merged)} duplicate keys merged`,
    `  write units      ${fmtInt(s.writeUnits)} (${fmtInt(s.durationMs > 0 ? (s.writeUnits * 1000) / s.durationMs : 0)}/s)`,
    `  rate             ${rateLine(s.rate)}`,
    `  duration         ${fmtDuration(s.durationMs)}`,
    `  throughput       ${fmtInt(s.rowsPerSec)} rows/s, ${fmtInt(s.itemsPerSec)} items/s`,
    `  ranges           ${s.ranges.done} of ${s.ranges.total} done (${(100 * s.ringDone).toFixed(1)}% of ${s.shard === undefined ? 'the ring' : "the shard's segment"})` +
      (s.ranges.failed > 0 ? `, ${s.ranges.failed} failed` : ''),
    'latency',
    latencyLine('page fetch', s.latency['page-fetch']),
    latencyLine('row conversion', s.latency.convert),
    latencyLine('batch write', s.latency['batch-write']),
    retriesLine(s.latency['retries-per-item']),
    latencyLine('whole range', s.latency.range),
    `  checkpoint       ${s.checkpoint}`,
  ];
  const c = s.coordination;
  if (c !== undefined) {
    lines.push(
      `  job              ranges of every process; ${fmtInt(c.jobDeadLetters)} dead letters in the whole job; this process ${c.planCreated ? 'wrote the plan' : 'joined the plan'}, ` +
        `took over ${fmtInt(c.takeovers)} leases, lost ${fmtInt(c.lostLeases)}, ${fmtInt(c.tableCalls)} coordination table calls`,
    );
  }
  if (s.deadLetters > 0) lines.push(`  dead letters     ${s.deadLetterFile}`);
  if (s.error !== undefined) lines.push(`  error            ${s.error.code}: ${s.error.message}`);
  for (const f of s.failedRanges ?? []) lines.push(`  range ${f.range} pending: ${f.code}: ${f.message}`);
  if (s.status === 'incomplete' || s.status === 'interrupted') {
    lines.push(c === undefined ? '  run the same command with --resume to continue' : `  run the same command again (any process, any machine) to continue the job: cass2ddb-fast status --coordinator ${c.coordinator} shows it`);
  }
  return `${lines.join('\n')}\n`;
}
