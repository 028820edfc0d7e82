/**
 * A worker's token bucket, refilled at its share of the job's rate (read from the shared slots
 * at every call, so a new rate applies to the next batch). Depth: DEPTH_SECONDS of rate, at
 * least one batch, so bursts stay short.
 */
import { sleep } from './backoff.js';

/** Depth in seconds of rate: short, so many workers' requests reach the table evenly spread. */
const DEPTH_SECONDS = 0.05;

export class TokenBucket {
  private tokens = 0;
  private last = performance.now();

  constructor(
    private readonly ratePerSecond: () => number,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    this.last = this.now();
  }

  /** Waits until `cost` tokens are there, then takes them. Returns the milliseconds waited. */
  async take(cost: number): Promise<number> {
    let waited = 0;
    for (;;) {
      const rate = this.ratePerSecond();
      if (!Number.isFinite(rate)) return waited;
      const t = this.now();
      const depth = Math.max(cost, rate * DEPTH_SECONDS);
      this.tokens = Math.min(depth, this.tokens + ((t - this.last) * rate) / 1000);
      this.last = t;
      if (this.tokens >= cost) {
        this.tokens -= cost;
        return waited;
      }
      // Sleep for the missing tokens, at most 100 ms at a time so a rate change applies soon.
      const ms = Math.min(100, Math.max(1, ((cost - this.tokens) * 1000) / Math.max(rate, 1e-3)));
      await this.wait(ms);
      waited += ms;
    }
  }
}
