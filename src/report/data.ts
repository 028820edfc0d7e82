/**
 * The numbers of a report, as plain data: what the terminal tables print, what `--json` emits
 * and what the HTML page embeds. Histogram values stay in their phase's unit (µs or counts).
 */
import type * as hdr from 'hdr-histogram-js';
import type { PhaseUnit, RunReport, SettingValue } from './run-report.js';
import { summarizeTimeline, type TimelineStats } from './timeline.js';

/** The percentiles of the tables, as keys (`p99.9`) and values (99.9). */
export const TABLE_PERCENTILES = Object.freeze([
  ['p50', 50],
  ['p75', 75],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p99.9', 99.9],
  ['p99.99', 99.99],
] as const);

export type PercentileKey = (typeof TABLE_PERCENTILES)[number][0];

export interface PhaseStats {
  readonly phase: string;
  readonly unit: PhaseUnit;
  readonly count: number;
  /** 0 when the phase is empty (as are all the values). */
  readonly min: number;
  readonly mean: number;
  readonly max: number;
  readonly percentiles: Readonly<Record<PercentileKey, number>>;
}

/** The summary numbers compared between runs; null when the summary lacks one. */
export const SUMMARY_NUMBERS = Object.freeze([
  ['rowsRead', 'rows read'],
  ['itemsWritten', 'items written'],
  ['deadLetters', 'dead letters'],
  ['requests', 'requests'],
  ['retries', 'retries'],
  ['throttledRequests', 'throttled requests'],
  ['unprocessedRetries', 'unprocessed retries'],
  ['writeUnits', 'write units'],
  ['durationMs', 'duration'],
  ['rowsPerSec', 'rows/s'],
  ['itemsPerSec', 'items/s'],
] as const);

export type SummaryNumberKey = (typeof SUMMARY_NUMBERS)[number][0];

export interface ReportData {
  readonly dir: string;
  readonly command: string;
  readonly startedAt: string;
  readonly toolVersion: string;
  readonly status: string | null;
  readonly source: string | null;
  readonly target: string | null;
  readonly settings: Readonly<Record<string, SettingValue>>;
  readonly numbers: Readonly<Record<SummaryNumberKey, number | null>>;
  readonly phases: readonly PhaseStats[];
  readonly timeline: TimelineStats;
}

export interface ComparisonData {
  readonly a: ReportData;
  readonly b: ReportData;
  /** Change from a to b in % (null: not comparable, e.g. a is 0 or a value is missing). */
  readonly changes: {
    readonly numbers: Readonly<Record<SummaryNumberKey, number | null>>;
    readonly phases: Readonly<Record<string, Readonly<Record<PercentileKey | 'max' | 'mean' | 'count', number | null>>>>;
    readonly timeline: Readonly<Record<'seconds' | 'peakItemsPerSec' | 'meanItemsPerSec' | 'throttledSeconds', number | null>>;
  };
}

export function phaseStats(phase: string, unit: PhaseUnit, h: hdr.Histogram): PhaseStats {
  const empty = h.totalCount === 0;
  const percentiles = Object.fromEntries(TABLE_PERCENTILES.map(([k, p]) => [k, empty ? 0 : h.getValueAtPercentile(p)])) as Record<PercentileKey, number>;
  return {
    phase,
    unit,
    count: h.totalCount,
    min: empty ? 0 : h.minNonZeroValue,
    mean: empty ? 0 : round3(h.mean),
    max: empty ? 0 : h.maxValue,
    percentiles,
  };
}

export function reportData(r: RunReport): ReportData {
  const numbers = Object.fromEntries(SUMMARY_NUMBERS.map(([k]) => [k, numberOrNull(r.summary[k])])) as Record<SummaryNumberKey, number | null>;
  return {
    dir: r.dir,
    command: r.command,
    startedAt: r.startedAt,
    toolVersion: r.toolVersion,
    status: stringOrNull(r.summary.status),
    source: stringOrNull(r.summary.source),
    target: stringOrNull(r.summary.target),
    settings: r.settings,
    numbers,
    phases: r.phases.map((p) => phaseStats(p.phase, p.unit, p.histogram)),
    timeline: summarizeTimeline(r.timeline),
  };
}

