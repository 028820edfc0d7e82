import { describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import { fileURLToPath } from 'node:url';
import { compareReports, decadeLabel, pctChange, percentileSpectrum, reportData, spectrumDecades } from '../../../src/report/data.js';
import { readRunReport } from '../../../src/report/run-report.js';
import { formatComparison, formatReport } from '../../../src/report/tables.js';
import { summarizeTimeline } from '../../../src/report/timeline.js';
import { sampleTimeline } from './sample.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/report/${name}`, import.meta.url));

function lineOf(text: string, start: string): string {
  const line = text.split('\n').find((l) => l.trimStart().startsWith(start));
  if (line === undefined) throw new Error(`no line starting with ${start}:\n${text}`);
  return line;
}

describe('formatReport', () => {
  const text = formatReport(readRunReport(fixture('run-a')));

  it('prints the run, the summary and a percentile table with units', () => {
    expect(text.split('\n')[0]).toMatch(/^migrate completed — .*run-a$/);
    expect(text).toContain('app.users → users (local)');
    expect(lineOf(text, 'rows read')).toMatch(/10,000$/);
    expect(lineOf(text, 'duration')).toMatch(/10\.0 s$/);
    expect(lineOf(text, 'latency (ms)').split(/\s+/)).toEqual(['latency', '(ms)', 'page-fetch', 'batch-write', 'range']);
    const p50 = lineOf(text, 'p50').trim().split(/\s+/);
    expect(p50[0]).toBe('p50');
    expect(Number(p50[1])).toBeCloseTo(500, -1);
    expect(p50[2]).toBe('2.000');
    expect(p50[3]).toBe('-');
    const p99 = lineOf(text, 'p99 ').trim().split(/\s+/);
    expect(Number(p99[2])).toBeCloseTo(40, 0);
    for (const row of ['p75', 'p90', 'p95', 'p99.9', 'p99.99', 'max', 'count', 'mean']) lineOf(text, row);
    expect(lineOf(text, 'counts')).toContain('retries-per-item');
  });

  it('summarises the timeline and lists the settings', () => {
    expect(text).toContain('timeline (10 s)');
    expect(text).toMatch(/^  items\/s\s+peak 2,000, mean 1,100$/m);
    expect(text).toMatch(/^  write units\/s\s+peak 2,000, mean 2,000$/m);
    expect(lineOf(text, 'rate limit')).toMatch(/1,500\/s$/);
    expect(lineOf(text, 'throttled seconds')).toMatch(/2 of 10$/);
    expect(lineOf(text, 'threads')).toMatch(/ 4$/);
    expect(lineOf(text, 'maxWcu')).toMatch(/ null$/);
  });
});

describe('formatComparison', () => {
  const text = formatComparison(readRunReport(fixture('run-a')), readRunReport(fixture('run-b')));

  it('shows both runs and the change in % per number and percentile', () => {
    expect(text.split('\n')[0]).toMatch(/^A migrate completed — .*run-a$/);
    expect(text).toMatch(/^B migrate completed — .*run-b$/m);
    expect(lineOf(text, 'duration').trim().split(/\s{2,}/)).toEqual(['duration', '10.0 s', '8.0 s', '-20.0 %']);
    expect(lineOf(text, 'rows read')).toMatch(/10,000\s+10,000\s+0\.0 %$/);
    expect(lineOf(text, 'throttled requests')).toMatch(/5\s+9\s+\+80\.0 %$/);
    const blocks = text.split('\n').filter((l) => /^\S+ \((ms|count)\)\s+A\s+B\s+change$/.test(l));
    expect(blocks.map((l) => l.split(' ')[0])).toEqual(['page-fetch', 'batch-write', 'retries-per-item', 'range']);
    const writeBlock = text.slice(text.indexOf('batch-write (ms)'));
    expect(lineOf(writeBlock, 'p99 ')).toMatch(/40\.\d{3}\s+80\.\d{3}\s+\+100\.\d %$/);
    expect(lineOf(writeBlock, 'p50')).toMatch(/2\.000\s+2\.000\s+0\.0 %$/);
    const rangeBlock = text.slice(text.indexOf('range (ms)'));
    expect(lineOf(rangeBlock, 'p50')).toMatch(/-\s+-\s+n\/a$/);
    expect(lineOf(rangeBlock, 'count')).toMatch(/0\s+0\s+0\.0 %$/);
    expect(lineOf(text, 'retries-per-item (count)').trim().split(/\s+/)).toEqual(['retries-per-item', '(count)', 'A', 'B', 'change']);
    expect(lineOf(text, 'retries-per-item (count)').indexOf(' change')).toBe(lineOf(text, 'summary').indexOf(' change'));
    expect(lineOf(text, 'threads')).toMatch(/4\s+8\s+differs$/);
    expect(lineOf(text, 'fetchSize')).toMatch(/1000\s+1000$/);
  });
});

describe('report data', () => {
  it('computes % changes, null when not comparable', () => {
    expect(pctChange(100, 150)).toBe(50);
    expect(pctChange(200, 150)).toBe(-25);
    expect(pctChange(0, 0)).toBe(0);
    expect(pctChange(0, 3)).toBeNull();
    expect(pctChange(null, 3)).toBeNull();
  });

  it('spreads the spectrum on log10(1/(1-p)) and ends at the max', () => {
    expect([0, 1, 2, 3, 4].map(decadeLabel)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%']);
    expect(spectrumDecades(1)).toBe(1);
    expect(spectrumDecades(1000)).toBe(3);
    expect(spectrumDecades(1e12)).toBe(6);
    const h = hdr.build({ useWebAssembly: false });
    for (let v = 1; v <= 1000; v++) h.recordValue(v);
    const s = percentileSpectrum(h, 2);
    expect(s.map((p) => p.x)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(s[2]?.percentile).toBe(90);
    expect(s[2]?.value).toBe(900);
    expect(s.at(-1)?.value).toBe(1000);
    expect(percentileSpectrum(hdr.build({ useWebAssembly: false }))).toEqual([]);
  });

  it('summarises a timeline; an empty one is all zeros', () => {
    const t = summarizeTimeline(sampleTimeline());
    expect(t).toEqual({
      seconds: 10,
      peakItemsPerSec: 2000,
      meanItemsPerSec: 1100,
      peakWriteUnitsPerSec: 2000,
      meanWriteUnitsPerSec: 2000,
      throttledSeconds: 2,
      throttledRequests: 5,
      unprocessedRetries: 2,
      retries: 7,
      rateLimit: { min: 1500, max: 1500, last: 1500 },
    });
    expect(summarizeTimeline([])).toMatchObject({ seconds: 0, meanItemsPerSec: 0, rateLimit: null });
  });

  it('compares phases present in only one run', () => {
    const a = reportData(readRunReport(fixture('run-a')));
    const b = { ...a, phases: a.phases.filter((p) => p.phase !== 'range') };
    expect(compareReports(a, b).changes.phases.range?.p50).toBeNull();
  });
});

describe('TimelineSampler', () => {
  it('turns cumulative counters into per-second rates and deltas', async () => {
    const { TimelineSampler } = await import('../../../src/report/timeline.js');
    const s = new TimelineSampler(1000);
    const c = { rowsRead: 0, itemsWritten: 0, writeUnits: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 };
    s.sample({ ...c, rowsRead: 1000, itemsWritten: 900, writeUnits: 1800, throttledRequests: 2, retries: 2 }, null, 2000);
    s.sample({ ...c, rowsRead: 3000, itemsWritten: 2900, writeUnits: 5800, throttledRequests: 2, unprocessedRetries: 1, retries: 3 }, 2000, 3000);
    s.sample({ ...c, rowsRead: 4000, itemsWritten: 3900, writeUnits: 7800, throttledRequests: 2, unprocessedRetries: 1, retries: 3 }, 2000, 3500);
    s.sample({ ...c, rowsRead: 4000, itemsWritten: 3900, writeUnits: 7800, throttledRequests: 2, unprocessedRetries: 1, retries: 3 }, 2000, 3500);
    expect(s.points()).toEqual([
      { t: 1, rowsRead: 1000, itemsWritten: 900, itemsPerSec: 900, writeUnitsPerSec: 1800, rateLimitItemsPerSec: null, throttledRequests: 2, unprocessedRetries: 0, retries: 2 },
      { t: 2, rowsRead: 3000, itemsWritten: 2900, itemsPerSec: 2000, writeUnitsPerSec: 4000, rateLimitItemsPerSec: 2000, throttledRequests: 0, unprocessedRetries: 1, retries: 1 },
      { t: 2.5, rowsRead: 4000, itemsWritten: 3900, itemsPerSec: 2000, writeUnitsPerSec: 4000, rateLimitItemsPerSec: 2000, throttledRequests: 0, unprocessedRetries: 0, retries: 0 },
    ]);
  });
});
