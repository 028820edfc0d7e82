/**
 * Latency histograms (hdr-histogram-js). Workers record into a local histogram per phase and
 * ship deltas to the main thread, which merges them; merging is exact, so percentiles over the
 * whole run are true percentiles, not averages of per-worker percentiles.
 *
 * A delta is sparse: the (bucket value, count) pairs of the buckets that moved, in one
 * Float64Array that a MessagePort copies cheaply. The main thread records each pair into an
 * identically built histogram, where it lands in the same bucket. The compressed base64 form
 * (kept for reports) costs a zlib pass on each side and a fresh 23,552-bucket histogram per
 * decode: 4 % of a migration's CPU at 8 deltas a second (bench/RESULTS.md, the profile split).
 */
import * as hdr from 'hdr-histogram-js';

/** Values are microseconds; one hour is the highest we expect, auto-resize covers outliers. */
const BUILD: hdr.BuildRequest = Object.freeze({
  bitBucketSize: 32,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
});

export function newHistogram(): hdr.Histogram {
  return hdr.build(BUILD);
}

/** Worker side: one histogram per phase, drained as compressed base64 deltas. */
export class PhaseRecorder<Phase extends string> {
  private readonly histograms = new Map<Phase, hdr.Histogram>();

  record(phase: Phase, micros: number, count = 1): void {
    let h = this.histograms.get(phase);
    if (h === undefined) {
      h = newHistogram();
      this.histograms.set(phase, h);
    }
    if (count === 1) h.recordValue(Math.max(0, Math.round(micros)));
    else if (count > 1) h.recordValueWithCount(Math.max(0, Math.round(micros)), count);
  }

  /** Deltas since the last drain; phases with no values are left out. */
  drain(): Partial<Record<Phase, HistogramDelta>> {
    const out: Partial<Record<Phase, HistogramDelta>> = {};
    for (const [phase, h] of this.histograms) {
      if (h.totalCount === 0) continue;
      out[phase] = sparseDelta(h);
      h.reset();
    }
    return out;
  }
}

/** (value, count) pairs of a histogram's non-empty buckets: [v0, c0, v1, c1, …]. */
export type HistogramDelta = Float64Array;

/** The histogram's internals this file reads (public in hdr-histogram-js's JS histograms, untyped). */
interface BucketAccess {
  readonly minNonZeroValue: number;
  highestEquivalentValue(value: number): number;
  readonly maxValue: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
}

export function sparseDelta(h: hdr.Histogram): HistogramDelta {
  const b = h as unknown as BucketAccess;
  const pairs: number[] = [];
  const from = b.countsArrayIndex(b.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : b.minNonZeroValue);
  const to = b.countsArrayIndex(b.maxValue);
  // A histogram holding only zeros has minNonZeroValue unset: index 0 is where zeros are.
  if (b.getCountAtIndex(0) > 0 && from > 0) pairs.push(0, b.getCountAtIndex(0));
  for (let i = from; i <= to; i++) {
    const count = b.getCountAtIndex(i);
    if (count > 0) pairs.push(b.valueFromIndex(i), count);
  }
  return Float64Array.from(pairs);
}

/**
 * Records a sparse delta into `into` (built like newHistogram()). Pairs hold each bucket's lowest
 * value; one value of the last bucket is recorded as the bucket's highest, so the merged maximum
 * is what hdr's own add() and decoding give (the top of the highest bucket), not below it.
 */
export function addSparseDelta(into: hdr.Histogram, delta: HistogramDelta): void {
  const last = delta.length - 2;
  for (let i = 0; i < last; i += 2) into.recordValueWithCount(delta[i] as number, delta[i + 1] as number);
  if (last < 0) return;
  const value = delta[last] as number;
  const count = delta[last + 1] as number;
  if (count > 1) into.recordValueWithCount(value, count - 1);
  into.recordValue((into as unknown as BucketAccess).highestEquivalentValue(value));
}

/** Main side: merged histograms per phase. */
export class HistogramSet {
  private readonly histograms = new Map<string, hdr.Histogram>();

  addDeltas(deltas: Readonly<Record<string, HistogramDelta | undefined>>): void {
    for (const [phase, delta] of Object.entries(deltas)) {
      if (delta !== undefined) addSparseDelta(this.get(phase), delta);
    }
  }

  get(phase: string): hdr.Histogram {
    let h = this.histograms.get(phase);
    if (h === undefined) {
      h = newHistogram();
      this.histograms.set(phase, h);
    }
    return h;
  }

  phases(): string[] {
    return [...this.histograms.keys()];
  }

  summary(phase: string): LatencySummary {
    return summarize(this.get(phase));
  }
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Micros: number;
  readonly p90Micros: number;
  readonly p99Micros: number;
  readonly p999Micros: number;
  readonly maxMicros: number;
  readonly meanMicros: number;
}

export function summarize(h: hdr.Histogram): LatencySummary {
  return {
    count: h.totalCount,
    p50Micros: h.getValueAtPercentile(50),
    p90Micros: h.getValueAtPercentile(90),
    p99Micros: h.getValueAtPercentile(99),
    p999Micros: h.getValueAtPercentile(99.9),
    maxMicros: h.maxValue,
    meanMicros: Math.round(h.mean),
  };
}

/** `1.23 ms`, `456 µs`, `2.1 s`: for humans reading a summary. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}
