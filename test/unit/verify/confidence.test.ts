import { describe, expect, it } from 'vitest';
import { normalQuantile, sampleConfidence, wilsonInterval, zeroFailureUpper } from '../../../src/verify/confidence.js';

/** Relative closeness. */
const near = (x: number, y: number, rel = 1e-8) => expect(Math.abs(x - y), `${x} vs ${y}`).toBeLessThanOrEqual(rel * Math.abs(y));

describe('normalQuantile', () => {
  it('matches known quantiles (Python statistics.NormalDist().inv_cdf)', () => {
    near(normalQuantile(0.975), 1.9599639845400536);
    near(normalQuantile(0.995), 2.5758293035489);
    near(normalQuantile(0.9995), 3.2905267314919255);
    near(normalQuantile(0.025), -1.9599639845400536);
    expect(normalQuantile(0.5)).toBe(0);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  // Reference values: Python, z = NormalDist().inv_cdf(1 - (1 - c) / 2) and Wilson's formula.
  it('12 in 100,000 at 95 %', () => {
    const { lower, upper } = wilsonInterval(12, 100000, 0.95);
    near(lower, 6.864888073994733e-5, 1e-7);
    near(upper, 0.00020975501269607244, 1e-7);
  });

  it('25 in 50 at 99 %, 1 in 10 at 95 %', () => {
    const a = wilsonInterval(25, 50, 0.99);
    near(a.lower, 0.3288625612865292, 1e-7);
    near(a.upper, 0.6711374387134708, 1e-7);
    const b = wilsonInterval(1, 10);
    near(b.lower, 0.017876213095072924, 1e-7);
    near(b.upper, 0.40415002679523837, 1e-7);
  });

  it('0 and n successes pin the open end', () => {
    const zero = wilsonInterval(0, 100000);
    expect(zero.lower).toBe(0);
    near(zero.upper, 3.841311258303962e-5, 1e-7);
    const all = wilsonInterval(10, 10);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeGreaterThan(0.65);
  });
});

describe('zeroFailureUpper (rule of three)', () => {
  it('is about 3/n at 95 %, exact for small n', () => {
    near(zeroFailureUpper(100000), 2.9957e-5, 1e-4);
    expect(Math.abs(zeroFailureUpper(1e6) * 1e6 - 3)).toBeLessThan(0.01);
    near(zeroFailureUpper(1), 0.95, 1e-12);
    near(zeroFailureUpper(1000, 0.99), 1 - 0.01 ** (1 / 1000), 1e-9);
  });
});

describe('sampleConfidence', () => {
  it('no differences in a 10 % sample: rule of three', () => {
    const c = sampleConfidence({ sampledRows: 100000, differences: 0, sampleRate: 0.1 });
    expect(c.estimatedDifferenceRate).toBe(0);
    expect(c.lower).toBe(0);
    near(c.upper, 3.841311258303962e-5, 1e-7);
    near(c.zeroDifferencesUpper as number, 2.9957e-5, 1e-4);
    expect(c.estimatedTableRows).toBe(1000000);
    expect(c.estimatedDifferencesInTable).toBe(0);
    expect(c.exact).toBe(false);
    expect(c.statement).toBe('0 differences in 100,000 sampled rows (10 % of the ring): with 95 % confidence fewer than 0.003 % of rows differ (rule of three), at most about 30 in the whole table');
  });

  it('12 differences in a 10 % sample: Wilson interval and a table estimate', () => {
    const c = sampleConfidence({ sampledRows: 100000, differences: 12, sampleRate: 0.1 });
    expect(c.estimatedDifferenceRate).toBe(0.00012);
    near(c.lower, 6.864888073994733e-5, 1e-7);
    near(c.upper, 0.00020975501269607244, 1e-7);
    expect(c.zeroDifferencesUpper).toBeNull();
    expect(c.estimatedDifferencesInTable).toBeCloseTo(120, 9);
    expect(c.statement).toBe('12 differences in 100,000 sampled rows (10 % of the ring): 0.012 % (95 % CI 0.0069–0.021 %), about 120 in the whole table');
  });

  it('other confidence levels and large rates', () => {
    const c = sampleConfidence({ sampledRows: 50, differences: 25, sampleRate: 0.01, confidence: 0.99 });
    expect(c.statement).toBe('25 differences in 50 sampled rows (1 % of the ring): 50 % (99 % CI 32.9–67.1 %), about 2,500 in the whole table');
    const z = sampleConfidence({ sampledRows: 1000, differences: 0, sampleRate: 0.5, confidence: 0.99 });
    expect(z.statement).toMatch(/with 99 % confidence fewer than 0\.46 % of rows differ \(zero-failure bound\)/);
    const one = sampleConfidence({ sampledRows: 1000, differences: 1, sampleRate: 0.257 });
    expect(one.statement).toMatch(/^1 difference in 1,000 sampled rows \(25\.7 % of the ring\): 0\.1 % \(95 % CI 0\.018–0\.56 %\), about 4 in the whole table$/);
  });

  it('very small rates print without exponents', () => {
    const c = sampleConfidence({ sampledRows: 1e9, differences: 0, sampleRate: 0.5 });
    expect(c.statement).toContain('fewer than 0.0000003 % of rows differ');
  });

  it('a full check is exact', () => {
    const c = sampleConfidence({ sampledRows: 100000, differences: 12, sampleRate: 1 });
    expect(c.exact).toBe(true);
    expect([c.lower, c.estimatedDifferenceRate, c.upper]).toEqual([0.00012, 0.00012, 0.00012]);
    expect(c.estimatedDifferencesInTable).toBe(12);
    expect(c.statement).toBe('12 differences in 100,000 rows (the whole table): 0.012 % of rows differ');
    expect(sampleConfidence({ sampledRows: 5, differences: 0, sampleRate: 1 }).statement).toBe('0 differences in 5 rows (the whole table)');
    // A ring share summed from range shares may round a hair above 1.
    expect(sampleConfidence({ sampledRows: 5, differences: 0, sampleRate: 1.0000000000000002 }).sampleRate).toBe(1);
  });

  it('nothing sampled', () => {
    const c = sampleConfidence({ sampledRows: 0, differences: 0, sampleRate: 0.1 });
    expect([c.estimatedDifferenceRate, c.lower, c.upper, c.estimatedDifferencesInTable, c.estimatedTableRows]).toEqual([0, 0, 1, 0, 0]);
    expect(c.statement).toBe('no rows in the sample (10 % of the ring): it says nothing about the table');
    expect(sampleConfidence({ sampledRows: 0, differences: 0, sampleRate: 1 }).statement).toBe('no rows: the table is empty');
  });

  it('is plain data', () => {
    const c = sampleConfidence({ sampledRows: 10, differences: 1, sampleRate: 0.5 });
    expect(structuredClone(c)).toEqual(c);
  });

  it('rejects impossible input', () => {
    expect(() => sampleConfidence({ sampledRows: 10, differences: 11, sampleRate: 0.5 })).toThrow(RangeError);
    expect(() => sampleConfidence({ sampledRows: -1, differences: 0, sampleRate: 0.5 })).toThrow(RangeError);
    expect(() => sampleConfidence({ sampledRows: 1.5, differences: 0, sampleRate: 0.5 })).toThrow(RangeError);
    expect(() => sampleConfidence({ sampledRows: 10, differences: 0, sampleRate: 0 })).toThrow(RangeError);
    expect(() => sampleConfidence({ sampledRows: 10, differences: 0, sampleRate: 1.5 })).toThrow(RangeError);
    expect(() => sampleConfidence({ sampledRows: 10, differences: 0, sampleRate: 0.5, confidence: 1 })).toThrow(RangeError);
  });
});
