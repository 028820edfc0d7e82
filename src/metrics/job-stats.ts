/**
 * The main thread's view of a running job: counter totals and merged histograms, fed by the
 * workers' messages, plus a moving rate for progress displays. Counter names are the job's own
 * (typed: a misspelt name does not compile).
 */
import { HistogramSet, type HistogramDelta } from './histogram.js';
import type { PlainError } from '../errors.js';

export class JobStats<C extends string = string> {
  readonly histograms = new HistogramSet();
  private readonly totals = new Map<C, number>();
  readonly warnings: PlainError[] = [];
  readonly startedAt = performance.now();
  private rateWindow: Array<{ atMs: number; value: number }> = [];

  constructor(
    private readonly rateCounter: C,
    private readonly onWarning: (error: PlainError) => void = () => undefined,
  ) {}

  /** Counter and histogram deltas from a progress or result message. */
  addDeltas(counters: Readonly<Partial<Record<C, number>>>, histograms: Readonly<Record<string, HistogramDelta | undefined>>): void {
    for (const [name, delta] of Object.entries(counters) as Array<[C, number | undefined]>) if (delta !== undefined) this.add(name, delta);
    this.histograms.addDeltas(histograms);
  }

  warning(error: PlainError): void {
    if (this.warnings.length < 100) this.warnings.push(error);
    this.onWarning(error);
  }

  add(name: C, delta: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + delta);
  }

  get(name: C): number {
    return this.totals.get(name) ?? 0;
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Rate of the rate counter per second over the last `windowMs` (average since start until then). */
  currentRate(windowMs = 5_000): number {
    const now = performance.now();
    const value = this.get(this.rateCounter);
    this.rateWindow.push({ atMs: now, value });
    while (this.rateWindow.length > 2 && (this.rateWindow[0]?.atMs ?? now) < now - windowMs) this.rateWindow.shift();
    const first = this.rateWindow[0];
    if (first === undefined || now - first.atMs < 200) return this.averageRate();
    return ((value - first.value) * 1000) / (now - first.atMs);
  }

  averageRate(): number {
    const ms = this.elapsedMs();
    return ms <= 0 ? 0 : (this.get(this.rateCounter) * 1000) / ms;
  }
}
