/**
 * The controller against a simulated table: a token bucket of `capacity` write units per second
 * with one second of burst, clients that always have more to write. Checks the settling times
 * the issue asks for, the share of capacity used, and the share of throttled requests.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { RateController } from '../../src/engine/rate-controller.js';
import { TokenBucket } from '../../src/engine/token-bucket.js';

interface SimPoint { t: number; rate: number; capacity: number; accepted: number; offered: number; throttled: boolean }

function simulate(capacityAt: (tSec: number) => number, seconds: number, opts: Partial<ConstructorParameters<typeof RateController>[0]> = {}): SimPoint[] {
  const c = new RateController({ ...DEFAULTS.rateController, ...opts });
  const tick = DEFAULTS.rateController.tickMs / 1000;
  let bucket = capacityAt(0);
  const out: SimPoint[] = [];
  // Requests of 25 units; a request is throttled when the bucket cannot take it whole.
  for (let t = 0; t < seconds; t += tick) {
    const capacity = capacityAt(t);
    bucket = Math.min(capacity, bucket + capacity * tick);
    const offered = c.rate * tick;
    const requests = Math.max(1, Math.round(offered / 25));
    let accepted = 0;
    let throttledRequests = 0;
    for (let r = 0; r < requests; r++) {
      const want = offered / requests;
      if (bucket >= want) {
        bucket -= want;
        accepted += want;
      } else {
        accepted += bucket;
        bucket = 0;
        throttledRequests++;
      }
    }
    out.push({ t, rate: c.rate, capacity, accepted: accepted / tick, offered: offered / tick, throttled: throttledRequests > 0 });
    c.tick({ nowMs: t * 1000, acceptedUnits: accepted, throttledRequests, requests, meanLatencyMicros: 10_000 });
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe('RateController', () => {
  it('holds a table at its capacity: ≥ 95 % used, few throttled ticks', () => {
    const sim = simulate(() => 2000, 120).filter((p) => p.t >= 20);
    expect(mean(sim.map((p) => p.accepted)) / 2000).toBeGreaterThanOrEqual(0.95);
    expect(sim.filter((p) => p.throttled).length / sim.length).toBeLessThanOrEqual(0.1);
  });

  it('settles within 10 s when capacity halves', () => {
    const sim = simulate((t) => (t < 60 ? 4000 : 2000), 100);
    const after = sim.filter((p) => p.t >= 70);
    for (const p of after) {
      expect(p.rate).toBeLessThanOrEqual(2000 * 1.15);
      expect(p.rate).toBeGreaterThanOrEqual(2000 * 0.8);
    }
  });

  it('climbs to a doubled capacity within 30 s', () => {
    const sim = simulate((t) => (t < 60 ? 2000 : 4000), 100);
    const p = sim.find((x) => x.t >= 60 && x.rate >= 0.95 * 4000);
    expect(p).toBeDefined();
    expect(p!.t - 60).toBeLessThanOrEqual(30);
    expect(mean(sim.filter((x) => x.t >= 90).map((x) => x.accepted)) / 4000).toBeGreaterThanOrEqual(0.9);
  });

  it('never exceeds --max-wcu, and --rate is fixed', () => {
    const capped = simulate(() => 10_000, 30, { maxRate: 1500 });
    expect(Math.max(...capped.map((p) => p.rate))).toBeLessThanOrEqual(1500);
    const fixed = new RateController({ ...DEFAULTS.rateController, fixedRate: 300 });
    expect(fixed.tick({ nowMs: 0, acceptedUnits: 0, throttledRequests: 5, requests: 5 })).toBe(300);
    expect(fixed.adaptive).toBe(false);
  });

  it('does not inflate a limit the job cannot use', () => {
    const c = new RateController({ ...DEFAULTS.rateController });
    for (let t = 0; t < 60_000; t += 250) c.tick({ nowMs: t, acceptedUnits: 100 * 0.25, throttledRequests: 0, requests: 4 });
    expect(c.rate).toBeLessThan(1_000 * 1.25);
  });
});

describe('TokenBucket', () => {
  it('paces takes at the rate, and waits for a changed rate', async () => {
    let now = 0;
    let rate = 100;
    const bucket = new TokenBucket(() => rate, () => now, async (ms) => {
      now += ms;
    });
    let waited = 0;
    for (let i = 0; i < 50; i++) waited += await bucket.take(10);
    // 500 tokens at 100/s: ~5 s, less the first burst (depth 20)
    expect(now).toBeGreaterThanOrEqual(4_700);
    expect(now).toBeLessThanOrEqual(5_100);
    expect(waited).toBe(now);
    rate = Number.POSITIVE_INFINITY;
    expect(await bucket.take(1e9)).toBe(0);
  });
});
