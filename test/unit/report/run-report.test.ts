import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { HistogramSet } from '../../../src/metrics/histogram.js';
import { PACKAGE_VERSION } from '../../../src/package-info.js';
import { hgrmFileNames, phaseUnit, readRunReport, writeRunReport, type RunReport } from '../../../src/report/run-report.js';
import { sampleInput, tempDir } from './sample.js';

const PERCENTILES = [0, 50, 75, 90, 99, 99.9, 99.99, 100];

function phase(r: RunReport, name: string) {
  const p = r.phases.find((x) => x.phase === name);
  if (p === undefined) throw new Error(`no phase ${name}`);
  return p;
}

function usageError(fn: () => unknown): ToolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    const e = error as ToolError;
    expect(e.code).toBe('USAGE');
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('expected a ToolError');
}

describe('writeRunReport / readRunReport', () => {
  it('writes every file and reads the histograms back exactly', () => {
    const dir = path.join(tempDir(), 'nested', 'run');
    const input = sampleInput();
    const { files } = writeRunReport(dir, input);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(
      ['batch-write.hgrm', 'histograms.json', 'page-fetch.hgrm', 'range.hgrm', 'report.html', 'retries-per-item.hgrm', 'summary.json', 'timeline.jsonl'],
    );
    for (const f of files) expect(existsSync(f)).toBe(true);

    const r = readRunReport(dir);
    expect(r.phases.map((p) => p.phase)).toEqual(input.histograms.phases());
    for (const name of input.histograms.phases()) {
      const original = input.histograms.get(name);
      const back = phase(r, name).histogram;
      expect(back.totalCount).toBe(original.totalCount);
      expect(back.maxValue).toBe(original.maxValue);
      expect(back.mean).toBe(original.mean);
      for (const p of PERCENTILES) expect(back.getValueAtPercentile(p)).toBe(original.getValueAtPercentile(p));
    }
    expect(phase(r, 'page-fetch').histogram.getValueAtPercentile(50)).toBeGreaterThanOrEqual(499_000);
    expect(phase(r, 'page-fetch').histogram.getValueAtPercentile(50)).toBeLessThanOrEqual(501_000);
    expect(phase(r, 'range').histogram.totalCount).toBe(0);
  });

  it('round-trips summary, settings, timeline and records unit and version', () => {
    const dir = tempDir();
    const input = sampleInput();
    writeRunReport(dir, input);
    const r = readRunReport(dir);
    expect(r.command).toBe('migrate');
    expect(r.startedAt).toBe(input.startedAt);
    expect(r.toolVersion).toBe(PACKAGE_VERSION);
    expect(r.summary).toEqual(input.summary);
    expect(r.settings).toEqual(input.settings);
    expect(r.timeline).toEqual(input.timeline);
    expect(Object.fromEntries(r.phases.map((p) => [p.phase, p.unit]))).toEqual({
      'page-fetch': 'us',
      'batch-write': 'us',
      'retries-per-item': 'count',
      range: 'us',
    });
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ format: 'cass2ddb-fast/run-report', formatVersion: 1, command: 'migrate', toolVersion: PACKAGE_VERSION });
    const lines = readFileSync(path.join(dir, 'timeline.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(JSON.parse(lines[2] ?? '')).toMatchObject({ t: 3, throttledRequests: 5, rateLimitItemsPerSec: 1500 });
  });

  it('writes standard .hgrm percentile files: latencies in ms, counts unscaled', () => {
    const dir = tempDir();
    writeRunReport(dir, sampleInput());
    const parse = (name: string) => {
      const text = readFileSync(path.join(dir, name), 'utf8');
      const lines = text.split('\n');
      expect((lines[0] ?? '').trim().split(/\s+/)).toEqual(['Value', 'Percentile', 'TotalCount', '1/(1-Percentile)']);
      const rows = lines.slice(1).filter((l) => /^\s*[\d.]+\s+[\d.]+\s+\d+/.test(l)).map((l) => l.trim().split(/\s+/).map(Number));
      const mean = /#\[Mean\s+=\s+([\d.]+)/.exec(text)?.[1];
      const max = /#\[Max\s+=\s+([\d.]+), Total count\s+=\s+(\d+)\]/.exec(text);
      return { rows, mean: Number(mean), max: Number(max?.[1]), total: Number(max?.[2]) };
    };
    const fetch = parse('page-fetch.hgrm');
    expect(fetch.total).toBe(1000);
    expect(fetch.mean).toBeCloseTo(500.5, 0);
    const median = fetch.rows.find((r) => r[1] === 0.5);
    expect(median?.[0]).toBeCloseTo(500, -1);
    expect(fetch.rows[fetch.rows.length - 1]?.[1]).toBe(1);
    expect(fetch.rows[fetch.rows.length - 1]?.[0]).toBeCloseTo(1000, -1);

    const retries = parse('retries-per-item.hgrm');
    expect(retries.total).toBe(1000);
    expect(retries.rows[retries.rows.length - 1]?.[0]).toBe(3);
    expect(retries.mean).toBeCloseTo((90 + 30) / 1000, 3);

    const empty = parse('range.hgrm');
    expect(empty.total).toBe(0);
    expect(empty.rows).toEqual([]);
  });

  it('lets a phase declare its unit; undeclared phases follow COUNT_PHASES', () => {
    expect(phaseUnit('batch-write')).toBe('us');
    expect(phaseUnit('retries-per-item')).toBe('count');
    expect(phaseUnit('items-per-request', { 'items-per-request': 'count' })).toBe('count');
    expect(phaseUnit('retries-per-item', { 'retries-per-item': 'us' })).toBe('us');
    const set = new HistogramSet();
    set.get('items-per-request').recordValue(25);
    const dir = tempDir();
    writeRunReport(dir, sampleInput({ histograms: set, phaseUnits: { 'items-per-request': 'count' } }));
    expect(readRunReport(dir).phases[0]?.unit).toBe('count');
    expect(readFileSync(path.join(dir, 'items-per-request.hgrm'), 'utf8')).toMatch(/25\.000 1\.000000000000 +1\n/);
  });

  it('gives odd phase names safe, distinct file names', () => {
    const names = hgrmFileNames(['a/b', 'a.b', '../x', 'summary', '']);
    expect([...names.values()]).toEqual(['a_b.hgrm', 'a_b-2.hgrm', '___x.hgrm', 'summary.hgrm', '_.hgrm']);
  });

  it('writes an empty run (no phases, no timeline) and reads it back', () => {
    const dir = tempDir();
    writeRunReport(dir, sampleInput({ histograms: new HistogramSet(), timeline: [] }));
    const r = readRunReport(dir);
    expect(r.phases).toEqual([]);
    expect(r.timeline).toEqual([]);
  });

  it('reads the checked-in format-1 fixture (without .hgrm files or page)', () => {
    const r = readRunReport(fileURLToPath(new URL('../../fixtures/report/run-a', import.meta.url)));
    expect(r.command).toBe('migrate');
    expect(phase(r, 'batch-write').histogram.totalCount).toBe(1000);
    expect(phase(r, 'batch-write').histogram.getValueAtPercentile(99)).toBeGreaterThanOrEqual(39_900);
    expect(r.timeline).toHaveLength(10);
  });
});

