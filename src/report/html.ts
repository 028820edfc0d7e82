/**
 * The self-contained HTML page of one run or of two runs compared: inline CSS, inline SVG, no
 * script to run, nothing fetched, so it opens offline and can be mailed around. The plotted
 * data is embedded as JSON in <script type="application/json" id="report-data">.
 */
import { downsampleTimeline, spectrumChart, spectrumLines, throughputChart, throughputScale, type SpectrumLine } from './charts.js';
import { compareReports, formatChange, reportData, SUMMARY_NUMBERS, unionPhases, type ComparisonData, type ReportData } from './data.js';
import { fmtLimit, fmtNumber, fmtSetting, STAT_ROWS, unitLabel } from './format.js';
import { fmtInt } from '../metrics/progress.js';
import type { RunReport } from './run-report.js';
import { escapeXml as esc, PALETTE } from './svg.js';
import type { TimelinePoint } from './timeline.js';

export const REPORT_DATA_FORMAT = 'cass2ddb-fast/report-data';

/** The JSON embedded in the page: what the charts and tables show. */
export interface EmbeddedReportData {
  readonly format: typeof REPORT_DATA_FORMAT;
  readonly version: 1;
  readonly runs: ReadonlyArray<{
    /** '' for a single run, 'A' and 'B' in a comparison. */
    readonly label: string;
    readonly report: ReportData;
    /** Percentile spectrum per phase; values in the phase's unit (µs or count). */
    readonly spectra: readonly SpectrumLine[];
    /** The plotted timeline: `step` seconds per point (1 unless the run was long). */
    readonly timeline: { readonly step: number; readonly points: readonly TimelinePoint[] };
  }>;
  readonly changes: ComparisonData['changes'] | null;
}

