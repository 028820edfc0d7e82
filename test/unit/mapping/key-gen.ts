/**
 * Test support for the key-encoding property tests: a seeded PRNG, generators of real driver
 * values per CQL type, and Cassandra's comparators written independently of the encoder
 * (from the Cassandra AbstractType sources: UTF8Type/BytesType unsigned bytes, Int32/Long/
 * IntegerType signed, DecimalType BigDecimal.compareTo, Float/DoubleType Float/Double.compare,
 * TimestampType signed ms, SimpleDateType days, TimeType ns, BooleanType bytes, InetAddressType
 * bytes, UUIDType and TimeUUIDType as in their compareCustom).
 */
import cassandra from 'cassandra-driver';

const { types } = cassandra;
const { Long, Integer, BigDecimal, LocalTime, Uuid, TimeUuid, InetAddress } = types;
const LocalDate = types.LocalDate as unknown as new (days: number) => cassandra.types.LocalDate;

export type Rng = () => number;

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, 0, xs.length - 1)] as T;

function bytes(r: Rng, n: number, alphabet?: readonly number[]): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = alphabet === undefined ? int(r, 0, 255) : pick(r, alphabet);
  return b;
}

const TEXT_CHARS = ['', 'a', 'b', 'z', 'A', ' ', '~', '\u0000', '\u0001', '\u0002', '\u0003', '\u0004', '\u0005', '\u007f', 'é', 'ÿ',
  '\u0800', '\ud7ff', '\ue000', '\uffff', '😀', '𝄞', '\u{10ffff}', '#', '=', '-'];

function randomDigits(r: Rng, n: number): string {
  let s = String(int(r, 1, 9));
  for (let i = 1; i < n; i++) s += String(int(r, 0, 9));
  return s;
}

export interface TypeGen {
  /** A random driver value of the type. */
  gen(r: Rng): unknown;
  /** Cassandra's comparator on driver values. */
  cmp(a: unknown, b: unknown): number;
}

const sign = (x: number | bigint): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
const bufCmp = (a: Buffer, b: Buffer): number => sign(Buffer.compare(a, b));
const bigOf = (v: unknown): bigint => BigInt(typeof v === 'number' ? v : (v as { toString(): string }).toString());

function decimalCmp(a: unknown, b: unknown): number {
  const x = a as { _intVal: unknown; _scale: number };
  const y = b as { _intVal: unknown; _scale: number };
  const s = Math.max(x._scale, y._scale);
  return sign(bigOf(x._intVal) * 10n ** BigInt(s - x._scale) - bigOf(y._intVal) * 10n ** BigInt(s - y._scale));
}

/** Float.compare / Double.compare: -0 < 0, NaN above +Infinity and equal to itself. */
function floatingCmp(a: unknown, b: unknown): number {
  const x = a as number;
  const y = b as number;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
  if (x === 0 && y === 0) return sign((Object.is(x, -0) ? 0 : 1) - (Object.is(y, -0) ? 0 : 1));
  return sign(x - y);
}

const uuidBytes = (v: unknown): Buffer => (v as cassandra.types.Uuid).getBuffer();
const u64 = (b: Buffer, off: number): bigint => b.readBigUInt64BE(off);
/** 60-bit timestamp of a version-1 uuid. */
const v1Time = (b: Buffer): bigint => ((u64(b, 0) & 0xfffn) << 48n) | (((u64(b, 0) >> 16n) & 0xffffn) << 32n) | (u64(b, 0) >> 32n);

function uuidCmp(a: unknown, b: unknown): number {
  const x = uuidBytes(a);
  const y = uuidBytes(b);
  const vx = x[6]! >> 4;
  const vy = y[6]! >> 4;
  if (vx !== vy) return sign(vx - vy);
  const c = vx === 1 ? sign(v1Time(x) - v1Time(y)) : sign(u64(x, 0) - u64(y, 0));
  return c !== 0 ? c : sign(u64(x, 8) - u64(y, 8));
}

function timeuuidCmp(a: unknown, b: unknown): number {
  const x = uuidBytes(a);
  const y = uuidBytes(b);
  const c = sign(v1Time(x) - v1Time(y));
  if (c !== 0) return c;
  for (let i = 8; i < 16; i++) {
    const d = x.readInt8(i) - y.readInt8(i); // signed bytes, as TimeUUIDType
    if (d !== 0) return sign(d);
  }
  return 0;
}

function randomUuid(r: Rng, version: number): cassandra.types.Uuid {
  const b = bytes(r, 16, r() < 0.5 ? [0x00, 0x01, 0x7f, 0x80, 0xff] : undefined);
  b[6] = (version << 4) | (b[6]! & 0x0f);
  return version === 1 ? new TimeUuid(b) : new Uuid(b);
}

const MS_Y0 = -62167219200000;
const MS_Y10000 = 253402300800000;
const DAY = 86400000;