describe('readRunReport refuses what is not a report, in one line', () => {
  it('a missing directory', () => {
    expect(usageError(() => readRunReport('/nonexistent/run')).message).toBe('/nonexistent/run is not a run report: no such directory');
  });

  it('a file', () => {
    const file = path.join(tempDir(), 'x.txt');
    writeFileSync(file, 'x');
    expect(usageError(() => readRunReport(file)).message).toMatch(/is not a run report: a file, not a report directory$/);
  });

  it('an empty directory', () => {
    expect(usageError(() => readRunReport(tempDir())).message).toMatch(/is not a run report: no summary\.json \(write one with migrate --report-dir\)$/);
  });

  it('another JSON file called summary.json, or bad JSON', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'summary.json'), '{"rows": 1}');
    expect(usageError(() => readRunReport(dir)).message).toMatch(/summary\.json is not a cass2ddb-fast run report$/);
    writeFileSync(path.join(dir, 'summary.json'), '{"rows": ');
    expect(usageError(() => readRunReport(dir)).message).toMatch(/summary\.json is not valid JSON: /);
  });

  it('a newer format', () => {
    const dir = tempDir();
    writeRunReport(dir, sampleInput());
    const file = path.join(dir, 'summary.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"formatVersion": 1', '"formatVersion": 9'));
    expect(usageError(() => readRunReport(dir)).message).toMatch(/report format 9 is newer than this cass2ddb-fast reads \(1\)$/);
  });

  it('a broken histograms.json or timeline line, naming the place', () => {
    const dir = tempDir();
    writeRunReport(dir, sampleInput());
    const timeline = path.join(dir, 'timeline.jsonl');
    writeFileSync(timeline, `${readFileSync(timeline, 'utf8')}{"t": "x"}\n`);
    expect(usageError(() => readRunReport(dir)).message).toBe(`${timeline}:11: "t" must be a number`);
    writeFileSync(timeline, '');
    writeFileSync(path.join(dir, 'histograms.json'), '{"batch-write": {"unit": "s", "encoded": ""}}');
    expect(usageError(() => readRunReport(dir)).message).toMatch(/phase "batch-write" needs unit/);
    writeFileSync(path.join(dir, 'histograms.json'), '{"batch-write": {"unit": "us", "encoded": "bm90IGEgaGlzdG9ncmFt"}}');
    expect(usageError(() => readRunReport(dir)).message).toMatch(/phase "batch-write": cannot decode the histogram/);
  });

  it('a directory given for the report that cannot be created', () => {
    const file = path.join(tempDir(), 'file');
    writeFileSync(file, '');
    expect(usageError(() => writeRunReport(file, sampleInput())).message).toMatch(/^cannot write a report to .*file: not a directory$/);
  });
});
