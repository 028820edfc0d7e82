/**
 * ThroughputControl on the main thread: a real JobStats fed as the workers' messages feed it, a
 * real RateController, real rate slots; time is vitest's fake clock (timers and performance.now),
 * so every tick lands exactly on DEFAULTS.rateController.tickMs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { ACTIVE_WORKERS, createRateSlots, rateUnit, READ_RATE_MILLI, WRITE_RATE_MILLI, workerShare } from '../../../src/engine/rate-slots.js';
import { ThroughputControl, WRITE_COUNTERS, type RateCounters } from '../../../src/engine/throughput.js';
import { PhaseRecorder } from '../../../src/metrics/histogram.js';
import { JobStats } from '../../../src/metrics/job-stats.js';

const TICK_MS = DEFAULTS.rateController.tickMs;
const INITIAL = DEFAULTS.rateController.initialRate;

/** verify's counters: reads, and the writes that repair differences. */
const READ_COUNTERS: RateCounters = { units: 'readUnits', throttled: 'throttledRequests', requests: 'requests', latencyPhase: 'batch-get' };
const FIX_COUNTERS: RateCounters = { units: 'fixWriteUnits', throttled: 'fixThrottledRequests', requests: 'fixRequests', latencyPhase: 'fix-write' };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Stats as the main thread keeps them: counter and histogram deltas from progress messages. */
function progress(stats: JobStats, counters: Record<string, number>, latency?: { phase: string; micros: number; count: number }): void {
  const recorder = new PhaseRecorder<string>();
  if (latency !== undefined) for (let i = 0; i < latency.count; i++) recorder.record(latency.phase, latency.micros);
  stats.addDeltas(counters, recorder.drain());
}

/**
 * Runs `ticks` ticks; before each one the workers report what `feed` says, given the rate now
 * published. Returns the published rate after each tick.
 */
function run(slots: Int32Array, stats: JobStats, ticks: number, feed: (rate: number, i: number) => Record<string, number>, channel: 'write' | 'read' = 'write'): number[] {
  const rates: number[] = [];
  for (let i = 0; i < ticks; i++) {
    progress(stats, feed(workerShare(slots, channel), i));
    vi.advanceTimersByTime(TICK_MS);
    rates.push(workerShare(slots, channel));
  }
  return rates;
}

/** Everything offered at `rate` is accepted: 4 requests a tick, no throttles. */
const accepted = (units = 'writeUnits', requests = 'requests') => (rate: number) => ({ [units]: (rate * TICK_MS) / 1000, [requests]: 4 });

describe('ThroughputControl: fixed and unlimited modes', () => {
  it('fixed-items publishes its rate at once, in items, and keeps it whatever happens', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'fixed-items', itemsPerSec: 400 }, stats);
    expect(rateUnit(control.slots)).toBe('items');
    expect(workerShare(control.slots)).toBe(400);
    Atomics.store(control.slots, ACTIVE_WORKERS, 4);
    expect(workerShare(control.slots)).toBe(100);
    control.start();
    const rates = run(control.slots, stats, 20, (_r, i) => ({ writeUnits: 50, requests: 4, throttledRequests: i % 2 }));
    control.stop();
    expect(new Set(rates)).toEqual(new Set([100]));
    expect(workerShare(control.slots, 'read')).toBe(Number.POSITIVE_INFINITY);
    expect(control.currentRate()).toBe(400);
    expect(control.report()).toEqual({ mode: 'fixed-items', finalRate: 400, unit: 'items', capacityEstimateWcu: null, throttleTicks: 0 });
  });

  it('fixed-wcu publishes its rate at once, in write units', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'fixed-wcu', wcu: 2_500 }, stats);
    expect(rateUnit(control.slots)).toBe('wcu');
    expect(workerShare(control.slots)).toBe(2_500);
    control.start();
    const rates = run(control.slots, stats, 12, (_r, i) => ({ writeUnits: 900, requests: 10, throttledRequests: i === 5 ? 3 : 0 }));
    control.stop();
    expect(new Set(rates)).toEqual(new Set([2_500]));
    expect(control.report()).toEqual({ mode: 'fixed-wcu', finalRate: 2_500, unit: 'wcu', capacityEstimateWcu: null, throttleTicks: 0 });
  });

  it('unlimited publishes no limit', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'unlimited' }, stats);
    expect(workerShare(control.slots)).toBe(Number.POSITIVE_INFINITY);
    control.start();
    const rates = run(control.slots, stats, 8, () => ({ writeUnits: 10_000, requests: 100, throttledRequests: 5, itemsWritten: 100 }));
    control.stop();
    expect(rates.every((r) => r === Number.POSITIVE_INFINITY)).toBe(true);
    expect(control.currentRate()).toBeNull();
    expect(control.report()).toEqual({ mode: 'unlimited', finalRate: null, unit: 'wcu', capacityEstimateWcu: null, throttleTicks: 0 });
    expect(control.timeline().map((p) => p.rateLimitItemsPerSec)).toEqual([null, null]);
  });
});