export const GENERATORS: Readonly<Record<string, TypeGen>> = {
  text: {
    gen: (r) => Array.from({ length: int(r, 0, 5) }, () => pick(r, TEXT_CHARS)).join(''),
    cmp: (a, b) => bufCmp(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8')),
  },
  ascii: {
    gen: (r) => Array.from({ length: int(r, 0, 4) }, () => pick(r, ['', 'a', 'b', '\u0000', '\u0001', '\u0002', ' ', '~', '\u007f'])).join(''),
    cmp: (a, b) => bufCmp(Buffer.from(a as string), Buffer.from(b as string)),
  },
  tinyint: { gen: (r) => int(r, -128, 127), cmp: (a, b) => sign((a as number) - (b as number)) },
  smallint: { gen: (r) => (r() < 0.5 ? int(r, -20, 20) : int(r, -32768, 32767)), cmp: (a, b) => sign((a as number) - (b as number)) },
  int: {
    gen: (r) => pick(r, [() => int(r, -12, 12), () => int(r, -2147483648, 2147483647), () => pick(r, [-2147483648, 2147483647, 0, -1, 1, 9, 10, -9, -10, 99, 100])])(),
    cmp: (a, b) => sign((a as number) - (b as number)),
  },
  bigint: {
    gen: (r) => pick(r, [
      () => Long.fromNumber(int(r, -1000, 1000)),
      () => Long.fromBits(int(r, -2147483648, 2147483647), int(r, -2147483648, 2147483647)),
      () => pick(r, [Long.MAX_VALUE, Long.MIN_VALUE, Long.ZERO, Long.NEG_ONE]),
    ])(),
    cmp: (a, b) => sign(bigOf(a) - bigOf(b)),
  },
  varint: {
    gen: (r) => Integer.fromString((r() < 0.4 ? '-' : '') + (r() < 0.1 ? '0' : randomDigits(r, int(r, 1, 60)))),
    cmp: (a, b) => sign(bigOf(a) - bigOf(b)),
  },
  decimal: {
    gen: (r) => {
      const unscaled = r() < 0.1 ? '0' : (r() < 0.4 ? '-' : '') + randomDigits(r, int(r, 1, 45)) + '0'.repeat(int(r, 0, 3));
      return new BigDecimal(Integer.fromString(unscaled) as unknown as number, pick(r, [int(r, -5, 5), int(r, -300, 300), 0]));
    },
    cmp: decimalCmp,
  },
  float: {
    gen: (r) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(int(r, 0, 0xffffffff), 0);
      return pick(r, [() => b.readFloatBE(0), () => Math.fround(int(r, -100, 100) / 8), () => pick(r, [0, -0, NaN, Infinity, -Infinity, Math.fround(0.1), Math.fround(-0.1), 1.401298464324817e-45])])();
    },
    cmp: floatingCmp,
  },
  double: {
    gen: (r) => {
      const b = Buffer.alloc(8);
      b.writeUInt32BE(int(r, 0, 0xffffffff), 0);
      b.writeUInt32BE(int(r, 0, 0xffffffff), 4);
      return pick(r, [() => b.readDoubleBE(0), () => int(r, -100, 100) / 8, () => pick(r, [0, -0, NaN, Infinity, -Infinity, 0.1, -0.1, 5e-324, Number.MAX_VALUE, 1e21, 1e-7])])();
    },
    cmp: floatingCmp,
  },
  boolean: { gen: (r) => r() < 0.5, cmp: (a, b) => sign(Number(a) - Number(b)) },
  blob: { gen: (r) => bytes(r, int(r, 0, 5), [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xfe, 0xff]), cmp: (a, b) => bufCmp(a as Buffer, b as Buffer) },
  inet: {
    gen: (r) => new InetAddress(bytes(r, r() < 0.5 ? 4 : 16, r() < 0.5 ? [0, 1, 0x7f, 0x80, 0xff] : undefined)),
    cmp: (a, b) => bufCmp((a as cassandra.types.InetAddress).getBuffer(), (b as cassandra.types.InetAddress).getBuffer()),
  },
  uuid: { gen: (r) => randomUuid(r, pick(r, [1, 1, 4, 4, 0, 2, 15])), cmp: uuidCmp },
  timeuuid: { gen: (r) => randomUuid(r, 1), cmp: timeuuidCmp },
  timestamp: {
    gen: (r) => new Date(pick(r, [
      () => int(r, -1000, 1000),
      () => Math.round((r() * 2 - 1) * 8.64e15),
      () => MS_Y0 + int(r, -2000, 2000),
      () => MS_Y10000 + int(r, -2000, 2000),
      () => int(r, 1.6e12, 1.8e12),
    ])()),
    cmp: (a, b) => sign((a as Date).getTime() - (b as Date).getTime()),
  },
  date: {
    gen: (r) => new LocalDate(pick(r, [
      () => int(r, -30, 30),
      () => int(r, -2147483648, 2147483647),
      () => Math.floor(MS_Y0 / DAY) + int(r, -3, 3),
      () => Math.floor(MS_Y10000 / DAY) + int(r, -3, 3),
      () => int(r, -1e8, 1e8),
    ])()),
    cmp: (a, b) => sign(daysOf(a) - daysOf(b)),
  },
  time: {
    gen: (r) => new LocalTime(Long.fromNumber(pick(r, [() => int(r, 0, 1000), () => Math.floor(r() * 86399999999999), () => 86399999999999])())),
    cmp: (a, b) => sign(bigOf((a as cassandra.types.LocalTime).getTotalNanoseconds()) - bigOf((b as cassandra.types.LocalTime).getTotalNanoseconds())),
  },
};

function daysOf(v: unknown): number {
  const d = v as { date: Date; _value: number };
  const t = d.date.getTime();
  return Number.isNaN(t) ? d._value : Math.floor(t / DAY);
}

/** UTF-8 byte order, as DynamoDB compares S values. */
export function dynamoCmp(a: string, b: string): number {
  return sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}
