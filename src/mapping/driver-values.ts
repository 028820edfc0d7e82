/**
 * Readers for the values cassandra-driver 4.10 puts in rows, with a few lenient alternatives
 * (bigint when the client uses `encoding.useBigIntAsLong/useBigIntAsVarint`, plain strings and
 * numbers as a test or a mapping file might give them). Each reader throws a ConversionFailure
 * (INVALID_VALUE) on a value of the wrong shape.
 */
import cassandra from 'cassandra-driver';
import { ConversionCode, conversionFailure, invalidValue } from './failure.js';
import { type DecimalParts, integerTextParts, makeParts, parseDecimalText } from './numbers.js';

const { types } = cassandra;
const { Long, Integer, BigDecimal, Uuid, LocalTime, Duration, InetAddress } = types;
/** The driver's LocalDate: its typings miss `date` and the days-since-epoch constructor. */
const LocalDate = types.LocalDate as unknown as {
  new (daysOrYear: number, month?: number, day?: number): cassandra.types.LocalDate & { date: Date };
  fromString(value: string): cassandra.types.LocalDate & { date: Date };
  prototype: cassandra.types.LocalDate & { date: Date };
};

const INTEGER_RE = /^[+-]?\d+$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function readText(v: unknown): string {
  if (typeof v === 'string') return v;
  throw invalidValue('a string', v);
}

/** Integer decimal text (no leading zeros, '-' for negatives) of int/smallint/tinyint/bigint/varint/counter values. */
export function readIntegerText(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return String(v === 0 ? 0 : v);
    throw invalidValue('an integer', v);
  }
  if (v instanceof Long) return longText(v);
  if (v instanceof Integer) return integerText(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string' && INTEGER_RE.test(v)) {
    const p = integerTextParts(v.charCodeAt(0) === 43 ? v.slice(1) : v);
    return p.digits === '' ? '0' : (p.negative ? '-' : '') + p.digits + '0'.repeat(p.exponent);
  }
  throw invalidValue('an integer (number, Long, Integer or bigint)', v);
}

const TWO_32 = 4294967296;

/** Decimal text of a Long (long.js' own toString divides in 32-bit pieces and is ~5x slower). */
export function longText(v: { high: number; low: number }): string {
  const high = v.high;
  // |value| < 2^53: exact as a double.
  if (high >= -0x200000 && high < 0x200000) return String(high * TWO_32 + (v.low >>> 0));
  return ((BigInt(high) << 32n) | BigInt(v.low >>> 0)).toString();
}

/** Decimal text of the driver's Integer (varint): 32-bit words little-endian + sign extension. */
export function integerText(v: unknown): string {
  const x = v as { bits_?: number[]; sign_?: number };
  const bits = x.bits_;
  const sign = x.sign_;
  if (!Array.isArray(bits) || (sign !== 0 && sign !== -1)) return String(v);
  if (bits.length === 0) return sign === -1 ? '-1' : '0';
  if (bits.length === 1) return String(((bits[0] as number) >>> 0) + sign * TWO_32);
  let big = 0n;
  for (let i = bits.length - 1; i >= 0; i--) big = (big << 32n) | BigInt((bits[i] as number) >>> 0);
  if (sign === -1) big -= 1n << BigInt(32 * bits.length);
  return big.toString();
}

/** Exact decimal parts of a decimal value (BigDecimal, number, or decimal text). */
export function readDecimalParts(v: unknown): DecimalParts {
  if (v instanceof BigDecimal) {
    const internal = v as unknown as { _intVal: unknown; _scale: number };
    const unscaled = integerText(internal._intVal);
    const negative = unscaled.charCodeAt(0) === 45;
    return makeParts(negative, negative ? unscaled.slice(1) : unscaled, -internal._scale);
  }
  if (typeof v === 'number') {
    if (v - v !== 0) {
      throw conversionFailure(ConversionCode.NUMBER_NOT_FINITE, `${v} is not a finite number; DynamoDB numbers must be finite`);
    }
    return parseDecimalText(String(v)) as DecimalParts;
  }
  if (typeof v === 'string') {
    const p = parseDecimalText(v);
    if (p !== undefined) return p;
  }
  if (typeof v === 'bigint') return integerTextParts(v.toString());
  throw invalidValue('a decimal (BigDecimal, number or decimal text)', v);
}

export function readNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  throw invalidValue('a number', v);
}

export function readBoolean(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw invalidValue('a boolean', v);
}

