/**
 * The worker's token bucket, on an injected clock and sleep (no real waiting). The pacing over
 * many takes is in test/unit/rate-controller.test.ts; these pin the bucket's depth, its short
 * sleeps, and that a changed rate applies while a take waits.
 */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/engine/token-bucket.js';
import { createRateSlots, setRate, workerShare } from '../../../src/engine/rate-slots.js';

function clock(rate: () => number) {
  const c = { now: 0, sleeps: [] as number[] };
  const bucket = new TokenBucket(rate, () => c.now, async (ms) => {
    c.sleeps.push(ms);
    // A bucket that never gets its tokens would loop for ever: fail instead.
    if (c.sleeps.length > 10_000) throw new Error(`still waiting after ${c.sleeps.length} sleeps`);
    c.now += ms;
  });
  return { c, bucket };
}

describe('TokenBucket', () => {
  it('starts empty: the first take waits for its tokens', async () => {
    const { c, bucket } = clock(() => 100);
    const waited = await bucket.take(10);
    expect(waited).toBeCloseTo(100, 6);
    expect(c.now).toBeCloseTo(100, 6);
  });

  it('banks at most 50 ms of rate while idle, or one take', async () => {
    const { c, bucket } = clock(() => 1_000);
    c.now = 60_000; // a minute idle
    expect(await bucket.take(50)).toBe(0);
    // The 50 tokens banked are gone: the next take waits for all of its own.
    expect(await bucket.take(50)).toBeCloseTo(50, 6);

    // A take bigger than the depth still passes after a long enough idle.
    const big = clock(() => 10);
    big.c.now = 60_000;
    expect(await big.bucket.take(25)).toBe(0);
  });

  it('sleeps at most 100 ms at a time, and at least 1 ms', async () => {
    const { c, bucket } = clock(() => 10);
    const waited = await bucket.take(25);
    expect(waited).toBeGreaterThanOrEqual(2_500 - 1e-6);
    expect(c.sleeps.every((ms) => ms <= 100 && ms >= 1)).toBe(true);
    expect(c.sleeps.length).toBeGreaterThanOrEqual(25);
    expect(waited).toBeCloseTo(c.sleeps.reduce((a, b) => a + b, 0), 6);
  });

  it('never waits without a limit, however large the take', async () => {
    const { c, bucket } = clock(() => Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) expect(await bucket.take(1e9)).toBe(0);
    expect(c.sleeps).toEqual([]);
  });

  it('applies a new rate from the slots while a take is waiting', async () => {
    const slots = createRateSlots('wcu');
    setRate(slots, 1);
    const c = { now: 0 };
    const bucket = new TokenBucket(() => workerShare(slots), () => c.now, async (ms) => {
      c.now += ms;
      // The main thread lifts the limit after the first 300 ms of waiting.
      if (c.now >= 300) setRate(slots, Number.POSITIVE_INFINITY);
    });
    // At 1 unit/s, 100 units would take 100 s; the lifted limit ends the wait at once.
    const waited = await bucket.take(100);
    expect(waited).toBe(300);
  });
});
