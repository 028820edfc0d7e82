import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { integerText, longText, timestampIso, uuidTextFromBytes, readTimeText, readDateText } from '../../../src/mapping/driver-values.js';
import { float32Parts, formatDecimal } from '../../../src/mapping/numbers.js';
import { int, rng } from './key-gen.js';

const { types } = cassandra;

describe('fast paths agree with the driver and the platform', () => {
  const r = rng(7);

  it('longText = Long.toString()', () => {
    const samples = [types.Long.MAX_VALUE, types.Long.MIN_VALUE, types.Long.ZERO, types.Long.NEG_ONE, types.Long.fromNumber(2 ** 53), types.Long.fromNumber(-(2 ** 53)), types.Long.fromBits(0, 0x200000), types.Long.fromBits(0xffffffff, 0x1fffff), types.Long.fromBits(0, -0x200000), types.Long.fromBits(0xffffffff, -0x200001)];
    for (let i = 0; i < 20000; i++) samples.push(types.Long.fromBits(int(r, -2147483648, 2147483647), i % 3 === 0 ? int(r, -4, 4) : int(r, -2147483648, 2147483647)));
    for (const l of samples) expect(longText(l)).toBe(l.toString());
  });

  it('integerText = Integer.toString() (varint words and sign extension)', () => {
    const samples = ['0', '-1', '1', '4294967295', '-4294967296', '-4294967295', '4294967296', '2147483647', '-2147483648', '18446744073709551616', `-${'9'.repeat(60)}`].map((s) => types.Integer.fromString(s));
    for (let i = 0; i < 5000; i++) {
      const digits = Array.from({ length: int(r, 1, 50) }, () => int(r, 0, 9)).join('').replace(/^0+(?=\d)/, '');
      samples.push(types.Integer.fromString((r() < 0.5 ? '-' : '') + digits));
      samples.push(types.Integer.fromNumber(int(r, -2147483648, 2147483647) * (r() < 0.5 ? 1 : 65536)));
    }
    for (const v of samples) expect(integerText(v)).toBe(v.toString());
  });

  it('uuidTextFromBytes = Uuid.toString()', () => {
    for (let i = 0; i < 2000; i++) {
      const u = types.Uuid.random();
      expect(uuidTextFromBytes(u.getBuffer())).toBe(u.toString());
    }
  });

  it('timestampIso = Date.toISOString() over the whole Date range', () => {
    const edges = [0, -1, 1, 8.64e15, -8.64e15, -62167219200000, -62167219200001, 253402300799999, 253402300800000, 951782400000, 951868800000, -2208988800000, 4107542400000];
    for (const ms of edges) expect(timestampIso(ms), String(ms)).toBe(new Date(ms).toISOString());
    for (let i = 0; i < 50000; i++) {
      const ms = i % 2 === 0 ? Math.round((r() * 2 - 1) * 2.6e14) : Math.round((r() * 2 - 1) * 8.64e15);
      expect(timestampIso(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('time and date text', () => {
    expect(readTimeText(new types.LocalTime(types.Long.fromString('86399999999999')))).toBe('23:59:59.999999999');
    expect(readTimeText(new types.LocalTime(types.Long.fromNumber(1)))).toBe('00:00:00.000000001');
    expect(readDateText('2024-02-29')).toBe('2024-02-29');
  });
});

describe('float32 shortest digits', () => {
  /** Reference: the first precision (1..9) whose correctly rounded text reads back. */
  function reference(x: number): string {
    for (let p = 1; p <= 9; p++) {
      const s = x.toPrecision(p);
      if (Math.fround(Number(s)) === x) return formatDecimal(float32FromText(s));
    }
    throw new Error('unreachable');
  }
  function float32FromText(s: string) {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s)!;
    const frac = m[3] ?? '';
    const digits = (m[2] + frac).replace(/^0+/, '');
    const exponent = Number(m[4] ?? 0) - frac.length;
    const trimmed = digits.replace(/0+$/, '');
    return { negative: m[1] === '-' && trimmed !== '', digits: trimmed, exponent: exponent + (digits.length - trimmed.length) };
  }

  it('matches the linear reference search on random float32 values', () => {
    const buf = Buffer.alloc(4);
    const r = rng(2024);
    let compared = 0;
    for (let i = 0; i < 30000; i++) {
      buf.writeUInt32BE(int(r, 0, 0xffffffff), 0);
      const x = buf.readFloatBE(0);
      if (!Number.isFinite(x) || x === 0) continue;
      // Powers of two have an asymmetric rounding interval: both searches may be one digit long there.
      if ((buf.readUInt32BE(0) & 0x7fffff) === 0) continue;
      expect(formatDecimal(float32Parts(x)), String(x)).toBe(reference(x));
      compared++;
    }
    expect(compared).toBeGreaterThan(29000);
  });

  it('handles rounding carries and ties in the 9-digit text', () => {
    for (const x of [0.1, 0.3, 9.999999, 99999.99, 0.0009765625, 1e-10, 3.4028234663852886e38, 1.17549435e-38, 123456.789, 0.5, 2.5, 1.25e-7]) {
      const f = Math.fround(x);
      expect(Math.fround(Number(formatDecimal(float32Parts(f))))).toBe(f);
      expect(formatDecimal(float32Parts(f))).toBe(reference(f));
    }
  });
});
