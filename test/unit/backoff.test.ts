import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/engine/backoff.js';

describe('backoffDelayMs (full jitter)', () => {
  it('stays within [0, min(cap, base·2^n)]', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(5000, 50 * 2 ** attempt);
      expect(backoffDelayMs(attempt, 50, 5000, () => 0)).toBe(0);
      expect(backoffDelayMs(attempt, 50, 5000, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
    }
  });
  it('grows exponentially until the cap', () => {
    const max = (n: number) => backoffDelayMs(n, 100, 3000, () => 0.9999999);
    expect(max(0)).toBe(99);
    expect(max(1)).toBe(199);
    expect(max(4)).toBe(1599);
    expect(max(5)).toBe(2999);
    expect(max(50)).toBe(2999);
  });
});
