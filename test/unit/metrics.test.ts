import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { HistogramSet, PhaseRecorder, formatMicros, newHistogram } from '../../src/metrics/histogram.js';
import { ProgressDisplay, fmtDuration, fmtInt } from '../../src/metrics/progress.js';

describe('histograms', () => {
  it('merges encoded deltas from several recorders exactly', () => {
    const a = new PhaseRecorder<'write'>();
    const b = new PhaseRecorder<'write'>();
    for (let i = 1; i <= 900; i++) a.record('write', 1000);
    for (let i = 1; i <= 100; i++) b.record('write', 50_000);
    const set = new HistogramSet();
    set.addDeltas(a.drain());
    set.addDeltas(b.drain());
    const s = set.summary('write');
    expect(s.count).toBe(1000);
    expect(s.p50Micros).toBeGreaterThanOrEqual(999);
    expect(s.p50Micros).toBeLessThanOrEqual(1001);
    expect(s.p99Micros).toBeGreaterThanOrEqual(49_950);
    expect(s.maxMicros).toBeGreaterThanOrEqual(49_950);
    // a drained recorder sends nothing more
    expect(a.drain()).toEqual({});
  });

  it('merges sparse deltas into the very buckets of a histogram that saw every value (zeros, hours, auto-resize)', () => {
    const direct = newHistogram();
    const set = new HistogramSet();
    const workers = [new PhaseRecorder<'p'>(), new PhaseRecorder<'p'>(), new PhaseRecorder<'p'>()];
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20_000; i++) {
        const r = next();
        // zeros, µs, ms, seconds and beyond the one-hour highest trackable value (auto-resize)
        const v = r % 50 === 0 ? 0 : r % 997 === 0 ? 7_200_000_000 + r : (r % 5_000_000) * (1 + (r % 3));
        (workers[i % 3] as PhaseRecorder<'p'>).record('p', v);
        direct.recordValue(v);
      }
      for (const w of workers) {
        const delta = w.drain();
        expect(delta.p).toBeInstanceOf(Float64Array);
        set.addDeltas(delta);
      }
    }
    // hdr-histogram-js's JS histograms have these; its Histogram type leaves them out.
    type Buckets = { highestEquivalentValue(v: number): number; lowestEquivalentValue(v: number): number };
    const merged = set.get('p') as typeof direct & Buckets;
    const d = direct as typeof direct & Buckets;
    expect(merged.totalCount).toBe(100_000);
    // The same buckets: the maximum is the top of the direct histogram's highest bucket.
    expect(merged.maxValue).toBe(d.highestEquivalentValue(direct.maxValue));
    expect(merged.lowestEquivalentValue(merged.minNonZeroValue)).toBe(d.lowestEquivalentValue(direct.minNonZeroValue));
    for (const q of [0, 1, 10, 50, 90, 99, 99.9, 99.99]) expect(merged.getValueAtPercentile(q)).toBe(direct.getValueAtPercentile(q));
    expect(merged.getValueAtPercentile(100)).toBe(d.highestEquivalentValue(direct.getValueAtPercentile(100)));
    expect(merged.mean).toBeCloseTo(direct.mean, 6);
  });

  it('formats durations for people', () => {
    expect(formatMicros(250)).toBe('250 µs');
    expect(formatMicros(1500)).toBe('1.50 ms');
    expect(formatMicros(2_500_000)).toBe('2.50 s');
    expect(fmtDuration(1500)).toBe('1.5 s');
    expect(fmtDuration(125_000)).toBe('2m05s');
    expect(fmtDuration(3_725_000)).toBe('1h02m');
    expect(fmtInt(1234567.4)).toBe('1,234,567');
  });
});

describe('ProgressDisplay', () => {
  it('prints JSON progress events on stdout in json mode', () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const d = new ProgressDisplay('json', { stdout, stderr }, 'rows', 'populate');
    d.update({ done: 50, total: 100, ratePerSec: 10.4, elapsedMs: 5000 }, true);
    const event = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(event).toEqual({ event: 'progress', command: 'populate', done: 50, total: 100, ratePerSec: 10, elapsedMs: 5000 });
  });

  it('prints plain lines with percentage and ETA on a non-TTY', () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const d = new ProgressDisplay('plain', { stdout, stderr }, 'rows', 'populate');
    d.update({ done: 2500, total: 10_000, ratePerSec: 500, elapsedMs: 5000 }, true);
    expect(err).toBe('2,500 of 10,000 rows (25.0%)  500 rows/s  elapsed 5.0 s  ETA 15.0 s\n');
  });
});
