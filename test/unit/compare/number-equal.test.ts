import { describe, expect, it } from 'vitest';
import { canonicalNumberText, numberTextEqual } from '../../../src/compare/number-equal.js';

/**
 * An independent canonical form, by BigInt arithmetic: value = sign × m × 10^e with m free of
 * trailing zeros; zero is '0'. Two numbers are equal exactly when these keys are.
 */
function canon(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let mant = BigInt((m[2] ?? '') + frac || '0');
  let exp = BigInt(m[4] ?? '0') - BigInt(frac.length);
  if (mant === 0n) return '0';
  while (mant % 10n === 0n) {
    mant /= 10n;
    exp += 1n;
  }
  return `${m[1] === '-' ? '-' : ''}${mant}e${exp}`;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One value (sign, digit string, exponent) written in a random notation. */
function write(negative: boolean, digits: string, exponent: number, r: () => number): string {
  const sign = negative ? '-' : r() < 0.1 ? '+' : '';
  const lead = '0'.repeat(Math.floor(r() * 3));
  const trail = '0'.repeat(Math.floor(r() * 3));
  let d = lead + digits + trail;
  let e = exponent - trail.length;
  // Move the point somewhere: k digits after it.
  const k = Math.floor(r() * (d.length + 3));
  if (k > d.length) {
    d = '0'.repeat(k - d.length) + d;
  }
  e += k;
  const point = d.length - k;
  const body = k === 0 ? d : `${d.slice(0, point) || (r() < 0.5 ? '0' : '')}.${d.slice(point)}`;
  if (e === 0 && r() < 0.5) return sign + body;
  const letter = r() < 0.5 ? 'e' : 'E';
  const expSign = e < 0 ? '-' : r() < 0.5 ? '+' : '';
  return `${sign}${body}${letter}${expSign}${Math.abs(e)}`;
}

describe('numberTextEqual', () => {
  it('equal values in different notations', () => {
    const same = [
      ['1.50', '1.5'], ['1.5', '15E-1'], ['15e-1', '0.15E+1'], ['-0', '0'], ['0.000', '0E+40'], ['-0.0e-5', '0'],
      ['100', '1E+2'], ['1E+40', `1${'0'.repeat(40)}`], ['0.00000015', '1.5E-7'], ['+3', '3'], ['.5', '0.5'], ['5.', '5'],
      ['0001.2300', '1.23'], ['-12300', '-1.23e4'], ['9.9999999999999999999999999999999999999E+125', `99999999999999999999999999999999999999${'0'.repeat(88)}`],
      ['1E-130', `0.${'0'.repeat(129)}1`],
    ] as const;
    for (const [x, y] of same) {
      expect(numberTextEqual(x, y), `${x} = ${y}`).toBe(true);
      expect(numberTextEqual(y, x), `${y} = ${x}`).toBe(true);
    }
  });

  it('different values', () => {
    const different = [
      ['1.5', '1.05'], ['1.5', '-1.5'], ['1', '10'], ['1E+2', '1E+3'], ['0.1', '0.01'], ['12', '21'], ['1.2', '1.20001'],
      ['100', '101'], ['0', '0.000001'], ['1', ''], ['abc', 'abd'], ['1e', '1'], ['1.2.3', '1.23'], ['--1', '1'],
      ['123456789012345678901234567890123456789', '123456789012345678901234567890123456788'],
    ] as const;
    for (const [x, y] of different) {
      expect(numberTextEqual(x, y), `${x} ≠ ${y}`).toBe(false);
      expect(numberTextEqual(y, x), `${y} ≠ ${x}`).toBe(false);
    }
  });

  it('text that is not a number equals only itself', () => {
    expect(numberTextEqual('NaN', 'NaN')).toBe(true);
    expect(numberTextEqual('x', 'x')).toBe(true);
    expect(numberTextEqual('x', '0')).toBe(false);
  });

  it('agrees with an independent BigInt canonical form on 20,000 random pairs', () => {
    const r = rng(42);
    let equalPairs = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const negative = r() < 0.3;
      const len = 1 + Math.floor(r() * 38);
      let digits = String(1 + Math.floor(r() * 9));
      for (let j = 1; j < len; j++) digits += String(Math.floor(r() * 10));
      const exponent = Math.floor(r() * 80) - 40;
      const x = write(negative, digits, exponent, r);
      // Same value, or a near miss: one digit changed, the exponent moved, the sign flipped.
      const mode = Math.floor(r() * 5);
      let y: string;
      if (mode <= 1) y = write(negative, digits, exponent, r);
      else if (mode === 2) {
        const at = Math.floor(r() * digits.length);
        const changed = digits.slice(0, at) + String((Number(digits[at]) + 1 + Math.floor(r() * 8)) % 10) + digits.slice(at + 1);
        y = write(negative, changed.replace(/^0+/, '') || '0', exponent, r);
      } else if (mode === 3) y = write(negative, digits, exponent + (r() < 0.5 ? 1 : -1), r);
      else y = write(!negative, digits, exponent, r);
      const expected = canon(x) === canon(y);
      if (expected) equalPairs++;
      if (numberTextEqual(x, y) !== expected) wrong.push(`${x} vs ${y}: expected ${expected}`);
    }
    expect(wrong).toEqual([]);
    expect(equalPairs).toBeGreaterThan(5000);
  });

  it('canonicalNumberText gives one text per value', () => {
    expect(canonicalNumberText('1.50')).toBe('1.5');
    expect(canonicalNumberText('15E-1')).toBe('1.5');
    expect(canonicalNumberText('-0')).toBe('0');
    expect(canonicalNumberText(`1${'0'.repeat(40)}`)).toBe('1E+40');
    expect(canonicalNumberText('x')).toBe('x');
  });
});
