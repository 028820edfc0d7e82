/**
 * Terminal output of `report`: one run's percentile tables, or two runs side by side with the
 * change in %. Latencies print in milliseconds (as in .hgrm files), count phases as counts.
 */
import { fmtInt } from '../metrics/progress.js';
import { compareReports, formatChange, reportData, SUMMARY_NUMBERS, unionPhases, type ComparisonData, type ReportData } from './data.js';
import { fmtLimit, fmtNumber, fmtSetting, STAT_ROWS, unitLabel } from './format.js';
import type { RunReport } from './run-report.js';

const MIN_LABEL = 22;
const CELL = 13;

export function formatReport(report: RunReport): string {
  return formatReportData(reportData(report));
}

export function formatComparison(a: RunReport, b: RunReport): string {
  return formatComparisonData(compareReports(reportData(a), reportData(b)));
}

export function formatReportData(d: ReportData): string {
  const out = new Table();
  header(out, d, '');
  out.heading('summary', []);
  for (const [key, label] of SUMMARY_NUMBERS) {
    if (d.numbers[key] !== null) out.row(label, [fmtNumber(key, d.numbers[key])]);
  }
  for (const unit of ['us', 'count'] as const) {
    const phases = d.phases.filter((p) => p.unit === unit);
    if (phases.length === 0) continue;
    const widths = phases.map((p) => Math.max(CELL, p.phase.length + 2));
    out.heading(unit === 'us' ? 'latency (ms)' : 'counts', phases.map((p) => p.phase), widths);
    for (const [key, value] of STAT_ROWS) out.row(key, phases.map((p) => value(p)), widths);
  }
  const t = d.timeline;
  if (t.seconds === 0) {
    out.heading('timeline', []);
    out.text('  (no timeline recorded)');
  } else {
    out.heading(`timeline (${fmtInt(t.seconds)} s)`, []);
    out.note('items/s', `peak ${fmtInt(t.peakItemsPerSec)}, mean ${fmtInt(t.meanItemsPerSec)}`);
    out.note('write units/s', `peak ${fmtInt(t.peakWriteUnitsPerSec)}, mean ${fmtInt(t.meanWriteUnitsPerSec)}`);
    out.note('rate limit', fmtLimit(d));
    out.note('throttled seconds', `${fmtInt(t.throttledSeconds)} of ${fmtInt(t.seconds)}`);
    out.note('throttles', `${fmtInt(t.throttledRequests)} throttled requests, ${fmtInt(t.unprocessedRetries)} unprocessed retries, ${fmtInt(t.retries)} retries`);
  }
  const settings = Object.entries(d.settings);
  if (settings.length > 0) {
    out.heading('settings', []);
    for (const [k, v] of settings) out.note(k, fmtSetting(v));
  }
  return out.toString();
}

export function formatComparisonData(c: ComparisonData): string {
  const { a, b, changes } = c;
  const out = new Table();
  header(out, a, 'A ');
  header(out, b, 'B ');
  const abc = ['A', 'B', 'change'];
  out.heading('summary', abc);
  for (const [key, label] of SUMMARY_NUMBERS) {
    if (a.numbers[key] === null && b.numbers[key] === null) continue;
    out.row(label, [fmtNumber(key, a.numbers[key]), fmtNumber(key, b.numbers[key]), formatChange(changes.numbers[key])]);
  }
  for (const name of unionPhases(a, b)) {
    const pa = a.phases.find((p) => p.phase === name);
    const pb = b.phases.find((p) => p.phase === name);
    const unit = (pa ?? pb)?.unit ?? 'us';
    const change = changes.phases[name];
    out.heading(`${name} (${unitLabel(unit)})`, abc);
    for (const [key, value] of STAT_ROWS) {
      const pct = change?.[key as keyof typeof change] ?? null;
      out.row(key, [pa === undefined ? '-' : value(pa), pb === undefined ? '-' : value(pb), formatChange(pct)]);
    }
  }
  const ta = a.timeline;
  const tb = b.timeline;
  out.heading('timeline', abc);
  out.row('seconds', [fmtInt(ta.seconds), fmtInt(tb.seconds), formatChange(changes.timeline.seconds)]);
  out.row('peak items/s', [fmtInt(ta.peakItemsPerSec), fmtInt(tb.peakItemsPerSec), formatChange(changes.timeline.peakItemsPerSec)]);
  out.row('mean items/s', [fmtInt(ta.meanItemsPerSec), fmtInt(tb.meanItemsPerSec), formatChange(changes.timeline.meanItemsPerSec)]);
  out.row('throttled seconds', [fmtInt(ta.throttledSeconds), fmtInt(tb.throttledSeconds), formatChange(changes.timeline.throttledSeconds)]);
  out.row('rate limit', [fmtLimit(a), fmtLimit(b)]);
  const keys = [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])];
  if (keys.length > 0) {
    out.heading('settings', ['A', 'B']);
    for (const k of keys) {
      const va = fmtSetting(a.settings[k]);
      const vb = fmtSetting(b.settings[k]);
      out.row(k, [va, vb, va === vb ? '' : 'differs']);
    }
  }
  return out.toString();
}

function header(out: Table, d: ReportData, tag: string): void {
  const what = [d.command, d.status].filter((s) => s !== null).join(' ');
  const indent = ' '.repeat(tag.length + 2);
  out.text(`${tag}${what} — ${d.dir}`);
  out.text(`${indent}started ${d.startedAt}, cass2ddb-fast ${d.toolVersion}`);
  if (d.source !== null || d.target !== null) out.text(`${indent}${d.source ?? '?'} → ${d.target ?? '?'}`);
}

type Line =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'row'; readonly label: string; readonly cells: readonly string[]; readonly widths?: readonly number[] }
  | { readonly kind: 'note'; readonly label: string; readonly text: string };

/**
 * Lines laid out in two passes, so that every label column is as wide as the longest label
 * (`retries-per-item (count)`) and the cells line up under their headings.
 */
class Table {
  private readonly lines: Line[] = [];

  text(text: string): void {
    this.lines.push({ kind: 'text', text });
  }

  /** A table heading: flush left, column titles over the cells. */
  heading(label: string, titles: readonly string[], widths?: readonly number[]): void {
    this.lines.push(widths === undefined ? { kind: 'row', label, cells: titles } : { kind: 'row', label, cells: titles, widths });
  }

  /** An indented row of right-aligned cells. */
  row(label: string, cells: readonly string[], widths?: readonly number[]): void {
    this.heading(`  ${label}`, cells, widths);
  }

  /** An indented label with free text after it. */
  note(label: string, text: string): void {
    this.lines.push({ kind: 'note', label: `  ${label}`, text });
  }

  toString(): string {
    const width = Math.max(MIN_LABEL, ...this.lines.map((l) => (l.kind === 'text' ? 0 : l.label.length + 2)));
    const render = (l: Line): string => {
      switch (l.kind) {
        case 'text':
          return l.text;
        case 'note':
          return `${l.label.padEnd(width)}${l.text}`;
        case 'row':
          return `${l.label.padEnd(width)}${l.cells.map((c, i) => c.padStart(l.widths?.[i] ?? CELL)).join('')}`.trimEnd();
        default: {
          const never: never = l;
          throw new Error(`unknown line ${String(never)}`);
        }
      }
    };
    return `${this.lines.map(render).join('\n')}\n`;
  }
}
