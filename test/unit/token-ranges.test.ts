import { describe, expect, it } from 'vitest';
import { MAX_TOKEN, MIN_TOKEN, assertCoversRing, planRanges, ringShare, unwrap, type RingRange } from '../../src/plan/token-ranges.js';
import { Rng } from '../../src/populate/random.js';

function randomRing(seed: number, tokens: number): RingRange[] {
  const rng = new Rng(seed, 0);
  const set = new Set<bigint>();
  while (set.size < tokens) set.add(BigInt(rng.int(-(2 ** 53), 2 ** 53)) * 1024n);
  const sorted = [...set].sort((a, b) => (a < b ? -1 : 1));
  // As the driver gives them: (t[i-1], t[i]] and the wrapping (t[last], t[0]].
  return sorted.map((end, i) => ({ start: sorted[(i - 1 + sorted.length) % sorted.length]!, end, replicas: [`127.0.0.${(i % 3) + 1}:9042`] }));
}

describe('token range planning', () => {
  it('unwraps the wrapping range at the ring end', () => {
    const ring = randomRing(1, 16);
    const flat = unwrap(ring);
    expect(flat.length).toBe(17);
    expect(flat[0]!.start).toBe(MIN_TOKEN);
    expect(flat.at(-1)!.end).toBe(MAX_TOKEN);
  });

  it('treats a single-token ring as the whole ring', () => {
    const plan = planRanges([{ start: 5n, end: 5n, replicas: ['a:1'] }], 4);
    expect(plan).toHaveLength(4);
    expect(plan[0]!.start).toBe(MIN_TOKEN.toString());
    expect(plan.at(-1)!.end).toBe(MAX_TOKEN.toString());
  });

  it.each([1, 2, 16, 64, 257])('covers the ring exactly once with %i splits', (splits) => {
    for (const seed of [1, 2, 3]) {
      const plan = planRanges(randomRing(seed, 16), splits);
      expect(() => assertCoversRing(plan)).not.toThrow();
      expect(plan.length).toBeGreaterThanOrEqual(Math.min(17, splits));
      expect(plan.length).toBeLessThanOrEqual(Math.max(17, splits) + 17);
      expect(new Set(plan.map((r) => r.id)).size).toBe(plan.length);
      const share = plan.reduce((a, r) => a + ringShare(r.start, r.end), 0);
      expect(share).toBeCloseTo(1, 9);
    }
  });

  it('keeps each piece on its ring range\'s replicas', () => {
    const ring = randomRing(4, 8);
    const plan = planRanges(ring, 32);
    for (const r of plan) {
      const owner = unwrap(ring).find((o) => BigInt(r.start) >= o.start && BigInt(r.end) <= o.end);
      expect(owner?.replicas).toEqual(r.replicas);
    }
  });

  it('weights pieces by estimated rows when every range has an estimate', () => {
    const ring: RingRange[] = [
      { start: MIN_TOKEN, end: 0n, replicas: ['a:1'], estimatedRows: 900 },
      { start: 0n, end: MAX_TOKEN, replicas: ['b:1'], estimatedRows: 100 },
    ];
    const plan = planRanges(ring, 10);
    expect(plan.filter((r) => r.replicas[0] === 'a:1')).toHaveLength(9);
    expect(plan.filter((r) => r.replicas[0] === 'b:1')).toHaveLength(1);
    expect(plan.reduce((a, r) => a + r.estimatedRows, 0)).toBe(1000);
  });

  it('detects gaps, overlaps and a short ring', () => {
    const ok = [
      { id: 'a', start: MIN_TOKEN.toString(), end: '0' },
      { id: 'b', start: '0', end: MAX_TOKEN.toString() },
    ];
    expect(() => assertCoversRing(ok)).not.toThrow();
    expect(() => assertCoversRing([ok[0]!, { id: 'b', start: '1', end: MAX_TOKEN.toString() }])).toThrow(/gap/);
    expect(() => assertCoversRing([ok[0]!, { id: 'b', start: '-1', end: MAX_TOKEN.toString() }])).toThrow(/overlap/);
    expect(() => assertCoversRing([ok[0]!])).toThrow(/not at the ring's end/);
    expect(() => assertCoversRing([{ id: 'x', start: MIN_TOKEN.toString(), end: MIN_TOKEN.toString() }])).toThrow(/empty/);
  });
});
