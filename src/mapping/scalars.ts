/**
 * Scalar columns: the DynamoDB value of each scalar CQL type, and its text form (used for map
 * keys, string sets and single-column S keys). One specialised closure per kind: no switch on
 * the type at conversion time.
 */
import type { AttributeValue } from './attribute-value.js';
import type { ScalarKind } from './cql-type.js';
import { conversionFailure, ConversionCode } from './failure.js';
import {
  readBlob, readBoolean, readDateText, readDecimalParts, readDurationText, readInetText, readIntegerText,
  readNumber, readText, readTimeText, readTimestampMillis, readUuidText, timestampIso,
} from './driver-values.js';
import { doubleToNumber, dynamoNumber, floatingParts, floatToNumber, formatDecimal, integerTextToNumber, integerTextParts } from './numbers.js';

export type TimestampAs = 'iso' | 'epochMillis';

export interface CodecOptions {
  /** timestamp → S ISO-8601 (default) or N epoch milliseconds. */
  readonly timestampAs: TimestampAs;
}

/** A non-null value → its DynamoDB value. Throws a ConversionFailure. */
export type ValueCodec = (v: unknown) => AttributeValue;
/** A non-null value → text. Throws a ConversionFailure. */
export type TextCodec = (v: unknown) => string;

/**
 * The DynamoDB value of a scalar (the ARCHITECTURE table):
 * text/varchar/ascii, uuid/timeuuid, date, time, duration, inet → S; integers, decimal, float,
 * double → N; timestamp → S ISO (or N epoch ms); boolean → BOOL; blob → B (base64).
 */
export function scalarValueCodec(kind: ScalarKind, options: CodecOptions): ValueCodec {
  switch (kind) {
    case 'text':
    case 'varchar':
    case 'ascii':
      return (v) => {
        if (typeof v === 'string') return { S: v };
        return { S: readText(v) };
      };
    case 'int':
    case 'smallint':
    case 'tinyint':
      return (v) => {
        if (typeof v === 'number' && (v | 0) === v) return { N: String(v) };
        return { N: readIntegerText(v) };
      };
    case 'bigint':
    case 'counter':
    case 'varint':
      return (v) => ({ N: integerTextToNumber(readIntegerText(v)) });
    case 'float':
      return (v) => ({ N: floatToNumber(readNumber(v)) });
    case 'double':
      return (v) => ({ N: doubleToNumber(readNumber(v)) });
    case 'decimal':
      return (v) => ({ N: dynamoNumber(readDecimalParts(v)) });
    case 'boolean':
      return (v) => ({ BOOL: readBoolean(v) });
    case 'blob':
      return (v) => ({ B: readBlob(v).toString('base64') });
    case 'timestamp':
      return options.timestampAs === 'epochMillis'
        ? (v) => ({ N: String(readTimestampMillis(v)) })
        : (v) => ({ S: timestampIso(readTimestampMillis(v)) });
    default: {
      const text = scalarTextCodec(kind, options);
      return (v) => ({ S: text(v) });
    }
  }
}

/** Number text without DynamoDB's limits: canonical decimal text, or NaN / Infinity / -Infinity. */
export function floatingText(x: number, float32: boolean): string {
  if (x - x !== 0) return String(x);
  return formatDecimal(floatingParts(x, float32));
}

/**
 * The text form of a scalar: what its S value holds, or its N text. Numbers are written in the
 * canonical form without DynamoDB's limits (a map key or a key component is text, not a number),
 * so float NaN is `NaN`; blobs are base64; booleans `true`/`false`.
 */
export function scalarTextCodec(kind: ScalarKind, options: CodecOptions): TextCodec {
  switch (kind) {
    case 'text':
    case 'varchar':
    case 'ascii':
      return readText;
    case 'int':
    case 'smallint':
    case 'tinyint':
    case 'bigint':
    case 'counter':
    case 'varint':
      return readIntegerText;
    case 'float':
      return (v) => floatingText(readNumber(v), true);
    case 'double':
      return (v) => floatingText(readNumber(v), false);
    case 'decimal':
      return (v) => formatDecimal(readDecimalParts(v));
    case 'boolean':
      return (v) => (readBoolean(v) ? 'true' : 'false');
    case 'blob':
      return (v) => readBlob(v).toString('base64');
    case 'uuid':
    case 'timeuuid':
      return readUuidText;
    case 'timestamp':
      return options.timestampAs === 'epochMillis'
        ? (v) => String(readTimestampMillis(v))
        : (v) => timestampIso(readTimestampMillis(v));
    case 'date':
      return readDateText;
    case 'time':
      return readTimeText;
    case 'duration':
      return readDurationText;
    case 'inet':
      return readInetText;
  }
}

/**
 * Map keys arrive as strings when the client does not set `encoding: { map: Map }`: the driver
 * then builds a plain object and JavaScript turns each key into `String(key)`. This re-renders
 * such a string into the key's text form where `String()` kept the value, and fails (INVALID_VALUE)
 * where it did not: timestamp (Date's local-time text drops milliseconds), blob (decoded as UTF-8)
 * and tuple/UDT/collection keys. Decimal keys with a negative scale are printed wrongly by the
 * driver (`1E+1` as `1.`) and cannot be detected here. Use `encoding: { map: Map }` to be exact.
 */
export function objectMapKeyText(kind: string, options: CodecOptions): (key: string) => string {
  switch (kind) {
    case 'text':
    case 'varchar':
    case 'ascii':
    case 'uuid':
    case 'timeuuid':
    case 'boolean':
    case 'date':
    case 'inet':
      return (k) => k;
    case 'duration':
      return (k) => (k === '' ? '0s' : k);
    case 'int':
    case 'smallint':
    case 'tinyint':
    case 'bigint':
    case 'counter':
    case 'varint':
      return (k) => formatDecimal(integerTextParts(k));
    case 'decimal':
      return (k) => formatDecimal(readDecimalParts(k));
    case 'float':
      return (k) => floatingText(Number(k), true);
    case 'double':
      return (k) => floatingText(Number(k), false);
    case 'time':
      return (k) => readTimeText(k);
    default:
      return () => {
        throw conversionFailure(
          ConversionCode.INVALID_VALUE,
          `map<${kind}, …> read as a plain object loses its keys (String() of a ${kind}); create the cassandra-driver Client with encoding: { map: Map }`,
        );
      };
  }
}

/** Codec defaults: timestamps as ISO-8601 text. */
export const DEFAULT_CODEC_OPTIONS: CodecOptions = Object.freeze({ timestampAs: 'iso' });
