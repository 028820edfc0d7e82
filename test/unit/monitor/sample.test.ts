import { describe, expect, it } from 'vitest';
import { describeSampleRate, hash32, isSampled, keyIdentity, parseSampleRate } from '../../../src/monitor/sample.js';
import { ToolError } from '../../../src/errors.js';

describe('parseSampleRate', () => {
  it('reads a percentage, as the Go monitor documents it', () => {
    expect(parseSampleRate('100').share).toBe(1);
    expect(parseSampleRate('10').share).toBeCloseTo(0.1, 12);
    expect(parseSampleRate('0.5').share).toBeCloseTo(0.005, 12);
    expect(parseSampleRate('.5').share).toBeCloseTo(0.005, 12);
  });

  it('reads 1/N, the Go monitor code\'s one event in N, as the same share', () => {
    expect(parseSampleRate('1/10').share).toBeCloseTo(0.1, 12);
    expect(parseSampleRate(' 1 / 50 ').share).toBeCloseTo(0.02, 12);
    expect(parseSampleRate('1/1').share).toBe(1);
  });

  it('refuses what is not a share, with a usage error naming the flag', () => {
    for (const bad of ['0', '101', '-5', 'abc', '1/0', '2/10', '', '10%', 'NaN', 'Infinity']) {
      let error: unknown;
      try {
        parseSampleRate(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe('USAGE');
      expect((error as ToolError).message).toMatch(/^--sample-rate: /);
    }
  });

  it('says the effective share both ways', () => {
    expect(describeSampleRate(parseSampleRate('100'))).toBe('every key (100 %)');
    expect(describeSampleRate(parseSampleRate('10'))).toBe('10 % of keys (1 in 10)');
    expect(describeSampleRate(parseSampleRate('1/50'))).toBe('2 % of keys (1 in 50)');
    expect(describeSampleRate(parseSampleRate('30'))).toBe('30 % of keys (1 in 3.3)');
  });
});

describe('keyIdentity', () => {
  it('is the same whatever the attribute order and the spelling of a number', () => {
    expect(keyIdentity({ pk: { S: 'a' }, sk: { N: '1.50' } })).toBe(keyIdentity({ sk: { N: '1.5' }, pk: { S: 'a' } }));
    expect(keyIdentity({ pk: { N: '100' } })).toBe(keyIdentity({ pk: { N: '1E2' } }));
  });

  it('tells keys apart that differ in type, name, value or where a value splits', () => {
    const ids = new Set([
      keyIdentity({ pk: { S: '1' } }),
      keyIdentity({ pk: { N: '1' } }),
      keyIdentity({ pk: { B: 'MQ==' } }),
      keyIdentity({ pk2: { S: '1' } }),
      keyIdentity({ a: { S: 'b;c' }, d: { S: 'e' } }),
      keyIdentity({ a: { S: 'b' }, d: { S: 'c;e' } }),
    ]);
    expect(ids.size).toBe(6);
  });
});

describe('isSampled', () => {
  it('takes every key at 100 % and about the asked share otherwise, evenly', () => {
    const rate = parseSampleRate('10');
    const all = parseSampleRate('100');
    let n = 0;
    const N = 50_000;
    for (let i = 0; i < N; i++) {
      const keys = { id: { S: `user-${i}` } };
      expect(isSampled(keys, all)).toBe(true);
      if (isSampled(keys, rate)) n++;
    }
    // binomial sd at 10 % of 50,000 is 67: 5 sd either side
    expect(n).toBeGreaterThan(5000 - 335);
    expect(n).toBeLessThan(5000 + 335);
  });

  it('decides by key alone: the same keys every time, numeric keys by value', () => {
    const rate = parseSampleRate('1/7');
    for (let i = 0; i < 500; i++) {
      expect(isSampled({ pk: { N: String(i) }, sk: { S: 'x' } }, rate)).toBe(isSampled({ sk: { S: 'x' }, pk: { N: `${i}.0` } }, rate));
    }
  });

  it('nests: a key sampled at 1 % is also sampled at 10 %', () => {
    const small = parseSampleRate('1');
    const large = parseSampleRate('10');
    for (let i = 0; i < 20_000; i++) {
      const keys = { id: { S: String(i) } };
      if (isSampled(keys, small)) expect(isSampled(keys, large)).toBe(true);
    }
  });

  it('hash32 spreads over the whole 32-bit range', () => {
    let high = 0;
    for (let i = 0; i < 10_000; i++) if (hash32(`k${i}`) >= 0x8000_0000) high++;
    expect(high).toBeGreaterThan(4700);
    expect(high).toBeLessThan(5300);
  });
});
