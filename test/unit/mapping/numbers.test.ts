import { describe, expect, it } from 'vitest';
import {
  doubleToNumber, dynamoNumber, floatToNumber, formatDecimal, integerTextToNumber, parseDecimalText,
  shortestFloat32Text, significantDigits,
} from '../../../src/mapping/numbers.js';
import type { ConversionFailure } from '../../../src/mapping/failure.js';

function failureOf(f: () => unknown): ConversionFailure {
  try {
    f();
  } catch (e) {
    return e as ConversionFailure;
  }
  throw new Error('did not throw');
}

const canon = (s: string): string => formatDecimal(parseDecimalText(s) ?? (() => { throw new Error(s); })());

describe('canonical decimal text', () => {
  it.each([
    ['0', '0'], ['-0', '0'], ['000', '0'], ['0.000', '0'], ['0e10', '0'],
    ['1', '1'], ['-1', '-1'], ['+3', '3'], ['0001.23', '1.23'], ['.5', '0.5'], ['1.50', '1.5'], ['1.0', '1'],
    ['12300', '12300'], ['1.23e4', '12300'], ['1e-6', '0.000001'], ['1e-7', '1E-7'], ['1.5e-7', '1.5E-7'],
    ['-12.5', '-12.5'], ['123.456', '123.456'], ['1e21', '1000000000000000000000'],
    ['1e37', '10000000000000000000000000000000000000'], ['1e38', '1E+38'], ['1.5e40', '1.5E+40'],
    ['99999999999999999999999999999999999999', '99999999999999999999999999999999999999'],
    ['0.0000012345', '0.0000012345'], ['0.00000012345', '1.2345E-7'],
  ])('%s → %s', (input, expected) => {
    expect(canon(input)).toBe(expected);
  });

  it('rejects text that is not a finite decimal', () => {
    for (const s of ['', '.', 'abc', '1e', 'NaN', 'Infinity', ' 1', '1 ', '1.2.3', '--1', '0x10']) {
      expect(parseDecimalText(s), s).toBeUndefined();
    }
  });
});

describe('DynamoDB number limits', () => {
  it('accepts 38 significant digits and rejects 39', () => {
    const d38 = '12345678901234567890123456789012345678';
    expect(integerTextToNumber(d38)).toBe(d38);
    expect(integerTextToNumber(`-${d38}`)).toBe(`-${d38}`);
    expect(failureOf(() => integerTextToNumber(`${d38}9`)).code).toBe('NUMBER_TOO_PRECISE');
    expect(failureOf(() => dynamoNumber(parseDecimalText(`0.${d38}9`)!)).code).toBe('NUMBER_TOO_PRECISE');
  });

  it('counts significant digits, not length: 10^40 is one digit', () => {
    expect(integerTextToNumber(`1${'0'.repeat(40)}`)).toBe('1E+40');
    expect(integerTextToNumber(`-123${'0'.repeat(40)}`)).toBe('-1.23E+42');
  });

  it('enforces the magnitude range 1E-130 .. 9.99…E+125', () => {
    expect(dynamoNumber(parseDecimalText('1e-130')!)).toBe('1E-130');
    expect(dynamoNumber(parseDecimalText('-1e-130')!)).toBe('-1E-130');
    const max = `9.${'9'.repeat(37)}E+125`;
    expect(dynamoNumber(parseDecimalText(max)!)).toBe(max);
    expect(failureOf(() => dynamoNumber(parseDecimalText('1e126')!)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failureOf(() => dynamoNumber(parseDecimalText('11e125')!)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failureOf(() => dynamoNumber(parseDecimalText('1e-131')!)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failureOf(() => dynamoNumber(parseDecimalText('0.9e-130')!)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failureOf(() => integerTextToNumber(`1${'0'.repeat(126)}`)).code).toBe('NUMBER_OUT_OF_RANGE');
  });
});

describe('double', () => {
  it.each([
    [0, '0'], [-0, '0'], [1, '1'], [-1.5, '-1.5'], [0.1, '0.1'], [1 / 3, '0.3333333333333333'],
    [1e21, '1000000000000000000000'], [1.5e-7, '1.5E-7'], [123456789.125, '123456789.125'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'], [5e-130, '5E-130'], [1e125, '1E+125'],
  ])('%s → %s', (x, expected) => {
    expect(doubleToNumber(x)).toBe(expected);
  });

  it('rejects NaN and infinities as NUMBER_NOT_FINITE', () => {
    for (const x of [NaN, Infinity, -Infinity]) expect(failureOf(() => doubleToNumber(x)).code).toBe('NUMBER_NOT_FINITE');
  });

  it('rejects doubles outside DynamoDB range', () => {
    expect(failureOf(() => doubleToNumber(Number.MAX_VALUE)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failureOf(() => doubleToNumber(5e-324)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failureOf(() => doubleToNumber(1e126)).code).toBe('NUMBER_OUT_OF_RANGE');
  });

  it('round-trips random doubles exactly', () => {
    const buf = Buffer.alloc(8);
    let seed = 12345;
    for (let i = 0; i < 5000; i++) {
      for (let j = 0; j < 8; j++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        buf[j] = seed >>> 24;
      }
      const x = buf.readDoubleBE(0);
      if (!Number.isFinite(x) || Math.abs(x) > 9e125 || (x !== 0 && Math.abs(x) < 1e-130)) continue;
      expect(Number(doubleToNumber(x))).toBe(x === 0 ? 0 : x);
    }
  });
});

describe('float', () => {
  it('prints the shortest text that reads back as the same float32', () => {
    expect(floatToNumber(Math.fround(0.1))).toBe('0.1');
    expect(floatToNumber(Math.fround(0.2))).toBe('0.2');
    expect(floatToNumber(Math.fround(1.1))).toBe('1.1');
    expect(floatToNumber(Math.fround(3.14159))).toBe('3.14159');
    expect(floatToNumber(Math.fround(16777216))).toBe('16777216');
    expect(floatToNumber(Math.fround(3.4028234663852886e38))).toBe('3.4028235E+38');
    expect(floatToNumber(Math.fround(1e-45))).toBe('1E-45');
    expect(floatToNumber(Math.fround(100))).toBe('100');
    expect(floatToNumber(Math.fround(1e10))).toBe('10000000000');
    expect(floatToNumber(-0)).toBe('0');
    expect(shortestFloat32Text(Math.fround(0.3))).toBe('0.3');
  });

  it('rejects NaN and infinities', () => {
    for (const x of [NaN, Infinity, -Infinity]) expect(failureOf(() => floatToNumber(x)).code).toBe('NUMBER_NOT_FINITE');
  });

  it('round-trips random float32 values through Math.fround, never longer than 9 digits', () => {
    const buf = Buffer.alloc(4);
    let seed = 99;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      buf.writeUInt32BE(seed, 0);
      const x = buf.readFloatBE(0);
      if (!Number.isFinite(x)) continue;
      const text = floatToNumber(x);
      expect(Math.fround(Number(text))).toBe(x === 0 ? 0 : x);
      expect(significantDigits(text)).toBeLessThanOrEqual(9);
    }
  });
});

describe('significantDigits', () => {
  it.each([
    ['0', 0], ['1', 1], ['100', 1], ['-100', 1], ['0.001', 1], ['1.5', 2], ['1.50', 2], ['1.2345E-7', 5],
    ['12345678901234567890123456789012345678', 38], ['101', 3], ['1E+40', 1],
  ])('%s has %i', (text, n) => {
    expect(significantDigits(text)).toBe(n);
  });
});
