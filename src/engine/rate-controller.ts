/**
 * The adaptive rate: one rate for the whole job, computed on the main thread from what every
 * worker reports — accepted write units, throttled requests (HTTP 400 and 200-with-
 * UnprocessedItems, which the AWS SDK's own adaptive mode never sees), batch latency — and
 * shared with the workers through the rate slots.
 *
 *   start        at initialRate: what DescribeTable says the table takes at once
 *                (src/dynamodb/capacity.ts), within maxRate
 *   slow start   ×1.25 per tick until the first throttle
 *   on throttle  rate = min(rate, accepted rate) × 0.93; the accepted rate is the capacity
 *                estimate; no increase for holdMs
 *   below it     ×1.02 per tick up to 98 % of the estimate, and holds there: the table's
 *                burst capacity refills a little and absorbs the unevenness of many workers
 *   no throttle  for plateauMs (8 s): ×1.01 per tick, probing (the capacity may have grown);
 *                after 2.5 × plateauMs without one, slow start again
 *   congestion   batch latency above 4× the best seen: no increase
 * Never above `maxRate` (--max-wcu); `fixedRate` (--rate) disables adaptation.
 * Defaults: DEFAULTS.rateController (src/config/defaults.ts).
 */
import { DEFAULTS } from '../config/defaults.js';

export interface ControllerOptions {
  /** A fixed rate (--rate): no adaptation. */
  readonly fixedRate?: number;
  /** Hard ceiling (--max-wcu). */
  readonly maxRate?: number;
  /** The first rate (capped by maxRate); the job passes what the table takes at once. */
  readonly initialRate: number;
  readonly minRate: number;
  readonly holdMs: number;
  readonly plateauMs: number;
}

/** On a throttle: the share of the accepted rate to fall back to. */
const BACKOFF_FACTOR = 0.93;
/** Between throttles: the share of the capacity estimate to hold. */
const PLATEAU_SHARE = 0.98;

export interface TickSample {
  readonly nowMs: number;
  /** Units accepted (written) since the previous tick. */
  readonly acceptedUnits: number;
  /** Requests answered with a throttle since the previous tick. */
  readonly throttledRequests: number;
  readonly requests: number;
  /** Mean batch-write latency in the tick, when there were responses. */
  readonly meanLatencyMicros?: number;
}

type Phase = 'slow-start' | 'steady';

export class RateController {
  private rateValue: number;
  private phase: Phase = 'slow-start';
  private capacityEstimate = 0;
  private lastThrottleMs = -Infinity;
  private holdUntilMs = -Infinity;
  private bestLatency = Infinity;
  private readonly window: Array<{ atMs: number; units: number }> = [];
  private throttleEvents = 0;

  private maxRate: number;

  constructor(private readonly o: ControllerOptions) {
    this.maxRate = o.maxRate ?? Infinity;
    this.rateValue = o.fixedRate ?? Math.min(o.initialRate, this.maxRate);
  }

  /**
   * A new ceiling (a process's share of a job-wide budget, which changes as processes join and
   * leave): the rate is held under it at once; a higher one is climbed to by the usual rules.
   */
  setMaxRate(maxRate: number | undefined): void {
    this.maxRate = maxRate ?? Infinity;
    if (this.o.fixedRate !== undefined) return;
    // Held under the floor by a ceiling of (about) nothing: nothing was sent, so nothing would
    // ever raise it. Start again where a run starts, within the new ceiling.
    if (this.rateValue < this.o.minRate) this.rateValue = Math.max(this.o.minRate, this.o.initialRate);
    this.rateValue = Math.min(this.rateValue, this.maxRate);
  }

  get rate(): number {
    return this.rateValue;
  }

  get adaptive(): boolean {
    return this.o.fixedRate === undefined;
  }

  /** Throttle events seen (ticks with throttled requests). */
  get throttleTicks(): number {
    return this.throttleEvents;
  }

  get estimate(): number {
    return this.capacityEstimate;
  }

  tick(s: TickSample): number {
    if (this.o.fixedRate !== undefined) return this.rateValue;
    this.window.push({ atMs: s.nowMs, units: s.acceptedUnits });
    while (this.window.length > 1 && (this.window[0]?.atMs ?? s.nowMs) <= s.nowMs - 1_000) this.window.shift();
    const { tickMs } = DEFAULTS.rateController;
    const spanMs = Math.max(tickMs, s.nowMs - (this.window[0]?.atMs ?? s.nowMs) + tickMs);
    const accepted = (this.window.reduce((a, w) => a + w.units, 0) * 1000) / spanMs;
    if (s.meanLatencyMicros !== undefined && s.meanLatencyMicros > 0) this.bestLatency = Math.min(this.bestLatency, s.meanLatencyMicros);

    let next = this.rateValue;
    if (s.throttledRequests > 0) {
      this.throttleEvents++;
      this.capacityEstimate = accepted;
      next = Math.min(this.rateValue, accepted > 0 ? accepted : this.rateValue) * BACKOFF_FACTOR;
      this.phase = 'steady';
      this.lastThrottleMs = s.nowMs;
      this.holdUntilMs = s.nowMs + this.o.holdMs;
    } else if (s.nowMs >= this.holdUntilMs && s.requests > 0) {
      const congested = s.meanLatencyMicros !== undefined && s.meanLatencyMicros > 4 * this.bestLatency && s.meanLatencyMicros > 50_000;
      // Only raise a limit that is in use: a job bound by Cassandra must not inflate it for ever.
      // (The 1-s average trails a ×1.25-per-tick slow start at about 0.6 of the rate.)
      const inUse = accepted >= 0.5 * this.rateValue;
      if (!congested && inUse) next = this.grow(s.nowMs);
    }
    // The ceiling wins over the floor: a share of a budget may be below minRate.
    this.rateValue = Math.min(Math.max(this.o.minRate, next), this.maxRate);
    return this.rateValue;
  }

  private grow(nowMs: number): number {
    const r = this.rateValue;
    if (this.phase === 'slow-start') return r * 1.25;
    const quiet = nowMs - this.lastThrottleMs;
    if (quiet > 2.5 * this.o.plateauMs) {
      this.phase = 'slow-start';
      return r * 1.25;
    }
    if (quiet > this.o.plateauMs) return r * 1.01;
    // Just under the capacity seen: the table's burst bucket refills a little and absorbs the
    // unevenness of many workers' requests, instead of throttling them.
    const ceiling = PLATEAU_SHARE * this.capacityEstimate;
    return r >= ceiling ? r : Math.min(r * 1.02, ceiling);
  }
}