/** Change from a to b in %: +10 means b is 10 % higher. Null when a is 0 (and b is not) or missing. */
export function pctChange(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (a === b) return 0;
  if (a === 0) return null;
  return round3(((b - a) / Math.abs(a)) * 100);
}

/** Phases of a then those only in b, in order. */
export function unionPhases(a: ReportData, b: ReportData): string[] {
  const names = a.phases.map((p) => p.phase);
  for (const p of b.phases) if (!names.includes(p.phase)) names.push(p.phase);
  return names;
}

export function compareReports(a: ReportData, b: ReportData): ComparisonData {
  const numbers = Object.fromEntries(SUMMARY_NUMBERS.map(([k]) => [k, pctChange(a.numbers[k], b.numbers[k])])) as Record<SummaryNumberKey, number | null>;
  const phases: Record<string, Record<PercentileKey | 'max' | 'mean' | 'count', number | null>> = {};
  for (const name of unionPhases(a, b)) {
    const pa = a.phases.find((p) => p.phase === name);
    const pb = b.phases.find((p) => p.phase === name);
    // An empty phase has no percentiles to compare, only its count.
    const both = pa !== undefined && pb !== undefined && pa.count > 0 && pb.count > 0;
    const change = (x: number | undefined, y: number | undefined): number | null => (both ? pctChange(x, y) : null);
    const row = Object.fromEntries(TABLE_PERCENTILES.map(([k]) => [k, change(pa?.percentiles[k], pb?.percentiles[k])])) as Record<PercentileKey, number | null>;
    phases[name] = { ...row, max: change(pa?.max, pb?.max), mean: change(pa?.mean, pb?.mean), count: pctChange(pa?.count, pb?.count) };
  }
  return {
    a,
    b,
    changes: {
      numbers,
      phases,
      timeline: {
        seconds: pctChange(a.timeline.seconds, b.timeline.seconds),
        peakItemsPerSec: pctChange(a.timeline.peakItemsPerSec, b.timeline.peakItemsPerSec),
        meanItemsPerSec: pctChange(a.timeline.meanItemsPerSec, b.timeline.meanItemsPerSec),
        throttledSeconds: pctChange(a.timeline.throttledSeconds, b.timeline.throttledSeconds),
      },
    },
  };
}

/** `+12.3 %`, `-4.0 %`, `0.0 %`, `n/a`. */
export function formatChange(pct: number | null): string {
  if (pct === null) return 'n/a';
  const sign = pct > 0 ? '+' : '';
  return `${sign}${pct.toFixed(1)} %`;
}

/**
 * The classic HdrHistogram percentile spectrum: points evenly spaced on log10(1/(1-p)), from 0 %
 * up to the decade where the count runs out of resolution (at most 99.9999 %), `perDecade` each.
 * `x` is that log10 value, so x = 1, 2, 3 are 90 %, 99 %, 99.9 %.
 */
export function percentileSpectrum(h: hdr.Histogram, perDecade = 10): Array<{ readonly x: number; readonly percentile: number; readonly value: number }> {
  if (h.totalCount === 0) return [];
  const decades = spectrumDecades(h.totalCount);
  const out: Array<{ x: number; percentile: number; value: number }> = [];
  for (let i = 0; i <= decades * perDecade; i++) {
    const x = i / perDecade;
    const percentile = 100 * (1 - 10 ** -x);
    out.push({ x, percentile: round6(percentile), value: h.getValueAtPercentile(percentile) });
  }
  // The top of the spectrum is the maximum itself.
  const last = out[out.length - 1];
  if (last !== undefined) out[out.length - 1] = { ...last, value: h.maxValue };
  return out;
}

/** Decades of the spectrum a histogram of `count` values can resolve: 1 (90 %) to 6 (99.9999 %). */
export function spectrumDecades(count: number): number {
  return Math.min(6, Math.max(1, Math.ceil(Math.log10(Math.max(count, 1)))));
}

/** `0%`, `90%`, `99%`, `99.9%`… for the decade ticks of the spectrum axis. */
export function decadeLabel(k: number): string {
  if (k === 0) return '0%';
  if (k === 1) return '90%';
  return `99${k > 2 ? `.${'9'.repeat(k - 2)}` : ''}%`;
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
