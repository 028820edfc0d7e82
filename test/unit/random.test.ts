import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/populate/random.js';

describe('Rng', () => {
  it('gives the same stream for the same (seed, index, salt)', () => {
    const a = new Rng(42, 1234);
    const b = new Rng(42, 1234);
    const xs = Array.from({ length: 50 }, () => a.next32());
    const ys = Array.from({ length: 50 }, () => b.next32());
    expect(xs).toEqual(ys);
  });

  it('gives different streams for different seeds, indexes and salts', () => {
    const first = (r: Rng) => [r.next32(), r.next32(), r.next32()];
    const base = first(new Rng(42, 7));
    expect(first(new Rng(43, 7))).not.toEqual(base);
    expect(first(new Rng(42, 8))).not.toEqual(base);
    expect(first(new Rng(42, 7, 1))).not.toEqual(base);
    expect(first(new Rng(42, 7 + 2 ** 32))).not.toEqual(base);
  });

  it('keeps int() within bounds, both ends reachable', () => {
    const r = new Rng(1, 1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(-3, 3);
      expect(v).toBeGreaterThanOrEqual(-3);
      expect(v).toBeLessThanOrEqual(3);
      seen.add(v);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(-(2 ** 53) + 1, 2 ** 53 - 1);
      expect(Number.isSafeInteger(v)).toBe(true);
    }
  });

  it('is roughly uniform', () => {
    const r = new Rng(9, 9);
    const buckets = new Array(10).fill(0) as number[];
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.float() * 10)]! += 1;
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(600);
  });

  it('makes valid version-4 UUIDs', () => {
    const r = new Rng(5, 5);
    for (let i = 0; i < 100; i++) expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
