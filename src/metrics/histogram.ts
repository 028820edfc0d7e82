/**
 * Latency histograms (hdr-histogram-js). Workers record into a local histogram per phase and
 * ship compressed deltas to the main thread, which merges them; a delta is small (a few
 * hundred bytes) and merging is exact, so percentiles over the whole run are true percentiles,
 * not averages of per-worker percentiles.
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

  record(phase: Phase, micros: number): void {
    let h = this.histograms.get(phase);
    if (h === undefined) {
      h = newHistogram();
      this.histograms.set(phase, h);
    }
    h.recordValue(Math.max(0, Math.round(micros)));
  }

  /** Encoded deltas since the last drain; phases with no values are left out. */
  drain(): Partial<Record<Phase, string>> {
    const out: Partial<Record<Phase, string>> = {};
    for (const [phase, h] of this.histograms) {
      if (h.totalCount === 0) continue;
      out[phase] = hdr.encodeIntoCompressedBase64(h);
      h.reset();
    }
    return out;
  }
}

/** Main side: merged histograms per phase. */
export class HistogramSet {
  private readonly histograms = new Map<string, hdr.Histogram>();

  addEncoded(deltas: Readonly<Record<string, string | undefined>>): void {
    for (const [phase, encoded] of Object.entries(deltas)) {
      if (encoded === undefined) continue;
      const delta = hdr.decodeFromCompressedBase64(encoded, 32, false);
      this.get(phase).add(delta);
      delta.destroy();
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
