/**
 * What the monitor prints: a statistics block every `--stats-interval` (the Go monitor's shape
 * and more), and the final summary with its exit status.
 */
import { ExitStatus, exitStatusFor, type ExitStatusCode, type PlainError } from '../errors.js';
import { formatMicros, summarize, type LatencySummary } from '../metrics/histogram.js';
import type { JobStats } from '../metrics/job-stats.js';
import { fmtDuration, fmtInt } from '../metrics/progress.js';
import { wilsonInterval } from '../verify/confidence.js';
import type { MonitorCounter } from './task.js';

export interface ShardCounts {
  readonly known: number;
  readonly open: number;
  readonly closed: number;
  readonly done: number;
  readonly caughtUp: number;
}

export interface MonitorStats {
  readonly elapsedMs: number;
  /** Changes read, each once (unique by shard and sequence number). */
  readonly events: number;
  /** Changes read a second time by a retried reader (already counted in `events`). */
  readonly replayedEvents: number;
  readonly inserts: number;
  readonly modifies: number;
  readonly removes: number;
  readonly ttlRemoves: number;
  readonly eventsPerSec: number;
  readonly intervalEventsPerSec: number;
  readonly sampled: number;
  readonly superseded: number;
  readonly matched: number;
  /** Checks that failed at first and matched on a recheck, or were overtaken meanwhile (the other side catching up). */
  readonly lagging: number;
  readonly pendingChecks: number;
  readonly missing: number;
  readonly mismatched: number;
  readonly stillPresent: number;
  /**
   * Checks with no verdict: the other side could not be read after every recheck, or (Cassandra)
   * a decimal key cannot be rebuilt exactly. Shown, never called missing; as verify's unverifiable
   * items, they do not change the exit status.
   */
  readonly unreadable: number;
  readonly dataLoss: number;
  /** matched / settled checks, with a 95 % Wilson interval; null before any check settled. */
  readonly successRate: { readonly rate: number; readonly lower: number; readonly upper: number } | null;
  /** Now minus ApproximateCreationDateTime (whole seconds on AWS, minutes on DynamoDB Local). */
  readonly replicationLag: LatencySummary;
  /**
   * From a change's time in the stream to the check that first found it on the other side: an
   * upper bound of the source-to-target lag (to the recheck backoff's resolution).
   */
  readonly sourceToTargetLag: LatencySummary;
  readonly shards: ShardCounts;
}

