/**
 * The main thread's view of a running job: counter totals and merged histograms, fed by the
 * workers' messages, plus a moving rate for progress displays.
 */
import { HistogramSet } from './histogram.js';
import { unreachable, type StatsMessage } from '../engine/protocol.js';
import type { PlainError } from '../errors.js';

export class JobStats {
  readonly histograms = new HistogramSet();
  private readonly totals = new Map<string, number>();
  readonly warnings: PlainError[] = [];
  readonly startedAt = performance.now();
  private rateWindow: Array<{ atMs: number; value: number }> = [];

  constructor(
    private readonly rateCounter: string,
    private readonly onWarning: (error: PlainError) => void = () => undefined,
  ) {}

  handle(message: StatsMessage): void {
    switch (message.type) {
      case 'progress':
        for (const [name, delta] of Object.entries(message.counters)) this.add(name, delta);
        this.histograms.addEncoded(message.histograms);
        return;
      case 'warning':
        if (this.warnings.length < 100) this.warnings.push(message.error);
        this.onWarning(message.error);
        return;
      default:
        unreachable(message, 'worker message');
    }
  }

  add(name: string, delta: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + delta);
  }

  get(name: string): number {
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
