/** How report values print, shared by the terminal tables and the HTML page. */
import { fmtDuration, fmtInt } from '../metrics/progress.js';
import { TABLE_PERCENTILES, type PhaseStats, type ReportData, type SummaryNumberKey } from './data.js';
import type { PhaseUnit, SettingValue } from './run-report.js';

/** A summary number: durations as `1m40s`, the rest as grouped integers; `-` when missing. */
export function fmtNumber(key: SummaryNumberKey, v: number | null): string {
  if (v === null) return '-';
  return key === 'durationMs' ? fmtDuration(v) : fmtInt(v);
}

/** A histogram value: µs as milliseconds with 3 decimals (as in .hgrm files), counts as integers. */
export function fmtValue(unit: PhaseUnit, count: number, v: number): string {
  if (count === 0) return '-';
  return unit === 'us' ? (v / 1000).toFixed(3) : fmtInt(v);
}

export function fmtMean(p: PhaseStats): string {
  if (p.count === 0) return '-';
  return p.unit === 'us' ? (p.mean / 1000).toFixed(3) : p.mean.toFixed(2);
}

export function unitLabel(unit: PhaseUnit): string {
  return unit === 'us' ? 'ms' : 'count';
}

export function fmtSetting(v: SettingValue | undefined): string {
  if (v === undefined) return '-';
  return v === null ? 'null' : String(v);
}

export function fmtLimit(d: ReportData): string {
  const l = d.timeline.rateLimit;
  if (l === null) return 'none';
  return l.min === l.max ? `${fmtInt(l.min)}/s` : `${fmtInt(l.min)}–${fmtInt(l.max)}/s`;
}

/** The rows of a phase table, each with how it prints a phase: p50 … p99.99, max, count, mean. */
export const STAT_ROWS: ReadonlyArray<readonly [string, (p: PhaseStats) => string]> = Object.freeze([
  ...TABLE_PERCENTILES.map(([key]) => [key, (p: PhaseStats) => fmtValue(p.unit, p.count, p.percentiles[key])] as const),
  ['max', (p: PhaseStats) => fmtValue(p.unit, p.count, p.max)] as const,
  ['count', (p: PhaseStats) => fmtInt(p.count)] as const,
  ['mean', fmtMean] as const,
]);