/** Raw bytes of a blob. */
export function readBlob(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw invalidValue('a Buffer', v);
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Canonical lower-case text of 16 uuid bytes. */
export function uuidTextFromBytes(b: Buffer): string {
  const h = HEX;
  return (
    (h[b[0] as number] as string) + h[b[1] as number] + h[b[2] as number] + h[b[3] as number] + '-' + h[b[4] as number] + h[b[5] as number] + '-' +
    h[b[6] as number] + h[b[7] as number] + '-' + h[b[8] as number] + h[b[9] as number] + '-' + h[b[10] as number] + h[b[11] as number] +
    h[b[12] as number] + h[b[13] as number] + h[b[14] as number] + h[b[15] as number]
  );
}

/** Lower-case canonical text of a uuid/timeuuid. */
export function readUuidText(v: unknown): string {
  if (v instanceof Uuid) return uuidTextFromBytes(v.getBuffer());
  if (typeof v === 'string' && UUID_RE.test(v)) return v.toLowerCase();
  throw invalidValue('a Uuid', v);
}

/** The 16 bytes of a uuid/timeuuid. */
export function readUuidBytes(v: unknown): Buffer {
  if (v instanceof Uuid) return v.getBuffer();
  if (typeof v === 'string' && UUID_RE.test(v)) return Buffer.from(v.replace(/-/g, ''), 'hex');
  throw invalidValue('a Uuid', v);
}

const MAX_DATE_MS = 8.64e15;
const MS_PER_DAY = 86400000;

/** Epoch milliseconds of a timestamp. An Invalid Date (out of JavaScript's range) is INVALID_VALUE. */
export function readTimestampMillis(v: unknown): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = v;
  else if (v instanceof Long) ms = v.toNumber();
  else throw invalidValue('a Date', v);
  if (!(Math.abs(ms) <= MAX_DATE_MS) || !Number.isInteger(ms)) {
    throw conversionFailure(
      ConversionCode.INVALID_VALUE,
      'timestamp outside the JavaScript Date range (±8.64e15 ms, years -271821..275760): the driver decodes it as an Invalid Date and the value is lost',
    );
  }
  return ms;
}

const MIN_ISO_MS = -62167219200000; // 0000-01-01T00:00:00.000Z
const MAX_ISO_MS = 253402300799999; // 9999-12-31T23:59:59.999Z
const D2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * ISO-8601 UTC text with milliseconds (`2024-01-02T03:04:05.678Z`); years outside 0000–9999 use
 * the expanded form of Date.toISOString (`+010000-…`, `-000001-…`). Formatted by hand for years
 * 0000–9999: Date.prototype.toISOString costs ~450 ns, this ~60 ns.
 */
export function timestampIso(ms: number): string {
  if (ms < MIN_ISO_MS || ms > MAX_ISO_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), proleptic Gregorian.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hh = Math.floor(rest / 3600000);
  rest -= hh * 3600000;
  const mm = Math.floor(rest / 60000);
  rest -= mm * 60000;
  const ss = Math.floor(rest / 1000);
  const milli = rest - ss * 1000;
  return `${D2[Math.floor(year / 100)]}${D2[year % 100]}-${D2[month]}-${D2[day]}T${D2[hh]}:${D2[mm]}:${D2[ss]}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Days since 1970-01-01 of a `date` value (LocalDate, including dates outside the JavaScript range). */
export function readDateDays(v: unknown): number {
  if (v instanceof LocalDate) {
    const time = v.date.getTime();
    if (Number.isNaN(time)) return (v as unknown as { _value: number })._value;
    return Math.floor(time / MS_PER_DAY);
  }
  if (typeof v === 'string') {
    try {
      return readDateDays(LocalDate.fromString(v));
    } catch {
      /* fall through */
    }
  }
  throw invalidValue('a LocalDate', v);
}

/**
 * Text of a `date`: the driver's `LocalDate.toString()`: `YYYY-MM-DD` for years 0000–9999,
 * `-YYYY-MM-DD` (at least 4 digits) for negative years, `YYYYY-MM-DD` above 9999, and the number
 * of days since the epoch (e.g. `2147483647`) beyond JavaScript's Date range (±275,000 years).
 */
export function readDateText(v: unknown): string {
  if (v instanceof LocalDate) return v.toString();
  return new LocalDate(readDateDays(v)).toString();
}

/** Nanoseconds since midnight of a `time` value. */
export function readTimeNanos(v: unknown): bigint {
  if (v instanceof LocalTime) return BigInt(v.getTotalNanoseconds().toString());
  if (typeof v === 'string') {
    try {
      return readTimeNanos(LocalTime.fromString(v));
    } catch {
      /* fall through */
    }
  }
  throw invalidValue('a LocalTime', v);
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** `HH:MM:SS.nnnnnnnnn`, always nine fraction digits (the driver's own text trims them). */
export function readTimeText(v: unknown): string {
  if (v instanceof LocalTime) {
    return `${pad(v.hour, 2)}:${pad(v.minute, 2)}:${pad(v.second, 2)}.${pad(v.nanosecond, 9)}`;
  }
  if (typeof v === 'string') return readTimeText(LocalTime.fromString(v));
  throw invalidValue('a LocalTime', v);
}

/** Cassandra's duration text (`1y2mo3d4h5m6s7ms8us9ns`, `-…`); the zero duration, which the driver prints as '', is `0s`. */
export function readDurationText(v: unknown): string {
  if (v instanceof Duration) {
    const s = v.toString();
    return s === '' || s === '-' ? '0s' : s;
  }
  throw invalidValue('a Duration', v);
}

/** The bytes of an inet (4 for IPv4, 16 for IPv6). */
export function readInetBytes(v: unknown): Buffer {
  if (v instanceof InetAddress) return v.getBuffer();
  if (typeof v === 'string') return InetAddress.fromString(v).getBuffer();
  throw invalidValue('an InetAddress', v);
}

/** The driver's text of an inet: dotted quad, or RFC 5952 IPv6 (`2001:db8::1`). */
export function readInetText(v: unknown): string {
  if (v instanceof InetAddress) return v.toString();
  if (typeof v === 'string') return InetAddress.fromString(v).toString();
  throw invalidValue('an InetAddress', v);
}

export function inetTextFromBytes(bytes: Buffer): string {
  return new InetAddress(bytes).toString();
}

export function dateTextFromDays(days: number): string {
  return new LocalDate(days).toString();
}
