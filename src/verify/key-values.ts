/**
 * Key values back to what cassandra-driver binds for each CQL type: from the text a key
 * attribute holds (S of a single-column key, scalars inside CQL literals), from DynamoDB number
 * text (N keys), and from the plain values decodeCompositeKey returns.
 *
 *   text → string; int, smallint, tinyint → number; bigint, counter → Long; varint → Integer;
 *   decimal → BigDecimal; float, double → number; boolean; blob → Buffer; uuid → Uuid;
 *   timeuuid → TimeUuid (version 1 only); timestamp → Date; date → LocalDate;
 *   time → LocalTime; inet → InetAddress; duration → Duration;
 *   collections, tuples, UDTs → see cql-literal.ts.
 *
 * Every function throws a TypeError on text that cannot be such a value.
 */
import cassandra from 'cassandra-driver';
import type { CqlType, ScalarKind } from '../mapping/cql-type.js';
import type { KeyPlainValue } from '../mapping/key-encoding.js';
import { parseDecimalText } from '../mapping/numbers.js';
import { parseCqlLiteral } from './cql-literal.js';

const { types } = cassandra;
const { Long, Integer, BigDecimal, Uuid, TimeUuid, LocalTime, Duration, InetAddress } = types;
/** The driver's typings miss the days-since-epoch constructor. */
const LocalDate = types.LocalDate as unknown as {
  new (days: number): cassandra.types.LocalDate;
  fromString(value: string): cassandra.types.LocalDate;
};
/** The typings only allow a number as the unscaled value; the driver takes an Integer too. */
const BigDecimalOf = BigDecimal as unknown as new (unscaled: cassandra.types.Integer, scale: number) => cassandra.types.BigDecimal;

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
  counter: [-9223372036854775808n, 9223372036854775807n],
};

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ISO_TIMESTAMP_RE = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE_RE = /^(?:-?\d{4,}-\d{2}-\d{2}|-?\d+)$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})\.(\d{9})$/;
const INTEGER_RE = /^-?\d+$/;
const FLOAT_RE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|-?Infinity)$/;
const MAX_DATE_MS = 8.64e15;
const MAX_INTEGER_ZEROS = 400;

function bad(what: string, text: string): never {
  throw new TypeError(`${JSON.stringify(text)} is not a valid ${what}`);
}

/** An integer column's value from its canonical decimal text (range-checked). */
export function integerFromText(kind: ScalarKind, text: string): unknown {
  if (!INTEGER_RE.test(text)) bad(kind, text);
  const range = INTEGER_RANGES[kind];
  if (range !== undefined) {
    const n = BigInt(text);
    if (n < range[0] || n > range[1]) throw new TypeError(`${text} is out of range for ${kind}`);
    return kind === 'bigint' || kind === 'counter' ? Long.fromString(String(n)) : Number(n);
  }
  if (kind === 'varint') return Integer.fromString(text);
  return bad(kind, text);
}

/** The integer text of DynamoDB number text (`1.2E+3` → `1200`); throws when it is not an integer. */
export function integerTextOfNumber(text: string): string {
  const p = parseDecimalText(text);
  if (p === undefined) return bad('number', text);
  if (p.digits === '') return '0';
  if (p.exponent < 0) throw new TypeError(`${text} is not an integer`);
  if (p.exponent > MAX_INTEGER_ZEROS) throw new TypeError(`${text} is too large for an integer column`);
  return (p.negative ? '-' : '') + p.digits + '0'.repeat(p.exponent);
}

/**
 * A decimal from number text. DynamoDB keeps the value, not the scale (1.50 reads back as 1.5):
 * the result has the smallest scale that is not negative (1.5, 100, 0.001), the usual form of
 * a stored decimal.
 */
export function decimalFromText(text: string): cassandra.types.BigDecimal {
  const p = parseDecimalText(text);
  if (p === undefined) return bad('decimal', text);
  if (p.digits === '') return new BigDecimalOf(Integer.fromNumber(0), 0);
  if (p.exponent > MAX_INTEGER_ZEROS || p.exponent < -2147483648) throw new TypeError(`${text} is outside the decimal range`);
  const unscaled = (p.negative ? '-' : '') + p.digits + (p.exponent > 0 ? '0'.repeat(p.exponent) : '');
  return new BigDecimalOf(Integer.fromString(unscaled), p.exponent < 0 ? -p.exponent : 0);
}

function floatingFromText(kind: 'float' | 'double', text: string): number {
  if (!FLOAT_RE.test(text)) bad(kind, text);
  const x = Number(text);
  return kind === 'float' ? Math.fround(x) : x;
}