describe('ThroughputControl: adaptive mode', () => {
  it('starts at the controller’s initial rate and climbs while units are accepted without throttles', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats);
    expect(rateUnit(control.slots)).toBe('wcu');
    expect(workerShare(control.slots)).toBe(INITIAL);
    expect(control.currentRate()).toBe(INITIAL);
    control.start();
    const rates = run(control.slots, stats, 12, accepted());
    control.stop();
    for (let i = 1; i < rates.length; i++) expect(rates[i], `tick ${i}`).toBeGreaterThan(rates[i - 1] as number);
    expect(rates[0]).toBeGreaterThan(INITIAL);
    expect(rates.at(-1)).toBeGreaterThan(4 * INITIAL);
    expect(control.currentRate()).toBeCloseTo(rates.at(-1) as number, 2);
    expect(control.report()).toMatchObject({ mode: 'adaptive', unit: 'wcu', capacityEstimateWcu: null, throttleTicks: 0 });
  });

  it('does not climb when nothing is written', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats);
    control.start();
    expect(run(control.slots, stats, 20, () => ({}))).toEqual(Array(20).fill(INITIAL));
    control.stop();
  });

  it('drops when throttledRequests move, holds, and reports the capacity estimate', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats);
    control.start();
    // 200 units a tick (800/s) are accepted: in use, so the limit climbs from 1000.
    const before = run(control.slots, stats, 6, () => ({ writeUnits: 200, requests: 4 }));
    expect(before.at(-1)).toBeGreaterThan(INITIAL);
    const [dropped] = run(control.slots, stats, 1, () => ({ writeUnits: 200, requests: 4, throttledRequests: 2 }));
    // The last second accepted 800 units/s: that is the estimate, and the rate falls below it.
    expect(dropped).toBeCloseTo(800 * 0.93, 3);
    expect(control.report()).toEqual({ mode: 'adaptive', finalRate: dropped, unit: 'wcu', capacityEstimateWcu: 800, throttleTicks: 1 });
    // No increase for holdMs after a throttle.
    const held = run(control.slots, stats, DEFAULTS.rateController.holdMs / TICK_MS - 1, () => ({ writeUnits: 200, requests: 4 }));
    expect(held.every((r) => r === dropped)).toBe(true);
    control.stop();
  });

  it('never exceeds maxWcu, and starts below it when the initial rate is higher', () => {
    const stats = new JobStats('rowsRead');
    const capped = new ThroughputControl({ kind: 'adaptive', maxWcu: 1_500 }, stats);
    capped.start();
    const rates = run(capped.slots, stats, 80, accepted());
    capped.stop();
    expect(Math.max(...rates)).toBe(1_500);
    expect(rates.at(-1)).toBe(1_500);

    const low = new ThroughputControl({ kind: 'adaptive', maxWcu: 300 }, new JobStats('rowsRead'));
    expect(workerShare(low.slots)).toBe(300);
    expect(low.report().finalRate).toBe(300);
  });

  it('holds the rate when batch latency shows congestion (read from the latency phase)', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats);
    control.start();
    // A first tick at 10 ms sets the best latency and climbs.
    progress(stats, { writeUnits: 250, requests: 4 }, { phase: 'batch-write', micros: 10_000, count: 4 });
    vi.advanceTimersByTime(TICK_MS);
    const first = workerShare(control.slots);
    expect(first).toBeGreaterThan(INITIAL);
    // Then 200 ms a batch: congested, no increase although every unit is accepted.
    for (let i = 0; i < 8; i++) {
      progress(stats, { writeUnits: (first * TICK_MS) / 1000, requests: 4 }, { phase: 'batch-write', micros: 200_000, count: 4 });
      vi.advanceTimersByTime(TICK_MS);
      expect(workerShare(control.slots)).toBe(first);
    }
    control.stop();
  });

  it('stops ticking at stop()', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats);
    control.start();
    run(control.slots, stats, 2, accepted());
    control.stop();
    const at = workerShare(control.slots);
    expect(run(control.slots, stats, 8, accepted())).toEqual(Array(8).fill(at));
  });
});

