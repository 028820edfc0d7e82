import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistogramSet } from '../../../src/metrics/histogram.js';
import { downsampleTimeline } from '../../../src/report/charts.js';
import { jsonForScript, renderReportHtml, type EmbeddedReportData } from '../../../src/report/html.js';
import { readRunReport, writeRunReport, type RunReport } from '../../../src/report/run-report.js';
import { sampleHistograms, sampleInput, sampleTimeline, tempDir } from './sample.js';

function written(over: Parameters<typeof sampleInput>[0] = {}): { dir: string; html: string; report: RunReport } {
  const dir = tempDir();
  writeRunReport(dir, sampleInput(over));
  return { dir, html: readFileSync(path.join(dir, 'report.html'), 'utf8'), report: readRunReport(dir) };
}

function embedded(html: string): EmbeddedReportData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m?.[1] ?? '') as EmbeddedReportData;
}

function svgCount(html: string): number {
  return html.match(/<svg /g)?.length ?? 0;
}

/** Every URL-ish reference outside comments: there must be none. */
function externalRefs(html: string): string[] {
  const noComments = html.replace(/<!--[\s\S]*?-->/g, '');
  return [
    ...(noComments.match(/https?:\/\/[^\s"'<>)]*/g) ?? []),
    ...(noComments.match(/\b(?:src|href)\s*=/gi) ?? []),
    ...(noComments.match(/@import|url\(/gi) ?? []),
  ];
}

describe('report.html', () => {
  it('embeds the plotted numbers as JSON', () => {
    const { html } = written();
    const data = embedded(html);
    expect(data.format).toBe('cass2ddb-fast/report-data');
    expect(data.changes).toBeNull();
    expect(data.runs).toHaveLength(1);
    const run = data.runs[0];
    expect(run?.report.numbers).toMatchObject({ rowsRead: 10_000, itemsWritten: 9_990, deadLetters: 10, durationMs: 10_000 });
    const fetch = run?.report.phases.find((p) => p.phase === 'page-fetch');
    expect(fetch?.count).toBe(1000);
    expect(fetch?.percentiles.p50).toBeGreaterThanOrEqual(499_000);
    expect(fetch?.percentiles.p50).toBeLessThanOrEqual(501_000);
    const write = run?.report.phases.find((p) => p.phase === 'batch-write');
    expect(write?.percentiles.p90).toBeLessThan(2100);
    expect(write?.percentiles.p99).toBeGreaterThanOrEqual(39_900);
    const spectrum = run?.spectra.find((s) => s.phase === 'page-fetch');
    expect(spectrum?.points[0]).toMatchObject({ x: 0, percentile: 0 });
    expect(spectrum?.points.at(-1)?.value).toBe(fetch?.max);
    expect(spectrum?.points.find((p) => p.x === 1)?.percentile).toBe(90);
    expect(run?.timeline.step).toBe(1);
    expect(run?.timeline.points).toHaveLength(10);
    expect(run?.timeline.points[2]).toMatchObject({ t: 3, throttledRequests: 5, rateLimitItemsPerSec: 1500 });
    expect(run?.report.timeline).toMatchObject({ seconds: 10, peakItemsPerSec: 2000, throttledSeconds: 2 });
  });

  it('draws the latency spectrum, the counts spectrum and the throughput as inline SVG', () => {
    const { html } = written();
    expect(svgCount(html)).toBe(3);
    expect(html).toContain('aria-label="latency by percentile"');
    expect(html).toContain('aria-label="counts by percentile"');
    expect(html).toContain('aria-label="throughput"');
    for (const label of ['0%', '90%', '99%', '99.9%']) expect(html).toContain(`>${label}</text>`);
    expect(html).toMatch(/<path class="series" d="M[\d. ]+L/);
    // throttle bars at t=3 and t=4
    expect(html.match(/<g class="bars"[^>]*>.*?<\/g>/)?.[0].match(/<rect /g)).toHaveLength(2);
    // summary and settings tables
    expect(html).toContain('<th>rows read</th><td>10,000</td>');
    expect(html).toContain('<th>threads</th><td>4</td>');
    expect(html).toMatch(/<th>page-fetch<\/th><td>50\d\.\d{3}<\/td>/);
  });

  it('is self-contained: nothing loaded from anywhere', () => {
    const { html } = written();
    expect(externalRefs(html)).toEqual([]);
    expect(html).not.toContain('xmlns');
    expect(html.length).toBeLessThan(100_000);
  });

  it('escapes "</" in the embedded JSON and HTML in the tables', () => {
    const { html } = written({ settings: { note: '</script><script>alert(1)</script>', threads: 4 } });
    const data = embedded(html);
    expect(data.runs[0]?.report.settings.note).toBe('</script><script>alert(1)</script>');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(jsonForScript({ s: '</a>\u2028<!--' })).toBe('{"s":"\\u003c/a>\\u2028\\u003c!--"}');
  });

  it('renders an empty run: no phases, no timeline', () => {
    const { html } = written({ histograms: new HistogramSet(), timeline: [], settings: {} });
    expect(svgCount(html)).toBe(2);
    expect(html).toContain('>no values recorded</text>');
    expect(html).toContain('>no timeline recorded</text>');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(embedded(html).runs[0]?.spectra).toEqual([]);
  });

  it('renders empty phases next to full ones without NaN', () => {
    const { html } = written();
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html).toMatch(/<th>range<\/th>(<td>-<\/td>){8}<td>0<\/td><td>-<\/td>/);
    // an empty phase has no line and no legend entry
    expect(html).not.toContain('>range</text>');
    expect(html).toContain('>batch-write</text>');
  });

  it('compares two runs: both spectra (B dashed), a throughput chart each, % changes', () => {
    const a = written().report;
    const b = written({ histograms: sampleHistograms(2), settings: { ...sampleInput().settings, threads: 8 }, timeline: sampleTimeline(20, 500) }).report;
    const html = renderReportHtml([a, b]);
    expect(svgCount(html)).toBe(4);
    expect(externalRefs(html)).toEqual([]);
    const data = embedded(html);
    expect(data.runs.map((r) => r.label)).toEqual(['A', 'B']);
    expect(data.changes?.phases['batch-write']?.p99).toBeCloseTo(100, 0);
    expect(data.changes?.phases['page-fetch']?.p50).toBe(0);
    expect(html).toContain('stroke-dasharray="6 4"><title>batch-write (B)</title>');
    expect(html).toContain('<tr class="differs"><th>threads</th><td>4</td><td>8</td></tr>');
    expect(html).toMatch(/<th>batch-write change<\/th>.*?<td>\+100\.\d %<\/td>/);
    expect(html).not.toMatch(/NaN|undefined/);
  });

  it('wraps a long legend onto more rows and makes room for it', () => {
    const set = new HistogramSet();
    const names = ['page-fetch', 'convert', 'batch-write', 'range', 'queue-wait', 'sign', 'serialize', 'dedupe'];
    for (const n of names) set.get(n).recordValue(1000);
    const a = written({ histograms: set }).report;
    const html = renderReportHtml([a, a]);
    const spectrum = /<svg [^>]*aria-label="latency by percentile"[^>]*>/.exec(html)?.[0] ?? '';
    expect(Number(/height="(\d+)"/.exec(spectrum)?.[1])).toBeGreaterThan(340);
    const legendYs = new Set([...html.matchAll(/<text x="[\d.]+" y="(\d+)">[a-z-]+ \([AB]\)<\/text>/g)].map((m) => m[1]));
    expect(legendYs.size).toBeGreaterThan(1);
    const xs = [...html.matchAll(/<text x="([\d.]+)" y="\d+">[a-z-]+ \([AB]\)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...xs)).toBeLessThan(760);
  });

  it('downsamples a long timeline for the page, keeping throttle bursts', () => {
    const long = sampleTimeline(10_000);
    const { step, points } = downsampleTimeline(long, 1000);
    expect(step).toBe(10);
    expect(points).toHaveLength(1000);
    expect(points[0]).toMatchObject({ t: 10, itemsPerSec: 1000, throttledRequests: 5, unprocessedRetries: 2, rateLimitItemsPerSec: 1500 });
    expect(downsampleTimeline(sampleTimeline(5)).points).toHaveLength(5);
  });
});