export function monitorStats(stats: JobStats<MonitorCounter>, shards: ShardCounts, pendingChecks: number, intervalEventsPerSec: number): MonitorStats {
  const c = (name: MonitorCounter): number => stats.get(name);
  const bad = c('missing') + c('mismatched') + c('stillPresent');
  const settled = c('matched') + bad;
  const interval = settled > 0 ? wilsonInterval(c('matched'), settled) : undefined;
  return {
    elapsedMs: stats.elapsedMs(),
    events: c('events'),
    replayedEvents: c('replayedEvents'),
    inserts: c('inserts'),
    modifies: c('modifies'),
    removes: c('removes'),
    ttlRemoves: c('ttlRemoves'),
    eventsPerSec: stats.averageRate(),
    intervalEventsPerSec,
    sampled: c('sampled'),
    superseded: c('superseded'),
    matched: c('matched'),
    lagging: c('lagging'),
    pendingChecks,
    missing: c('missing'),
    mismatched: c('mismatched'),
    stillPresent: c('stillPresent'),
    unreadable: c('unreadable'),
    dataLoss: c('dataLoss'),
    successRate: interval === undefined ? null : { rate: c('matched') / settled, ...interval },
    replicationLag: summarize(stats.histograms.get('replication-lag')),
    sourceToTargetLag: summarize(stats.histograms.get('source-to-target-lag')),
    shards,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

export function formatStats(s: MonitorStats, title: string): string {
  const lines = [
    `── ${title} ── ${fmtDuration(s.elapsedMs)}`,
    `  events         ${fmtInt(s.events)} unique (INSERT ${fmtInt(s.inserts)}, MODIFY ${fmtInt(s.modifies)}, REMOVE ${fmtInt(s.removes)}${s.ttlRemoves > 0 ? `, of which TTL ${fmtInt(s.ttlRemoves)}` : ''})${s.replayedEvents > 0 ? `; ${fmtInt(s.events + s.replayedEvents)} read in all, ${fmtInt(s.replayedEvents)} again after a retry` : ''}`,
    `  rate           ${fmtInt(s.intervalEventsPerSec)} events/s now, ${fmtInt(s.eventsPerSec)} overall`,
    `  sampled        ${fmtInt(s.sampled)} (${fmtInt(s.superseded)} overtaken by a newer change of the same key)`,
    `  checks         matched ${fmtInt(s.matched)}, missing ${fmtInt(s.missing)}, mismatched ${fmtInt(s.mismatched)}, still present after REMOVE ${fmtInt(s.stillPresent)}; lagging (matched on a recheck) ${fmtInt(s.lagging)}, pending ${fmtInt(s.pendingChecks)}${s.unreadable > 0 ? `, unreadable ${fmtInt(s.unreadable)}` : ''}`,
    `  success rate   ${s.successRate === null ? 'n/a (nothing settled yet)' : `${pct(s.successRate.rate)} (95 % CI ${pct(s.successRate.lower)}–${pct(s.successRate.upper)})`}`,
    `  data loss      ${s.dataLoss === 0 ? 'none' : `${fmtInt(s.dataLoss)} gap(s): records trimmed before they were read`}`,
    `  lag            stream p50 ${formatMicros(s.replicationLag.p50Micros)}, p99 ${formatMicros(s.replicationLag.p99Micros)} (record age when read); source to target p50 ${formatMicros(s.sourceToTargetLag.p50Micros)}, p99 ${formatMicros(s.sourceToTargetLag.p99Micros)} (change to first matching check)`,
    `  shards         ${s.shards.known} known: ${s.shards.open} open, ${s.shards.closed} closed, ${s.shards.done} read to their end, ${s.shards.caughtUp} caught up`,
  ];
  return `${lines.join('\n')}\n`;
}

export type MonitorStatus = 'clean' | 'different' | 'data-loss' | 'incomplete' | 'failed' | 'interrupted';
export type MonitorEnd = 'caught-up' | 'duration' | 'interrupted' | 'stream-ended' | 'failed';

export interface MonitorSummary extends MonitorStats {
  /** With --coordinator: this process in the shared job (its counts are its own shards'). */
  readonly coordination?: { readonly coordinator: string; readonly processId: string; readonly planCreated: boolean; readonly shardsHeldAtEnd: number; readonly tableCalls: number; readonly takeovers: number; readonly lostLeases: number };
  readonly status: MonitorStatus;
  readonly exitStatus: ExitStatusCode;
  readonly ended: MonitorEnd;
  readonly streamArn: string;
  readonly checkedAgainst: string;
  readonly sampleRate: string;
  readonly differencesFile: string;
  /** The stream table's stream was replaced (its new ARN) or disabled while the monitor ran. */
  readonly streamChange?: string;
  readonly error?: PlainError;
}

export function buildSummary(
  s: MonitorStats,
  o: { ended: MonitorEnd; fatal?: PlainError; streamArn: string; checkedAgainst: string; sampleRate: string; differencesFile: string; streamChange?: string; shardsGivenUp?: ReadonlyMap<string, PlainError> },
): MonitorSummary {
  const givenUp = [...(o.shardsGivenUp ?? new Map<string, PlainError>())];
  let status: MonitorStatus;
  let exitStatus: ExitStatusCode;
  if (o.fatal !== undefined) {
    status = 'failed';
    exitStatus = exitStatusFor(o.fatal.code);
  } else if (o.ended === 'interrupted') {
    status = 'interrupted';
    exitStatus = ExitStatus.INTERRUPTED;
  } else if (s.missing + s.mismatched + s.stillPresent > 0) {
    status = 'different';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else if (s.dataLoss > 0) {
    status = 'data-loss';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else if (givenUp.length > 0) {
    // A shard given up is a part of the stream nobody checked: never a clean end.
    status = 'incomplete';
    exitStatus = ExitStatus.COMPLETED_WITH_ERRORS;
  } else {
    status = 'clean';
    exitStatus = ExitStatus.OK;
  }
  return {
    ...s,
    status,
    exitStatus,
    ended: o.ended,
    streamArn: o.streamArn,
    checkedAgainst: o.checkedAgainst,
    sampleRate: o.sampleRate,
    differencesFile: o.differencesFile,
    ...(o.streamChange === undefined ? {} : { streamChange: o.streamChange }),
    ...(o.fatal !== undefined
      ? { error: o.fatal }
      : givenUp.length > 0
        ? { error: { ...givenUp[0]![1], message: `${givenUp.length} shard(s) given up, their changes after that not checked: ${givenUp.map(([id, e]) => `${id} (${e.code}: ${e.message})`).join('; ')}` } }
        : {}),
  };
}

export function formatSummary(s: MonitorSummary): string {
  const head = `monitor ${s.status} (${s.ended}): ${s.streamArn} checked against ${s.checkedAgainst}, sample ${s.sampleRate}`;
  const tail =
    (s.missing + s.mismatched + s.stillPresent > 0 ? `  differences    ${s.differencesFile}\n` : '') +
    (s.streamChange === undefined ? '' : `  stream         ${s.streamChange === 'disabled' ? 'the table\'s stream was disabled during the run' : `the table now has another stream: ${s.streamChange}`}\n`) +
    (s.coordination === undefined ? '' : `  job            process ${s.coordination.processId} of ${s.coordination.coordinator}: the counts above are of the shards it read; took over ${s.coordination.takeovers} leases, lost ${s.coordination.lostLeases}, ${s.coordination.tableCalls} coordination table calls\n`);
  return `${head}\n${formatStats(s, 'summary')}${tail}`;
}
