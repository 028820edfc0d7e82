/**
 * The adaptive rate starts where it is told (what the table takes at once), within its ceiling,
 * and climbs or backs off from there as before; ThroughputControl publishes that start in the
 * rate slots before the first tick, and the fixed modes ignore it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { RateController } from '../../../src/engine/rate-controller.js';
import { workerShare } from '../../../src/engine/rate-slots.js';
import { ThroughputControl } from '../../../src/engine/throughput.js';
import { JobStats } from '../../../src/metrics/job-stats.js';

const TICK_MS = DEFAULTS.rateController.tickMs;

describe('RateController: initial rate', () => {
  it('starts at the given rate and slow-starts from it while everything is accepted', () => {
    const c = new RateController({ ...DEFAULTS.rateController, initialRate: 4_000 });
    expect(c.rate).toBe(4_000);
    expect(c.tick({ nowMs: 0, acceptedUnits: (4_000 * TICK_MS) / 1000, throttledRequests: 0, requests: 40 })).toBe(5_000);
  });

  it('starts at the ceiling when the given rate is above it', () => {
    expect(new RateController({ ...DEFAULTS.rateController, initialRate: 4_000, maxRate: 2_500 }).rate).toBe(2_500);
  });

  it('backs off from a start above what the table takes, to below what it accepted', () => {
    const c = new RateController({ ...DEFAULTS.rateController, initialRate: 4_000 });
    // The table took 500 units/s of it, and throttled the rest.
    const rate = c.tick({ nowMs: 0, acceptedUnits: (500 * TICK_MS) / 1000, throttledRequests: 30, requests: 40 });
    expect(rate).toBeCloseTo(500 * 0.93, 6);
    expect(c.estimate).toBeCloseTo(500, 6);
  });

  it('a fixed rate ignores it', () => {
    expect(new RateController({ ...DEFAULTS.rateController, initialRate: 4_000, fixedRate: 300 }).rate).toBe(300);
  });
});

describe('ThroughputControl: initialRate', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('publishes the given start before the first tick and climbs from it', () => {
    const stats: JobStats = new JobStats('rowsRead');
    const control = new ThroughputControl({ kind: 'adaptive' }, stats, { initialRate: 4_000 });
    expect(workerShare(control.slots)).toBe(4_000);
    expect(control.currentRate()).toBe(4_000);
    control.start();
    stats.addDeltas({ writeUnits: 1_000, requests: 40 }, {});
    vi.advanceTimersByTime(TICK_MS);
    expect(workerShare(control.slots)).toBe(5_000);
    control.stop();
  });

  it('holds the start to maxWcu', () => {
    const control = new ThroughputControl({ kind: 'adaptive', maxWcu: 1_200 }, new JobStats('rowsRead'), { initialRate: 4_000 });
    expect(workerShare(control.slots)).toBe(1_200);
  });

  it('a read channel starts at its own rate', () => {
    const control = new ThroughputControl({ kind: 'adaptive' }, new JobStats('rowsRead'), { channel: 'read', initialRate: 12_000, timeline: false });
    expect(workerShare(control.slots, 'read')).toBe(12_000);
  });

  it('without one, the default start; fixed modes keep their rate', () => {
    expect(new ThroughputControl({ kind: 'adaptive' }, new JobStats('rowsRead')).currentRate()).toBe(DEFAULTS.rateController.initialRate);
    const fixed = new ThroughputControl({ kind: 'fixed-wcu', wcu: 700 }, new JobStats('rowsRead'), { initialRate: 4_000 });
    expect(workerShare(fixed.slots)).toBe(700);
    expect(new ThroughputControl({ kind: 'unlimited' }, new JobStats('rowsRead'), { initialRate: 4_000 }).currentRate()).toBeNull();
  });
});
