/**
 * One key component per CQL type: `encode` (driver value → ascending, order-preserving text),
 * `decode` (text → plain value) and `plain` (driver value → the same plain value, for checks).
 * `ascii` components only use printable ASCII '"'..'~' and can be inverted for DESC columns;
 * the others (text, and complex values written as CQL literals) are verbatim text.
 *
 * Orders match Cassandra's comparators:
 * - integers, decimal (BigDecimal.compareTo: 1.0 = 1.00), float/double (Float/Double.compare:
 *   -Infinity < negatives < -0 < 0 < positives < +Infinity < NaN), timestamp (signed ms),
 *   date (days), time (ns), boolean (false < true), blob and inet (unsigned bytes), text (UTF-8 bytes);
 * - timeuuid like TimeUUIDType: timestamp, then the clock-seq/node bytes compared signed;
 * - uuid like UUIDType: version, then the timestamp for version 1 (else the high 64 bits
 *   unsigned), then the low 64 bits unsigned;
 * - frozen collections, tuples, UDTs, duration: CQL literal text. Injective, NOT order-preserving.
 */
import type { CqlType } from './cql-type.js';
import {
  inetTextFromBytes, readBlob, readBoolean, readDateDays, readDecimalParts, readInetBytes,
  readIntegerText, readNumber, readText, readTimeNanos, readTimestampMillis, readUuidBytes, timestampIso, uuidTextFromBytes,
} from './driver-values.js';
import { compileLiteral } from './literal.js';
import { type DecimalParts, floatingParts, formatDecimal, makeParts } from './numbers.js';
import { decodeIntegerText, encodeIntegerText, fromSortedBase64, sortedBase64 } from './key-order.js';
import type { CodecOptions } from './scalars.js';

/**
 * Decoded key component values: text/complex → string (complex: CQL literal), integers → bigint,
 * decimal → canonical decimal text, float/double → number, boolean → boolean, blob → Buffer,
 * uuid/timeuuid → lower-case text, timestamp → epoch ms, date → days since epoch,
 * time → nanoseconds (bigint), inet → the driver's text form.
 */
export type KeyPlainValue = string | number | bigint | boolean | Buffer;

export interface KeyComponentCodec {
  readonly ascii: boolean;
  encode(v: unknown): string;
  decode(s: string): KeyPlainValue;
  plain(v: unknown): KeyPlainValue;
}

const bad = (what: string, s: string): never => {
  throw new TypeError(`bad ${what} key component ${JSON.stringify(s)}`);
};

// --- decimals and floating point ---------------------------------------------------------
/** Finite non-zero: '=' (positive) or '-' + inverted + '~' (negative) around exponent + digits. */
function encodeDecimalParts(p: DecimalParts): string {
  if (p.digits === '') return '0';
  const adjusted = p.digits.length - 1 + p.exponent;
  const body = encodeIntegerText(String(adjusted)) + p.digits;
  if (!p.negative) return `=${body}`;
  let inv = '';
  for (let i = 0; i < body.length; i++) inv += String.fromCharCode(0x9f - body.charCodeAt(i));
  return `-${inv}~`;
}

function decodeDecimalParts(s: string): DecimalParts {
  if (s === '0') return makeParts(false, '', 0);
  let body: string;
  let negative = false;
  if (s[0] === '=') body = s.slice(1);
  else if (s[0] === '-' && s.endsWith('~')) {
    negative = true;
    body = '';
    for (let i = 1; i < s.length - 1; i++) body += String.fromCharCode(0x9f - s.charCodeAt(i));
  } else return bad('decimal', s);
  // The exponent is a prefix-free integer encoding: find where it ends.
  const expLen = integerEncodingLength(body);
  const adjusted = Number(decodeIntegerText(body.slice(0, expLen)));
  const digits = body.slice(expLen);
  if (!/^[1-9](\d*[1-9])?$/.test(digits)) bad('decimal', s);
  return { negative, digits, exponent: adjusted - digits.length + 1 };
}

function integerEncodingLength(s: string): number {
  if (s[0] === '0') return 1;
  const negative = s[0] === '-';
  const first = negative ? 105 - s.charCodeAt(1) : s.charCodeAt(0);
  const m = first - 48;
  const kText = s.slice(negative ? 2 : 1, (negative ? 2 : 1) + m);
  const k = negative ? Number(kText.replace(/\d/g, (d) => String(9 - Number(d)))) : Number(kText);
  return (negative ? 2 : 1) + m + k;
}

function encodeFloating(x: number, float32: boolean): string {
  if (x !== x) return 'N';
  if (x === Infinity) return 'I';
  if (x === -Infinity) return ',';
  if (x === 0) return Object.is(x, -0) ? '.' : '0';
  return encodeDecimalParts(floatingParts(x, float32));
}

function decodeFloating(s: string, float32: boolean): number {
  switch (s) {
    case 'N': return NaN;
    case 'I': return Infinity;
    case ',': return -Infinity;
    case '.': return -0;
    default: {
      const x = Number(formatDecimal(decodeDecimalParts(s)));
      return float32 ? Math.fround(x) : x;
    }
  }
}

// --- dates and times -----------------------------------------------------------------------
const MIN_ISO_MS = -62167219200000; // 0000-01-01T00:00:00.000Z
const MAX_ISO_MS = 253402300799999; // 9999-12-31T23:59:59.999Z
const MIN_ISO_DAYS = -719528; // 0000-01-01
const MAX_ISO_DAYS = 2932896; // 9999-12-31
const ISO_TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** ISO text for years 0000–9999 (fixed width, sorts as text); '-'/'>' + integer outside. */
function encodeOutside(n: number, low: number): string {
  return (n < low ? '-' : '>') + encodeIntegerText(String(n));
}

