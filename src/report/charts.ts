/**
 * The report's two charts, built on svg.ts: the percentile spectrum of the phases (one line per
 * phase, run B dashed) and the throughput of a run over time.
 */
import { decadeLabel, percentileSpectrum, spectrumDecades } from './data.js';
import type { PhaseHistogram, PhaseUnit } from './run-report.js';
import { chart, linearAxis, logAxis, type Series } from './svg.js';
import type { TimelinePoint } from './timeline.js';

export interface SpectrumLine {
  /** 'A', 'B', or '' for a single run. */
  readonly run: string;
  readonly phase: string;
  readonly unit: PhaseUnit;
  readonly count: number;
  readonly points: ReadonlyArray<{ readonly x: number; readonly percentile: number; readonly value: number }>;
}

export function spectrumLines(run: string, phases: readonly PhaseHistogram[]): SpectrumLine[] {
  return phases.map((p) => ({ run, phase: p.phase, unit: p.unit, count: p.histogram.totalCount, points: percentileSpectrum(p.histogram) }));
}

/**
 * Latency (log y, µs labels) or count (linear y) spectrum. The x axis is log10(1/(1-p)): the
 * classic HdrHistogram plot, where each decade of nines gets the same room.
 */
export function spectrumChart(title: string, unit: PhaseUnit, lines: readonly SpectrumLine[], colorOf: (phase: string) => string): string {
  // Empty phases have nothing to draw, and no legend entry either (the tables list them).
  const mine = lines.filter((l) => l.unit === unit && l.count > 0);
  const decades = Math.max(1, ...mine.map((l) => spectrumDecades(l.count)));
  const x = {
    kind: 'linear' as const,
    min: 0,
    max: decades,
    ticks: Array.from({ length: decades + 1 }, (_, k) => ({ value: k, label: decadeLabel(k) })),
    title: 'percentile',
  };
  const values = mine.flatMap((l) => l.points.map((p) => p.value));
  const y = unit === 'us'
    ? logAxis(values.length === 0 ? 1 : Math.max(1, Math.min(...values)), Math.max(1000, ...values), 'latency', decadeMicros)
    : linearAxis(Math.max(0, ...values), 'count');
  const series: Series[] = mine.map((l) => ({
    name: l.run === '' ? l.phase : `${l.phase} (${l.run})`,
    color: colorOf(l.phase),
    kind: 'line',
    dashed: l.run === 'B',
    points: l.points.map((p) => [p.x, unit === 'us' ? Math.max(1, p.value) : p.value] as const),
  }));
  return chart({ title, x, y, series, emptyText: 'no values recorded' });
}

/** Scales shared by the throughput charts of both runs, so they compare by eye. */
export interface ThroughputScale {
  readonly seconds: number;
  readonly rate: number;
  readonly throttles: number;
}

export function throughputScale(timelines: ReadonlyArray<readonly TimelinePoint[]>): ThroughputScale {
  let seconds = 1;
  let rate = 0;
  let throttles = 0;
  for (const points of timelines) {
    for (const p of points) {
      seconds = Math.max(seconds, p.t);
      rate = Math.max(rate, p.itemsPerSec, p.writeUnitsPerSec, p.rateLimitItemsPerSec ?? 0);
      throttles = Math.max(throttles, p.throttledRequests + p.unprocessedRetries);
    }
  }
  return { seconds, rate, throttles };
}

export function throughputChart(title: string, points: readonly TimelinePoint[], scale: ThroughputScale): string {
  const series: Series[] = [
    { name: 'items/s', color: '#1f77b4', kind: 'line', points: points.map((p) => [p.t, p.itemsPerSec] as const) },
    { name: 'write units/s', color: '#2ca02c', kind: 'line', points: points.map((p) => [p.t, p.writeUnitsPerSec] as const) },
    { name: 'rate limit', color: '#7f7f7f', kind: 'line', dashed: true, points: points.map((p) => [p.t, p.rateLimitItemsPerSec] as const) },
    { name: 'throttles/s', color: '#d62728', kind: 'bars', right: true, points: points.map((p) => [p.t, p.throttledRequests + p.unprocessedRetries] as const) },
  ];
  return chart({
    title,
    x: linearAxis(scale.seconds, 'seconds since start'),
    y: linearAxis(scale.rate * 1.05, 'per second'),
    y2: linearAxis(Math.max(1, scale.throttles), 'throttles/s'),
    series,
    emptyText: 'no timeline recorded',
  });
}

/**
 * At most `maxPoints` points, for the page: rates averaged per bucket, throttles and retries at
 * their bucket's worst second (a short burst stays visible), the rate limit at its lowest.
 * timeline.jsonl keeps every second.
 */
export function downsampleTimeline(points: readonly TimelinePoint[], maxPoints = 1500): { step: number; points: TimelinePoint[] } {
  const step = Math.max(1, Math.ceil(points.length / maxPoints));
  if (step === 1) return { step, points: points.map(roundRates) };
  const out: TimelinePoint[] = [];
  for (let i = 0; i < points.length; i += step) {
    const bucket = points.slice(i, i + step);
    const last = bucket[bucket.length - 1] as TimelinePoint;
    const limits = bucket.map((p) => p.rateLimitItemsPerSec).filter((l): l is number => l !== null);
    const mean = (f: (p: TimelinePoint) => number): number => bucket.reduce((s, p) => s + f(p), 0) / bucket.length;
    const worst = (f: (p: TimelinePoint) => number): number => Math.max(...bucket.map(f));
    out.push(roundRates({
      t: last.t,
      rowsRead: last.rowsRead,
      itemsWritten: last.itemsWritten,
      itemsPerSec: mean((p) => p.itemsPerSec),
      writeUnitsPerSec: mean((p) => p.writeUnitsPerSec),
      rateLimitItemsPerSec: limits.length === 0 ? null : Math.min(...limits),
      throttledRequests: worst((p) => p.throttledRequests),
      unprocessedRetries: worst((p) => p.unprocessedRetries),
      retries: worst((p) => p.retries),
    }));
  }
  return { step, points: out };
}

/** Rates to 2 decimals: enough for a chart, and the page stays small. */
function roundRates(p: TimelinePoint): TimelinePoint {
  const r2 = (n: number): number => Math.round(n * 100) / 100;
  return {
    ...p,
    itemsPerSec: r2(p.itemsPerSec),
    writeUnitsPerSec: r2(p.writeUnitsPerSec),
    rateLimitItemsPerSec: p.rateLimitItemsPerSec === null ? null : r2(p.rateLimitItemsPerSec),
  };
}

/** Tick labels of a decade log axis in µs: `1 µs`, `100 µs`, `1 ms`, `10 s`. */
function decadeMicros(us: number): string {
  if (us < 1000) return `${+us.toPrecision(3)} µs`;
  if (us < 1_000_000) return `${+(us / 1000).toPrecision(3)} ms`;
  return `${+(us / 1_000_000).toPrecision(3)} s`;
}