function timestampFromMillis(ms: number): Date {
  if (!Number.isInteger(ms) || Math.abs(ms) > MAX_DATE_MS) throw new TypeError(`${ms} ms is outside the JavaScript Date range`);
  return new Date(ms);
}

/** A timestamp from ISO-8601 text with milliseconds (the mapping's S form). */
export function timestampFromIso(text: string): Date {
  if (!ISO_TIMESTAMP_RE.test(text)) bad('ISO-8601 timestamp', text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) bad('ISO-8601 timestamp', text);
  return new Date(ms);
}

function timeFromNanos(ns: bigint): cassandra.types.LocalTime {
  return new LocalTime(Long.fromString(ns.toString()));
}

function uuidFromText(kind: 'uuid' | 'timeuuid', text: string): cassandra.types.Uuid {
  if (!UUID_RE.test(text)) bad(kind, text);
  if (kind === 'uuid') return Uuid.fromString(text.toLowerCase());
  if (text[14] !== '1') throw new TypeError(`${text} is not a version 1 uuid, so not a timeuuid`);
  return TimeUuid.fromString(text.toLowerCase());
}

/** The value of a column from its text form (scalarTextCodec's output; complex types: CQL literal). */
export function driverValueFromText(type: CqlType, text: string): unknown {
  switch (type.kind) {
    case 'text': case 'varchar': case 'ascii':
      return text;
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'counter': case 'varint':
      return integerFromText(type.kind, text);
    case 'decimal':
      return decimalFromText(text);
    case 'float': case 'double':
      return floatingFromText(type.kind, text);
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : bad('boolean', text);
    case 'blob':
      return Buffer.from(text, 'base64');
    case 'uuid': case 'timeuuid':
      return uuidFromText(type.kind, text);
    case 'timestamp':
      return timestampFromIso(text);
    case 'date':
      if (!DATE_RE.test(text)) bad('date', text);
      return LocalDate.fromString(text);
    case 'time': {
      const m = TIME_RE.exec(text);
      if (m === null) return bad('time (HH:MM:SS.nnnnnnnnn)', text);
      const [h, mi, s, ns] = [m[1], m[2], m[3], m[4]].map((x) => BigInt(x as string)) as [bigint, bigint, bigint, bigint];
      if (h > 23n || mi > 59n || s > 59n) bad('time', text);
      return timeFromNanos(((h * 60n + mi) * 60n + s) * 1000000000n + ns);
    }
    case 'inet':
      return InetAddress.fromString(text);
    case 'duration':
      return Duration.fromString(text);
    default:
      return parseCqlLiteral(type, text);
  }
}

/** The value of a column from a DynamoDB number (a single-column N key). */
export function driverValueFromNumber(type: CqlType, text: string): unknown {
  switch (type.kind) {
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'counter': case 'varint':
      return integerFromText(type.kind, integerTextOfNumber(text));
    case 'decimal':
      return decimalFromText(text);
    case 'float': case 'double':
      if (parseDecimalText(text) === undefined) bad(type.kind, text);
      return floatingFromText(type.kind, text);
    case 'timestamp':
      return timestampFromMillis(Number(integerTextOfNumber(text)));
    default:
      throw new TypeError(`a ${type.kind} column is not written as a number`);
  }
}

/** The value of a column from what decodeCompositeKey returned for its component. */
export function driverValueFromPlain(type: CqlType, plain: KeyPlainValue): unknown {
  switch (type.kind) {
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'counter': case 'varint':
      return integerFromText(type.kind, String(plain));
    case 'decimal':
      return decimalFromText(String(plain));
    case 'float': case 'double':
      return typeof plain === 'number' ? plain : floatingFromText(type.kind, String(plain));
    case 'boolean':
      return typeof plain === 'boolean' ? plain : driverValueFromText(type, String(plain));
    case 'blob':
      return Buffer.isBuffer(plain) ? plain : bad('blob', String(plain));
    case 'timestamp':
      return typeof plain === 'number' ? timestampFromMillis(plain) : timestampFromIso(String(plain));
    case 'date':
      if (typeof plain !== 'number' || !Number.isInteger(plain)) return bad('date', String(plain));
      return new LocalDate(plain);
    case 'time':
      return typeof plain === 'bigint' ? timeFromNanos(plain) : driverValueFromText(type, String(plain));
    default:
      if (typeof plain !== 'string') return bad(type.kind, String(plain));
      return driverValueFromText(type, plain);
  }
}