function pad(n: number | bigint, w: number): string {
  return String(n).padStart(w, '0');
}

function timeText(ns: bigint): string {
  const s = ns / 1000000000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(ns % 1000000000n, 9)}`;
}

// --- uuids -------------------------------------------------------------------------------
function flipLowBytes(hex16: string): string {
  let out = '';
  for (let i = 0; i < 16; i += 2) out += (parseInt(hex16.slice(i, i + 2), 16) ^ 0x80).toString(16).padStart(2, '0');
  return out;
}

function uuidText(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** version + 60-bit timestamp (v1) or the 32 hex digits (other versions); `signedLow` for timeuuid. */
function encodeUuid(bytes: Buffer, signedLow: boolean): string {
  const h = bytes.toString('hex');
  const version = h[12] as string;
  if (version !== '1') return version + h;
  const low = h.slice(16);
  return `1${h.slice(13, 16)}${h.slice(8, 12)}${h.slice(0, 8)}${signedLow ? flipLowBytes(low) : low}`;
}

function decodeUuid(s: string, signedLow: boolean): string {
  if (!/^[0-9a-f]{32,33}$/.test(s)) bad('uuid', s);
  if (s[0] !== '1') {
    if (s.length !== 33 || s[13] !== s[0]) bad('uuid', s);
    return uuidText(s.slice(1));
  }
  if (s.length !== 32) bad('uuid', s);
  const ts = s.slice(1, 16);
  const low = signedLow ? flipLowBytes(s.slice(16)) : s.slice(16);
  return uuidText(`${ts.slice(7)}${ts.slice(3, 7)}1${ts.slice(0, 3)}${low}`);
}

// --- the table -----------------------------------------------------------------------------
function text(read: (v: unknown) => string): KeyComponentCodec {
  return { ascii: false, encode: read, decode: (s) => s, plain: read };
}

function ascii(encode: (v: unknown) => string, decode: (s: string) => KeyPlainValue, plain: (v: unknown) => KeyPlainValue): KeyComponentCodec {
  return { ascii: true, encode, decode, plain };
}

/** The key component codec of a column type (text components are escaped by the caller). */
export function keyComponentCodec(type: CqlType, options: CodecOptions): KeyComponentCodec {
  switch (type.kind) {
    case 'text': case 'varchar': case 'ascii':
      return text(readText);
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'varint': case 'counter':
      return ascii((v) => encodeIntegerText(readIntegerText(v)), (s) => BigInt(decodeIntegerText(s)), (v) => BigInt(readIntegerText(v)));
    case 'decimal':
      return ascii(
        (v) => encodeDecimalParts(readDecimalParts(v)),
        (s) => formatDecimal(decodeDecimalParts(s)),
        (v) => formatDecimal(readDecimalParts(v)),
      );
    case 'float':
    case 'double': {
      const f32 = type.kind === 'float';
      return ascii((v) => encodeFloating(readNumber(v), f32), (s) => decodeFloating(s, f32), (v) => {
        const x = readNumber(v);
        return f32 ? Math.fround(x) : x;
      });
    }
    case 'boolean':
      return ascii((v) => (readBoolean(v) ? 'true' : 'false'), (s) => (s === 'true' ? true : s === 'false' ? false : bad('boolean', s)), readBoolean);
    case 'blob':
      return ascii((v) => sortedBase64(readBlob(v)), fromSortedBase64, readBlob);
    case 'inet':
      return ascii(
        (v) => readInetBytes(v).toString('hex'),
        (s) => (/^([0-9a-f]{8}|[0-9a-f]{32})$/.test(s) ? inetTextFromBytes(Buffer.from(s, 'hex')) : bad('inet', s)),
        (v) => inetTextFromBytes(readInetBytes(v)),
      );
    case 'uuid':
    case 'timeuuid': {
      const signed = type.kind === 'timeuuid';
      return ascii((v) => encodeUuid(readUuidBytes(v), signed), (s) => decodeUuid(s, signed), (v) => uuidTextFromBytes(readUuidBytes(v)));
    }
    case 'timestamp':
      return ascii(
        (v) => {
          const ms = readTimestampMillis(v);
          return ms >= MIN_ISO_MS && ms <= MAX_ISO_MS ? timestampIso(ms) : encodeOutside(ms, MIN_ISO_MS);
        },
        (s) => {
          if (s[0] === '-' || s[0] === '>') return Number(decodeIntegerText(s.slice(1)));
          return ISO_TS_RE.test(s) ? Date.parse(s) : bad('timestamp', s);
        },
        readTimestampMillis,
      );
    case 'date':
      return ascii(
        (v) => {
          const days = readDateDays(v);
          return days >= MIN_ISO_DAYS && days <= MAX_ISO_DAYS ? timestampIso(days * 86400000).slice(0, 10) : encodeOutside(days, MIN_ISO_DAYS);
        },
        (s) => {
          if (s[0] === '-' || s[0] === '>') return Number(decodeIntegerText(s.slice(1)));
          return ISO_DATE_RE.test(s) ? Date.parse(s) / 86400000 : bad('date', s);
        },
        readDateDays,
      );
    case 'time':
      return ascii(
        (v) => timeText(readTimeNanos(v)),
        (s) => {
          const m = /^(\d{2}):(\d{2}):(\d{2})\.(\d{9})$/.exec(s);
          if (m === null) return bad('time', s);
          return ((BigInt(m[1] as string) * 60n + BigInt(m[2] as string)) * 60n + BigInt(m[3] as string)) * 1000000000n + BigInt(m[4] as string);
        },
        readTimeNanos,
      );
    default:
      // duration (not allowed in Cassandra keys), frozen collections, tuples, UDTs, custom.
      return text(compileLiteral(type, options));
  }
}