export function renderReportHtml(reports: readonly [RunReport] | readonly [RunReport, RunReport]): string {
  const labels = reports.length === 2 ? ['A', 'B'] : [''];
  const datas = reports.map((r) => reportData(r));
  const [a, b] = datas as [ReportData, ReportData | undefined];
  const comparison = b === undefined ? null : compareReports(a, b);
  const runs = reports.map((r, i) => ({
    label: labels[i] ?? '',
    report: datas[i] as ReportData,
    spectra: spectrumLines(labels[i] ?? '', r.phases),
    timeline: downsampleTimeline(r.timeline),
  }));
  const embedded: EmbeddedReportData = { format: REPORT_DATA_FORMAT, version: 1, runs, changes: comparison?.changes ?? null };
  const phaseNames = b === undefined ? a.phases.map((p) => p.phase) : unionPhases(a, b);
  const colorOf = (phase: string): string => PALETTE[Math.max(0, phaseNames.indexOf(phase)) % PALETTE.length] as string;
  const lines = runs.flatMap((r) => r.spectra);
  const title = b === undefined ? `${a.command} report, ${a.startedAt}` : `${a.command} ${a.startedAt} (A) vs ${b.command} ${b.startedAt} (B)`;
  const scale = throughputScale(runs.map((r) => r.timeline.points));
  const hasCounts = lines.some((l) => l.unit === 'count');
  const body = [
    `<h1>${esc(title)}</h1>`,
    ...runs.map((r) => `<p class="meta">${r.label === '' ? '' : `<b>${r.label}</b> `}${esc(runLine(r.report))}</p>`),
    '<h2>Summary</h2>',
    comparison === null ? summaryTable(a) : summaryComparison(comparison),
    '<h2>Latency percentiles</h2>',
    spectrumChart('latency by percentile', 'us', lines, colorOf),
    phaseTable(datas, 'us', comparison),
    ...(hasCounts ? ['<h2>Counts per item</h2>', spectrumChart('counts by percentile', 'count', lines, colorOf), phaseTable(datas, 'count', comparison)] : []),
    '<h2>Throughput</h2>',
    ...runs.map((r) => throughputChart(`throughput${r.label === '' ? '' : ` (${r.label})`}`, r.timeline.points, scale)),
    '<h2>Settings</h2>',
    settingsTable(datas),
    `<script type="application/json" id="report-data">${jsonForScript(embedded)}</script>`,
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

/** JSON safe inside a <script> element: no `</script>`, no `<!--`, no JS line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function runLine(d: ReportData): string {
  const parts = [`${d.command}${d.status === null ? '' : ` ${d.status}`}`, `started ${d.startedAt}`, `cass2ddb-fast ${d.toolVersion}`, d.dir];
  if (d.source !== null || d.target !== null) parts.splice(1, 0, `${d.source ?? '?'} → ${d.target ?? '?'}`);
  return parts.join(' · ');
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, rowClass: (i: number) => string = () => ''): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r, i) => {
    const cls = rowClass(i);
    return `<tr${cls === '' ? '' : ` class="${cls}"`}>${r.map((c, j) => (j === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`;
  });
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs.join('')}</tbody></table>`;
}

function timelineRows(d: ReportData): string[][] {
  const t = d.timeline;
  return [
    ['peak items/s', fmtInt(t.peakItemsPerSec)],
    ['mean items/s', fmtInt(t.meanItemsPerSec)],
    ['peak write units/s', fmtInt(t.peakWriteUnitsPerSec)],
    ['seconds with throttles', `${fmtInt(t.throttledSeconds)} of ${fmtInt(t.seconds)}`],
    ['rate limit', fmtLimit(d)],
  ];
}

function summaryTable(d: ReportData): string {
  const rows = SUMMARY_NUMBERS.filter(([k]) => d.numbers[k] !== null).map(([k, label]) => [label, fmtNumber(k, d.numbers[k])]);
  return table(['', ''], [...rows, ...timelineRows(d)]);
}

function summaryComparison(c: ComparisonData): string {
  const rows = SUMMARY_NUMBERS.filter(([k]) => c.a.numbers[k] !== null || c.b.numbers[k] !== null).map(([k, label]) => [
    label,
    fmtNumber(k, c.a.numbers[k]),
    fmtNumber(k, c.b.numbers[k]),
    formatChange(c.changes.numbers[k]),
  ]);
  const ta = timelineRows(c.a);
  const tb = timelineRows(c.b);
  const timeline = ta.map((r, i) => [r[0] ?? '', r[1] ?? '', tb[i]?.[1] ?? '', '']);
  return table(['', 'A', 'B', 'change'], [...rows, ...timeline]);
}

function phaseTable(datas: readonly ReportData[], unit: 'us' | 'count', comparison: ComparisonData | null): string {
  const head = ['phase', ...STAT_ROWS.map(([k]) => k)];
  const rows: string[][] = [];
  const [a, b] = datas;
  if (a === undefined) return '';
  const names = b === undefined ? a.phases.map((p) => p.phase) : unionPhases(a, b);
  const classes: string[] = [];
  for (const name of names) {
    const stats = datas.map((d) => d.phases.find((p) => p.phase === name));
    const any = stats.find((s) => s !== undefined);
    if (any === undefined || any.unit !== unit) continue;
    stats.forEach((s, i) => {
      const label = datas.length === 2 ? `${name} (${i === 0 ? 'A' : 'B'})` : name;
      rows.push([label, ...STAT_ROWS.map(([, f]) => (s === undefined ? '-' : f(s)))]);
      classes.push('');
    });
    if (comparison !== null) {
      const c = comparison.changes.phases[name];
      rows.push([`${name} change`, ...STAT_ROWS.map(([k]) => formatChange(c?.[k as keyof typeof c] ?? null))]);
      classes.push('change');
    }
  }
  if (rows.length === 0) return '<p class="meta">no phases recorded</p>';
  return `<p class="meta">values in ${unitLabel(unit)}</p>${table(head, rows, (i) => classes[i] ?? '')}`;
}

function settingsTable(datas: readonly ReportData[]): string {
  const keys = [...new Set(datas.flatMap((d) => Object.keys(d.settings)))];
  if (keys.length === 0) return '<p class="meta">no settings recorded</p>';
  const rows = keys.map((k) => [k, ...datas.map((d) => fmtSetting(d.settings[k]))]);
  const differs = (i: number): string => (datas.length === 2 && rows[i]?.[1] !== rows[i]?.[2] ? 'differs' : '');
  return table(datas.length === 2 ? ['setting', 'A', 'B'] : ['setting', 'value'], rows, differs);
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222;background:#fff}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.8em;border-bottom:1px solid #ccc}
.meta{color:#555;font-size:.9em;margin:.3em 0}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}
th:first-child{text-align:left}thead th{border-bottom:1px solid #999}
tr.change td,tr.change th{color:#555;font-style:italic;border-bottom:1px solid #bbb}
tr.differs{background:#fff4d6}
svg.chart{display:block;max-width:100%;height:auto;margin:.6em 0}
svg.chart text{font-size:11px;fill:currentColor}
svg.chart .axis-title{font-size:12px}svg.chart .empty{fill:#888}
@media (prefers-color-scheme:dark){body{color:#ddd;background:#161616}th,td{border-color:#333}
tr.differs{background:#3a3220}svg.chart .grid{stroke:#333}.meta{color:#aaa}}
`.trim();