describe('ThroughputControl: channels and counter names', () => {
  it('a read control writes only the read slot of a shared buffer', () => {
    const stats = new JobStats('rowsChecked');
    const slots = createRateSlots('wcu');
    const writes = new ThroughputControl({ kind: 'fixed-wcu', wcu: 700 }, stats, { slots, timeline: false });
    expect(Atomics.load(slots, READ_RATE_MILLI)).toBe(-1);
    const reads = new ThroughputControl({ kind: 'adaptive' }, stats, { channel: 'read', counters: READ_COUNTERS, slots, timeline: false });
    expect(reads.slots).toBe(slots);
    expect(writes.slots).toBe(slots);
    expect(workerShare(slots, 'read')).toBe(INITIAL);
    expect(workerShare(slots, 'write')).toBe(700);
    writes.start();
    reads.start();
    const readRates = run(slots, stats, 10, accepted('readUnits'), 'read');
    expect(readRates.at(-1)).toBeGreaterThan(2 * INITIAL);
    expect(Atomics.load(slots, WRITE_RATE_MILLI)).toBe(700_000);
    run(slots, stats, 1, () => ({ readUnits: 10, requests: 1, throttledRequests: 3 }), 'read');
    expect(workerShare(slots, 'read')).toBeLessThan(readRates.at(-1) as number);
    expect(workerShare(slots, 'write')).toBe(700);
    reads.stop();
    writes.stop();
  });

  it('two adaptive controls on one buffer each follow their own counters', () => {
    const stats = new JobStats('rowsChecked');
    const slots = createRateSlots('wcu');
    const reads = new ThroughputControl({ kind: 'adaptive' }, stats, { channel: 'read', counters: READ_COUNTERS, slots, timeline: false });
    const fixes = new ThroughputControl({ kind: 'adaptive', maxWcu: 5_000 }, stats, { channel: 'write', counters: FIX_COUNTERS, slots, timeline: false });
    reads.start();
    fixes.start();
    // Only fix writes happen: the write slot climbs, the read slot stays where it started.
    const fixRates = run(slots, stats, 10, accepted('fixWriteUnits', 'fixRequests'));
    expect(fixRates.at(-1)).toBeGreaterThan(2 * INITIAL);
    expect(workerShare(slots, 'read')).toBe(INITIAL);
    // A fix throttle lowers the write rate only.
    const beforeThrottle = workerShare(slots, 'write');
    run(slots, stats, 1, () => ({ fixWriteUnits: 100, fixRequests: 2, fixThrottledRequests: 1 }));
    expect(workerShare(slots, 'write')).toBeLessThan(beforeThrottle);
    expect(fixes.report().throttleTicks).toBe(1);
    expect(workerShare(slots, 'read')).toBe(INITIAL);
    expect(reads.report().throttleTicks).toBe(0);
    reads.stop();
    fixes.stop();
  });

  it('reads the counter names it is given, not migrate’s', () => {
    const stats = new JobStats('rowsChecked');
    const fixes = new ThroughputControl({ kind: 'adaptive' }, stats, { counters: FIX_COUNTERS, timeline: false });
    fixes.start();
    // migrate's names move, throttles included: this control sees none of it.
    expect(run(fixes.slots, stats, 8, (rate, i) => ({ writeUnits: rate, requests: 4, throttledRequests: i % 2 }))).toEqual(Array(8).fill(INITIAL));
    expect(fixes.report().throttleTicks).toBe(0);
    // Its own names move: it climbs.
    expect(run(fixes.slots, stats, 4, accepted('fixWriteUnits', 'fixRequests')).at(-1)).toBeGreaterThan(INITIAL);
    fixes.stop();
  });

  it('reads latency from its own phase', () => {
    const congestedAfterFirst = (phase: string): number => {
      const stats = new JobStats('rowsChecked');
      const control = new ThroughputControl({ kind: 'adaptive' }, stats, { counters: FIX_COUNTERS, timeline: false });
      control.start();
      for (let i = 0; i < 6; i++) {
        progress(stats, { fixWriteUnits: (workerShare(control.slots) * TICK_MS) / 1000, fixRequests: 4 }, { phase, micros: i === 0 ? 10_000 : 200_000, count: 4 });
        vi.advanceTimersByTime(TICK_MS);
      }
      control.stop();
      return workerShare(control.slots);
    };
    // Latency recorded under its phase holds the rate after the first climb; under another, it is not seen.
    expect(congestedAfterFirst('fix-write')).toBeCloseTo(INITIAL * 1.25, 6);
    expect(congestedAfterFirst('batch-write')).toBeGreaterThan(INITIAL * 1.25 ** 5);
  });

  it('WRITE_COUNTERS are migrate’s names', () => {
    expect(WRITE_COUNTERS).toEqual({ units: 'writeUnits', throttled: 'throttledRequests', requests: 'requests', latencyPhase: 'batch-write' });
    expect(Object.isFrozen(WRITE_COUNTERS)).toBe(true);
  });
});

