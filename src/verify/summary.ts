/** The end of a verify run in numbers, what a sample proves, and the exit status. */
import { ExitStatus, exitStatusFor, type ExitStatusCode, type PlainError } from '../errors.js';
import { formatMicros, type LatencySummary } from '../metrics/histogram.js';
import type { JobStats } from '../metrics/job-stats.js';
import { fmtDuration, fmtInt } from '../metrics/progress.js';
import { sampleConfidence } from './confidence.js';
import type { VerifyConfig } from './config.js';
import { shardReport, shardText, type ShardReport } from '../plan/shards.js';

export type VerifyStatus = 'identical' | 'different' | 'failed' | 'interrupted' | 'incomplete';

export interface VerifySummary {
  readonly status: VerifyStatus;
  readonly exitStatus: ExitStatusCode;
  readonly source: string;
  readonly target: string;
  readonly sampleRate: number;
  /** Share checked, 0..1: of the ring, or with --shard of the shard's own segment. */
  readonly ringChecked: number;
  /** With --shard: which shard this run checked, and its share of the ring. */
  readonly shard?: ShardReport;
  readonly rowsChecked: number;
  readonly matched: number;
  readonly missing: number;
  readonly mismatched: number;
  readonly mismatchedByAttribute: Readonly<Record<string, number>>;
  readonly unconvertible: number;
  readonly itemsScanned: number;
  readonly extra: number;
  readonly undecodable: number;
  /** Items whose source row was not found by a key that cannot be rebuilt exactly (decimal keys). */
  readonly unverifiable: number;
  readonly rechecked: number;
  readonly resolvedOnRecheck: number;
  readonly fixedRewritten: number;
  readonly fixedDeleted: number;
  readonly requests: number;
  readonly throttledRequests: number;
  readonly durationMs: number;
  readonly rowsPerSec: number;
  readonly confidence?: ReturnType<typeof sampleConfidence>;
  readonly latency: Readonly<Record<string, LatencySummary>>;
  readonly differencesFile: string;
  readonly coordination?: VerifyCoordination;
  readonly tasksFailed: number;
  readonly error?: PlainError;
}

/** With --coordinator: this process in the shared job. */
export interface VerifyCoordination {
  readonly coordinator: string;
  readonly processId: string;
  readonly planCreated: boolean;
  /** Differences found by every process of the job (the exit status counts them). */
  readonly jobDifferences: number;
  readonly tableCalls: number;
  readonly takeovers: number;
  readonly lostLeases: number;
}

