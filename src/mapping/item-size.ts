/**
 * DynamoDB item size, following "Item sizes and formats" in the DynamoDB Developer Guide:
 * - an item is the sum over its attributes of (UTF-8 bytes of the name) + (size of the value);
 * - String: UTF-8 bytes; Binary: raw bytes (not the base64 text);
 * - Number: about 1 byte per two significant digits + 1 byte (leading/trailing zeros trimmed);
 *   computed here as ceil(significant digits / 2) + 1 (the docs call it an approximation);
 * - Boolean and Null: 1 byte;
 * - List and Map: 3 bytes of overhead + 1 byte per element + the elements (a map element
 *   also counts the UTF-8 bytes of its key, like an attribute name);
 * - sets (SS, NS, BS): the sum of their elements' sizes (the guide gives no overhead for sets).
 * One write unit covers an item write of up to 1 KB: units = ceil(size / 1024), at least 1.
 */
import { type AttrB, type AttrBS, type AttrL, type AttrM, type AttrN, type AttrNS, type AttrS, type AttrSS, type AttributeValue, NULL_VALUE } from './attribute-value.js';
import { type CqlType, isNumericKind, isScalarType } from './cql-type.js';
import { significantDigits } from './numbers.js';

/** The largest item DynamoDB accepts: 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;

export function utf8Bytes(s: string): number {
  // Fast path for short ASCII text; Buffer.byteLength for the rest.
  const n = s.length;
  if (n < 32) {
    let i = 0;
    while (i < n && s.charCodeAt(i) < 0x80) i++;
    if (i === n) return n;
  }
  return Buffer.byteLength(s, 'utf8');
}

/** Raw byte length of base64 text (without decoding it). */
export function base64Bytes(b64: string): number {
  const n = b64.length;
  if (n === 0) return 0;
  let pad = 0;
  if (b64.charCodeAt(n - 1) === 61) pad++;
  if (n > 1 && b64.charCodeAt(n - 2) === 61) pad++;
  return (n * 3) / 4 - pad;
}

export function numberBytes(text: string): number {
  return Math.ceil(significantDigits(text) / 2) + 1;
}

/** Size of a value, without the name of the attribute holding it. */
export function attributeValueSize(av: AttributeValue): number {
  if ('S' in av) return utf8Bytes(av.S);
  if ('N' in av) return numberBytes(av.N);
  if ('B' in av) return base64Bytes(av.B);
  if ('BOOL' in av || 'NULL' in av) return 1;
  if ('L' in av) {
    let size = 3;
    const l = av.L;
    for (let i = 0; i < l.length; i++) size += 1 + attributeValueSize(l[i] as AttributeValue);
    return size;
  }
  if ('M' in av) {
    let size = 3;
    const m = av.M;
    for (const k in m) size += 1 + utf8Bytes(k) + attributeValueSize(m[k] as AttributeValue);
    return size;
  }
  let size = 0;
  if ('SS' in av) for (const s of av.SS) size += utf8Bytes(s);
  else if ('NS' in av) for (const s of av.NS) size += numberBytes(s);
  else for (const s of av.BS) size += base64Bytes(s);
  return size;
}

/** DynamoDB's size of an item (or a key): names + values. */
export function itemSizeBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let size = 0;
  for (const name in item) size += utf8Bytes(name) + attributeValueSize(item[name] as AttributeValue);
  return size;
}

/** Write units of one put of an item of this size (1 KB each, rounded up; at least 1). */
export function writeUnits(sizeBytes: number): number {
  return sizeBytes <= 1024 ? 1 : Math.ceil(sizeBytes / 1024);
}

/**
 * The size function of a column's values: the top-level DynamoDB type of a column is fixed by
 * its CQL type, so the row converter avoids the generic type tests (megamorphic `in` checks).
 */
export function compileValueSize(type: CqlType, timestampAs: 'iso' | 'epochMillis'): (av: AttributeValue) => number {
  switch (type.kind) {
    case 'text': case 'varchar': case 'ascii': case 'date': case 'time': case 'inet': case 'duration':
      return (av) => utf8Bytes((av as AttrS).S);
    case 'uuid': case 'timeuuid':
      return () => 36;
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'varint': case 'counter':
    case 'decimal': case 'float': case 'double':
      return (av) => numberBytes((av as AttrN).N);
    case 'timestamp':
      return timestampAs === 'iso' ? (av) => utf8Bytes((av as AttrS).S) : (av) => numberBytes((av as AttrN).N);
    case 'boolean':
      return () => 1;
    case 'blob':
      return (av) => base64Bytes((av as AttrB).B);
    case 'list':
    case 'vector':
      return isScalarType(type.element) ? listSize(compileValueSize(type.element, timestampAs)) : attributeValueSize;
    case 'set': {
      const k = type.element.kind;
      if (k === 'text' || k === 'varchar' || k === 'ascii') return (av) => sum((av as AttrSS).SS, utf8Bytes);
      if (k === 'uuid' || k === 'timeuuid') return (av) => 36 * (av as AttrSS).SS.length;
      if (k === 'blob') return (av) => sum((av as AttrBS).BS, base64Bytes);
      if (isNumericKind(k)) return (av) => sum((av as AttrNS).NS, numberBytes);
      return isScalarType(type.element) ? listSize(compileValueSize(type.element, timestampAs)) : attributeValueSize;
    }
    case 'map':
      return isScalarType(type.value) ? mapSize(compileValueSize(type.value, timestampAs)) : attributeValueSize;
    default:
      return attributeValueSize;
  }
}

function sum(values: readonly string[], size: (s: string) => number): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += size(values[i] as string);
  return total;
}

/** L of scalars (a null element is the shared NULL value: 1 byte). */
function listSize(el: (av: AttributeValue) => number): (av: AttributeValue) => number {
  return (av) => {
    const l = (av as AttrL).L;
    let size = 3 + l.length;
    for (let i = 0; i < l.length; i++) {
      const x = l[i] as AttributeValue;
      size += x === NULL_VALUE ? 1 : el(x);
    }
    return size;
  };
}

/** M of scalar values (a null value is the shared NULL value: 1 byte). */
function mapSize(el: (av: AttributeValue) => number): (av: AttributeValue) => number {
  return (av) => {
    const m = (av as AttrM).M;
    let size = 3;
    for (const k in m) {
      const x = m[k] as AttributeValue;
      size += 1 + utf8Bytes(k) + (x === NULL_VALUE ? 1 : el(x));
    }
    return size;
  };
}