describe('ThroughputControl: timeline', () => {
  const perTick = { rowsRead: 30, itemsWritten: 25, writeUnits: 50, throttledRequests: 1, unprocessedRetries: 2, retries: 3, requests: 1 };

  it('keeps one point per second of migrate’s counters, and a last one at stop', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'fixed-wcu', wcu: 500 }, stats);
    control.start();
    run(control.slots, stats, 12, () => perTick);
    expect(control.timeline()).toHaveLength(3);
    run(control.slots, stats, 2, () => perTick);
    control.stop();
    const points = control.timeline();
    expect(points.map((p) => p.t)).toEqual([1, 2, 3, 3.5]);
    expect(points.map((p) => p.rowsRead)).toEqual([120, 240, 360, 420]);
    expect(points.map((p) => p.itemsWritten)).toEqual([100, 200, 300, 350]);
    for (const p of points) {
      expect(p.itemsPerSec).toBe(100);
      expect(p.writeUnitsPerSec).toBe(200);
      // 500 WCU/s at 2 units an item.
      expect(p.rateLimitItemsPerSec).toBe(250);
    }
    expect(points.map((p) => p.throttledRequests)).toEqual([4, 4, 4, 2]);
    expect(points.map((p) => p.unprocessedRetries)).toEqual([8, 8, 8, 4]);
    expect(points.map((p) => p.retries)).toEqual([12, 12, 12, 6]);
  });

  it('gives the fixed-items limit as it is, and the adaptive limit in items', () => {
    const items = new ThroughputControl({ kind: 'fixed-items', itemsPerSec: 40 }, new JobStats('rowsRead'));
    items.start();
    vi.advanceTimersByTime(1_000);
    items.stop();
    expect(items.timeline().map((p) => p.rateLimitItemsPerSec)).toEqual([40]);

    const stats = new JobStats('rowsRead');
    const adaptive = new ThroughputControl({ kind: 'adaptive', maxWcu: 600 }, stats);
    adaptive.start();
    run(adaptive.slots, stats, 4, () => ({ itemsWritten: 10, writeUnits: 40 }));
    adaptive.stop();
    expect(adaptive.timeline().map((p) => p.rateLimitItemsPerSec)).toEqual([150]);
  });

  it('keeps no timeline when timeline is false', () => {
    const stats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats, { timeline: false });
    control.start();
    run(control.slots, stats, 12, () => perTick);
    control.stop();
    expect(control.timeline()).toEqual([]);
  });
});