export function buildVerifySummary(
  config: VerifyConfig,
  stats: JobStats,
  extra: { ringChecked: number; fatal?: PlainError; interrupted: boolean; tasksFailed: number; targetIdentity: string; coordination?: VerifyCoordination },
): VerifySummary {
  const c = (name: string) => stats.get(name);
  const byAttr: Record<string, number> = {};
  for (const [name, value] of Object.entries(stats.counters())) if (name.startsWith('mismatch:')) byAttr[name.slice(9)] = value;
  const different = c('missing') + c('mismatched') + c('extra');
  let status: VerifyStatus;
  let exitStatus: ExitStatusCode;
  if (extra.fatal !== undefined) {
    status = 'failed';
    exitStatus = exitStatusFor(extra.fatal.code);
  } else if (extra.interrupted) {
    status = 'interrupted';
    exitStatus = ExitStatus.INTERRUPTED;
  } else if (different > 0 || (extra.coordination?.jobDifferences ?? 0) > 0) {
    status = 'different';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else if (extra.tasksFailed > 0) {
    status = 'incomplete';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else {
    status = 'identical';
    exitStatus = ExitStatus.OK;
  }
  const latency: Record<string, LatencySummary> = {};
  for (const phase of stats.histograms.phases()) latency[phase] = stats.histograms.summary(phase);
  const durationMs = stats.elapsedMs();
  const sampled = config.sampleRate < 1;
  return {
    status,
    exitStatus,
    ...(extra.coordination === undefined ? {} : { coordination: extra.coordination }),
    source: `${config.keyspace}.${config.table}`,
    target: `${config.targetTable} (${extra.targetIdentity})`,
    sampleRate: config.sampleRate,
    ringChecked: extra.ringChecked,
    ...(config.shard === undefined ? {} : { shard: shardReport(config.shard) }),
    rowsChecked: c('rowsChecked'),
    matched: c('matched'),
    missing: c('missing'),
    mismatched: c('mismatched'),
    mismatchedByAttribute: byAttr,
    unconvertible: c('unconvertible'),
    itemsScanned: c('itemsScanned'),
    extra: c('extra'),
    undecodable: c('undecodable'),
    unverifiable: c('unverifiable'),
    rechecked: c('rechecked'),
    resolvedOnRecheck: c('resolvedOnRecheck'),
    fixedRewritten: c('fixedRewritten'),
    fixedDeleted: c('fixedDeleted'),
    requests: c('requests'),
    throttledRequests: c('throttledRequests'),
    durationMs,
    rowsPerSec: durationMs > 0 ? (c('rowsChecked') * 1000) / durationMs : 0,
    ...(sampled
      ? { confidence: sampleConfidence({ sampledRows: c('rowsChecked'), differences: c('missing') + c('mismatched'), sampleRate: extra.ringChecked || config.sampleRate }) }
      : {}),
    latency,
    differencesFile: config.differencesPath,
    tasksFailed: extra.tasksFailed,
    ...(extra.fatal === undefined ? {} : { error: extra.fatal }),
  };
}

export function formatVerifySummary(s: VerifySummary): string {
  const lat = (name: string, l: LatencySummary | undefined) =>
    l === undefined || l.count === 0 ? undefined
      : `  ${name.padEnd(16)} p50 ${formatMicros(l.p50Micros)}  p90 ${formatMicros(l.p90Micros)}  p99 ${formatMicros(l.p99Micros)}  p99.9 ${formatMicros(l.p999Micros)}  max ${formatMicros(l.maxMicros)}`;
  const attrs = Object.entries(s.mismatchedByAttribute).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ');
  const lines = [
    `verify ${s.status}: ${s.source} → ${s.target}` + (s.shard === undefined ? '' : `, ${shardText(s.shard)}`) +
      (s.sampleRate < 1 ? ` (sample: ${(100 * s.ringChecked).toFixed(1)}% of ${s.shard === undefined ? 'the ring' : "the shard's segment"})` : ''),
    `  rows checked     ${fmtInt(s.rowsChecked)}: ${fmtInt(s.matched)} match, ${fmtInt(s.missing)} missing, ${fmtInt(s.mismatched)} different` +
      (s.unconvertible > 0 ? `, ${fmtInt(s.unconvertible)} not convertible (dead letters of migrate)` : ''),
  ];
  if (s.mismatched > 0) lines.push(`  by attribute     ${attrs}`);
  if (s.itemsScanned > 0 || s.extra > 0) {
    lines.push(`  target scanned   ${fmtInt(s.itemsScanned)} items: ${fmtInt(s.extra)} with no source row` + (s.undecodable > 0 ? ` (${fmtInt(s.undecodable)} with undecodable keys)` : ''));
  }
  if (s.unverifiable > 0) lines.push(`  unverifiable     ${fmtInt(s.unverifiable)} items whose decimal key cannot be rebuilt exactly; not counted as extra, never deleted`);
  if (s.rechecked > 0) lines.push(`  re-checked       ${fmtInt(s.rechecked)}, ${fmtInt(s.resolvedOnRecheck)} caught up meanwhile`);
  if (s.fixedRewritten + s.fixedDeleted > 0) lines.push(`  repaired         ${fmtInt(s.fixedRewritten)} items rewritten, ${fmtInt(s.fixedDeleted)} deleted`);
  if (s.confidence !== undefined) lines.push(`  sample           ${s.confidence.statement}`);
  lines.push(`  duration         ${fmtDuration(s.durationMs)}, ${fmtInt(s.rowsPerSec)} rows/s, ${fmtInt(s.requests)} requests, ${fmtInt(s.throttledRequests)} throttled`);
  lines.push('latency');
  for (const [name, phase] of [['page fetch', 'page-fetch'], ['batch get', 'batch-get'], ['compare', 'compare'], ['scan page', 'scan-page'], ['source lookup', 'source-lookup'], ['whole range', 'range']] as const) {
    const l = lat(name, s.latency[phase]);
    if (l !== undefined) lines.push(l);
  }
  if (s.missing + s.mismatched + s.extra > 0) lines.push(`  differences      ${s.differencesFile}`);
  if (s.coordination !== undefined) {
    const c = s.coordination;
    lines.push(`  job              ${c.jobDifferences} differences in the whole job (${c.coordinator}); this process ${c.planCreated ? 'wrote the plan' : 'joined the plan'}, took over ${c.takeovers} leases, lost ${c.lostLeases}, ${c.tableCalls} coordination table calls`);
  }
  if (s.error !== undefined) lines.push(`  error            ${s.error.code}: ${s.error.message}`);
  return `${lines.join('\n')}\n`;
}
