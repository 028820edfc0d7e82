/**
 * Conversion failures: plain data, never Error objects, so a reason can cross worker threads
 * (structured clone) and land in a dead-letter file unchanged.
 *
 * Hot-path design: a codec that cannot convert a value throws a tiny plain `ConversionFailure`
 * object made by `conversionFailure()`. Nothing is thrown on the success path, and the row
 * converter catches once per row, adding the column name to make a `ConversionReason`.
 * Throwing a plain object costs no stack capture, unlike `new Error()`.
 */

/** Stable reason codes for a row that cannot be converted (a dead letter). */
export const ConversionCode = Object.freeze({
  /** NaN or ±Infinity in a float/double (DynamoDB numbers are finite). */
  NUMBER_NOT_FINITE: 'NUMBER_NOT_FINITE',
  /** More than 38 significant decimal digits. */
  NUMBER_TOO_PRECISE: 'NUMBER_TOO_PRECISE',
  /** Magnitude outside [1E-130, 9.9999999999999999999999999999999999999E+125]. */
  NUMBER_OUT_OF_RANGE: 'NUMBER_OUT_OF_RANGE',
  /** A key attribute would be empty (empty text/blob single-column key) or a key column is null. */
  EMPTY_KEY_VALUE: 'EMPTY_KEY_VALUE',
  /** A key attribute is longer than DynamoDB allows (partition key 2048 bytes, sort key 1024 bytes). */
  KEY_TOO_LARGE: 'KEY_TOO_LARGE',
  /** The converted item is larger than 400 KB. */
  ITEM_TOO_LARGE: 'ITEM_TOO_LARGE',
  /** The column's type has no DynamoDB mapping (e.g. an unknown custom type). */
  UNSUPPORTED_TYPE: 'UNSUPPORTED_TYPE',
  /** The value is not what the column type promises, or cannot be represented (e.g. Invalid Date). */
  INVALID_VALUE: 'INVALID_VALUE',
} as const);

export type ConversionCodeName = (typeof ConversionCode)[keyof typeof ConversionCode];

/** Why a row was dead-lettered. Plain data: safe to postMessage and to JSON.stringify. */
export interface ConversionReason {
  readonly code: ConversionCodeName;
  readonly message: string;
  /** The Cassandra column (or key attribute) that failed; '' when the row as a whole failed. */
  readonly column: string;
}

/** What a codec throws. The `kind` tag tells it apart from anything else that may be thrown. */
export interface ConversionFailure {
  readonly kind: 'conversion-failure';
  readonly code: ConversionCodeName;
  readonly message: string;
}

export function conversionFailure(code: ConversionCodeName, message: string): ConversionFailure {
  return { kind: 'conversion-failure', code, message };
}

export function isConversionFailure(value: unknown): value is ConversionFailure {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'conversion-failure';
}

/** Turns anything a codec threw into a reason naming the column. Unknown throws become INVALID_VALUE. */
export function toConversionReason(thrown: unknown, column: string): ConversionReason {
  if (isConversionFailure(thrown)) return { code: thrown.code, message: thrown.message, column };
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return { code: ConversionCode.INVALID_VALUE, message: `unexpected value: ${message}`, column };
}

/** A short, bounded description of a value for messages (never the whole value: rows can be big). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  const t = typeof value;
  if (t === 'string') {
    const s = value as string;
    return s.length > 40 ? `string(${s.length})` : JSON.stringify(s);
  }
  if (t === 'number' || t === 'boolean' || t === 'bigint' || t === 'undefined') return String(value);
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : t;
}

export function invalidValue(expected: string, value: unknown): ConversionFailure {
  return conversionFailure(ConversionCode.INVALID_VALUE, `expected ${expected}, got ${describeValue(value)}`);
}
