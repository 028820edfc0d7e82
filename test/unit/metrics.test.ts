import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { HistogramSet, PhaseRecorder, formatMicros } from '../../src/metrics/histogram.js';
import { ProgressDisplay, fmtDuration, fmtInt } from '../../src/metrics/progress.js';

describe('histograms', () => {
  it('merges encoded deltas from several recorders exactly', () => {
    const a = new PhaseRecorder<'write'>();
    const b = new PhaseRecorder<'write'>();
    for (let i = 1; i <= 900; i++) a.record('write', 1000);
    for (let i = 1; i <= 100; i++) b.record('write', 50_000);
    const set = new HistogramSet();
    set.addEncoded(a.drain());
    set.addEncoded(b.drain());
    const s = set.summary('write');
    expect(s.count).toBe(1000);
    expect(s.p50Micros).toBeGreaterThanOrEqual(999);
    expect(s.p50Micros).toBeLessThanOrEqual(1001);
    expect(s.p99Micros).toBeGreaterThanOrEqual(49_950);
    expect(s.maxMicros).toBeGreaterThanOrEqual(49_950);
    // a drained recorder sends nothing more
    expect(a.drain()).toEqual({});
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
