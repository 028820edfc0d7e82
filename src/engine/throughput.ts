/**
 * The main thread's side of throughput control, for one rate channel (writes or reads): every
 * tick it reads the job's counters for that channel (units accepted, throttled requests,
 * requests) and its request latency, asks the controller for the rate, publishes it in the rate
 * slots, and (for a migration's writes) keeps one timeline point per second for reports.
 */
import { DEFAULTS } from '../config/defaults.js';
import { RateController } from './rate-controller.js';
import { createRateSlots, setRate, type RateChannel } from './rate-slots.js';
import type { HistogramSet } from '../metrics/histogram.js';
import { TimelineSampler, type TimelinePoint } from '../report/timeline.js';

/** What the control reads of a job's statistics (any job's JobStats). */
export interface RateStats {
  get(name: string): number;
  readonly histograms: HistogramSet;
  readonly startedAt: number;
}

/** The names of a channel's counters and latency phase in the job's statistics. */
export interface RateCounters {
  readonly units: string;
  readonly throttled: string;
  readonly requests: string;
  readonly latencyPhase: string;
}

/** A migration's writes. */
export const WRITE_COUNTERS: RateCounters = Object.freeze({ units: 'writeUnits', throttled: 'throttledRequests', requests: 'requests', latencyPhase: 'batch-write' });

export interface ThroughputOptions {
  readonly channel?: RateChannel;
  readonly counters?: RateCounters;
  /** Share slots with another channel's control (one buffer per job). */
  readonly slots?: Int32Array;
  /** Keep the migration timeline (rows read, items written, …) for reports; default true. */
  readonly timeline?: boolean;
  /**
   * Adaptive mode: the rate to start at (what the table takes at once: src/dynamodb/capacity.ts
   * `startRate`), still within maxWcu; absent or null: DEFAULTS.rateController.initialRate.
   */
  readonly initialRate?: number | null;
}

export type { TimelinePoint } from '../report/timeline.js';

export type RateMode =
  | { readonly kind: 'adaptive'; readonly maxWcu?: number }
  | { readonly kind: 'fixed-items'; readonly itemsPerSec: number }
  | { readonly kind: 'fixed-wcu'; readonly wcu: number }
  | { readonly kind: 'unlimited' };

export interface RateReport {
  readonly mode: RateMode['kind'];
  readonly finalRate: number | null;
  readonly unit: 'wcu' | 'items';
  readonly capacityEstimateWcu: number | null;
  readonly throttleTicks: number;
}

export class ThroughputControl {
  readonly slots: Int32Array;
  private readonly controller: RateController | undefined;
  private readonly sampler: TimelineSampler;
  private last = { units: 0, throttled: 0, requests: 0, latCount: 0, latSum: 0 };
  private lastSampleMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  private readonly channel: RateChannel;
  private readonly counters: RateCounters;
  private readonly keepTimeline: boolean;
  private ceiling: number | undefined;

  constructor(
    private readonly mode: RateMode,
    private readonly stats: RateStats,
    options: ThroughputOptions = {},
  ) {
    this.channel = options.channel ?? 'write';
    this.counters = options.counters ?? WRITE_COUNTERS;
    this.keepTimeline = options.timeline ?? true;
    this.slots = options.slots ?? createRateSlots(mode.kind === 'fixed-items' ? 'items' : 'wcu');
    this.sampler = new TimelineSampler(stats.startedAt);
    this.lastSampleMs = stats.startedAt;
    switch (mode.kind) {
      case 'adaptive':
        this.controller = new RateController({
          ...DEFAULTS.rateController,
          initialRate: options.initialRate ?? DEFAULTS.rateController.initialRate,
          ...(mode.maxWcu === undefined ? {} : { maxRate: mode.maxWcu }),
        });
        setRate(this.slots, this.controller.rate, this.channel);
        break;
      case 'fixed-items':
        setRate(this.slots, mode.itemsPerSec, this.channel);
        break;
      case 'fixed-wcu':
        setRate(this.slots, mode.wcu, this.channel);
        break;
      case 'unlimited':
        break;
      default: {
        const never: never = mode;
        throw new Error(`unknown rate mode ${JSON.stringify(never)}`);
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), DEFAULTS.rateController.tickMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.point(true);
  }

  /**
   * This process's part of a job-wide budget shared with other processes (src/coord/processes.ts):
   * the adaptive rate stays under it, a fixed rate becomes it; undefined: no ceiling but the mode's.
   */
  setCeiling(units: number | undefined): void {
    this.ceiling = units;
    if (this.controller !== undefined) this.controller.setMaxRate(units === undefined ? this.modeMax() : Math.min(units, this.modeMax() ?? Infinity));
    const rate = this.currentRate();
    if (rate !== null) setRate(this.slots, rate, this.channel);
  }

  private modeMax(): number | undefined {
    return this.mode.kind === 'adaptive' ? this.mode.maxWcu : undefined;
  }

  /** The limit now, in its unit; null when there is none. */
  currentRate(): number | null {
    const cap = (r: number): number => (this.ceiling === undefined ? r : Math.min(r, this.ceiling));
    switch (this.mode.kind) {
      case 'adaptive':
        return this.controller?.rate ?? null;
      case 'fixed-items':
        return cap(this.mode.itemsPerSec);
      case 'fixed-wcu':
        return cap(this.mode.wcu);
      default:
        return this.ceiling ?? null;
    }
  }

  timeline(): readonly TimelinePoint[] {
    return this.sampler.points();
  }

  report(): RateReport {
    return {
      mode: this.mode.kind,
      finalRate: this.currentRate(),
      unit: this.mode.kind === 'fixed-items' ? 'items' : 'wcu',
      capacityEstimateWcu: this.controller !== undefined && this.controller.estimate > 0 ? Math.round(this.controller.estimate) : null,
      throttleTicks: this.controller?.throttleTicks ?? 0,
    };
  }

  private tick(): void {
    const s = this.stats;
    const c = this.counters;
    const units = s.get(c.units);
    const throttled = s.get(c.throttled);
    const requests = s.get(c.requests);
    const h = s.histograms.get(c.latencyPhase);
    const latCount = h.totalCount;
    const latSum = h.mean * latCount;
    if (this.controller !== undefined) {
      const dCount = latCount - this.last.latCount;
      const sample = {
        nowMs: performance.now() - this.started,
        acceptedUnits: units - this.last.units,
        throttledRequests: throttled - this.last.throttled,
        requests: requests - this.last.requests,
        ...(dCount > 0 ? { meanLatencyMicros: (latSum - this.last.latSum) / dCount } : {}),
      };
      setRate(this.slots, this.controller.tick(sample), this.channel);
    }
    this.last = { units, throttled, requests, latCount, latSum };
    this.point(false);
  }

  /** One timeline point a second (and a last one at the end). */
  private point(final: boolean): void {
    const now = performance.now();
    if (!this.keepTimeline || (!final && now - this.lastSampleMs < 1000)) return;
    this.lastSampleMs = now;
    const s = this.stats;
    const items = s.get('itemsWritten');
    const units = s.get('writeUnits');
    const rate = this.currentRate();
    const limitItems = rate === null ? null : this.mode.kind === 'fixed-items' ? rate : rate / (items > 0 ? units / items : 1);
    this.sampler.sample(
      {
        rowsRead: s.get('rowsRead'),
        itemsWritten: items,
        writeUnits: units,
        throttledRequests: s.get('throttledRequests'),
        unprocessedRetries: s.get('unprocessedRetries'),
        retries: s.get('retries'),
      },
      limitItems,
      now,
    );
  }
}
