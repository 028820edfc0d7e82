import { describe, expect, it } from 'vitest';
import { sampleRanges, sampleSegments, splitsForSample } from '../../src/verify/sample.js';
import { MAX_TOKEN, MIN_TOKEN, planRanges, ringShare } from '../../src/plan/token-ranges.js';
import { planShard, shardSegment } from '../../src/plan/shards.js';

describe('sampling', () => {
  const plan = planRanges([{ start: MIN_TOKEN, end: MAX_TOKEN, replicas: ['h:1'] }], 1000);

  it.each([0.01, 0.1, 0.5])('reads about %f of the ring, same choice for the same seed', (rate) => {
    const a = sampleRanges(plan, rate, 42);
    const share = a.reduce((s, r) => s + ringShare(r.start, r.end), 0);
    expect(share).toBeGreaterThanOrEqual(rate - 1e-9);
    expect(share).toBeLessThan(rate + 0.0011);
    expect(sampleRanges(plan, rate, 42)).toEqual(a);
    expect(sampleRanges(plan, rate, 43)).not.toEqual(a);
    // in ring order
    expect(a.map((r) => r.id)).toEqual([...a].sort((x, y) => (BigInt(x.start) < BigInt(y.start) ? -1 : 1)).map((r) => r.id));
  });

  it.each([0.1, 0.5])('samples %f of a shard\'s segment, not of the ring', (rate) => {
    const segment = shardSegment(1, 3);
    const whole = ringShare(segment.start, segment.end);
    const shardPlan = planShard([{ start: MIN_TOKEN, end: MAX_TOKEN, replicas: ['h:1'] }], 300, { index: 1, count: 3 });
    const a = sampleRanges(shardPlan, rate, 42, whole);
    const share = a.reduce((s, r) => s + ringShare(r.start, r.end), 0) / whole;
    expect(share).toBeGreaterThanOrEqual(rate - 1e-9);
    expect(share).toBeLessThan(rate + 0.005);
    expect(a.every((r) => BigInt(r.start) >= segment.start && BigInt(r.end) <= segment.end)).toBe(true);
  });

  it('a rate of 1 is everything', () => {
    expect(sampleRanges(plan, 1, 1)).toHaveLength(plan.length);
    expect(sampleSegments(16, 1, 1)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('samples scan segments in proportion', () => {
    const s = sampleSegments(1000, 0.1, 5);
    expect(s).toHaveLength(100);
    expect(new Set(s).size).toBe(100);
    expect(sampleSegments(10, 0.01, 5)).toHaveLength(1);
    expect(splitsForSample(32, 0.1)).toBe(200);
    expect(splitsForSample(32, 1)).toBe(32);
  });
});
