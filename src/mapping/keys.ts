/**
 * Keys: the partition key becomes the HASH key, the clustering columns the RANGE key.
 * - One column keeps its own (attribute) name and a key-legal type: text → S, integers,
 *   decimal, float, double → N (DynamoDB's number limits apply), blob → B, uuid/timeuuid → S
 *   lower-case, timestamp → S ISO (N with timestampAs epochMillis), date → S `YYYY-MM-DD`,
 *   boolean → S `true`/`false`, time, inet, duration → S text, frozen collections/tuples/UDTs →
 *   S CQL literal. An empty S or B is EMPTY_KEY_VALUE (DynamoDB rejects empty keys).
 *   With `singleRangeKey: 'ordered'` a single clustering column uses the composite encoding,
 *   in an attribute named `<column>#ordered` (the column keeps its plain attribute); when
 *   `rangeKeyName` is set to the column's own attribute name, the key replaces it instead.
 * - Several columns are one S attribute in the order-preserving composite encoding
 *   (key-encoding.ts), named after the columns joined with '#' unless overridden.
 * - A null key column (e.g. the clustering columns of a static-only row) is EMPTY_KEY_VALUE.
 * - Size: a partition key value is at most 2048 bytes, a sort key value 1024 (KEY_TOO_LARGE).
 */
import type { AttributeValue, KeyAttributeType } from './attribute-value.js';
import { type CqlType, isNumericKind, isTextKind } from './cql-type.js';
import { ConversionCode, conversionFailure } from './failure.js';
import { base64Bytes, utf8Bytes } from './item-size.js';
import { compileCompositeKeyEncoder, compileKeyComponentEncoder } from './key-encoding.js';
import { compileLiteral } from './literal.js';
import type { MappingOptions } from './options.js';
import { type CodecOptions, scalarTextCodec, scalarValueCodec, type ValueCodec } from './scalars.js';
import type { ClusteringColumnSpec, ColumnSpec, TableSpec } from './table-spec.js';

export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

export interface KeyAttributeSchema {
  readonly name: string;
  readonly type: KeyAttributeType;
  /** The Cassandra columns it is made of, in key order. */
  readonly columns: readonly string[];
  /** `native`: one column in its own key-legal type; `composite`: the order-preserving S encoding. */
  readonly encoding: 'native' | 'composite';
}

export interface KeySchema {
  readonly hashKey: KeyAttributeSchema;
  readonly rangeKey: KeyAttributeSchema | null;
}

/** A key attribute builder: reads the row, returns the key value or throws a ConversionFailure. */
export interface KeySlot extends KeyAttributeSchema {
  build(row: Readonly<Record<string, unknown>>): AttributeValue;
}

export interface CompiledKey {
  readonly schema: KeySchema;
  readonly hash: KeySlot;
  readonly range: KeySlot | null;
}

export function attributeName(column: string, options: Pick<MappingOptions, 'rename'>): string {
  return Object.prototype.hasOwnProperty.call(options.rename, column) ? (options.rename[column] as string) : column;
}

/** The key-legal type and value of a single-column key. */
export function nativeKeyCodec(type: CqlType, options: CodecOptions): { type: KeyAttributeType; codec: ValueCodec } {
  const kind = type.kind;
  if (isTextKind(kind) || kind === 'uuid' || kind === 'timeuuid' || kind === 'date' || kind === 'time' || kind === 'inet' || kind === 'duration' || kind === 'boolean') {
    const text = scalarTextCodec(kind, options);
    return { type: 'S', codec: (v) => ({ S: text(v) }) };
  }
  if (isNumericKind(kind)) return { type: 'N', codec: scalarValueCodec(kind, options) };
  if (kind === 'blob') return { type: 'B', codec: scalarValueCodec(kind, options) };
  if (kind === 'timestamp') return { type: options.timestampAs === 'epochMillis' ? 'N' : 'S', codec: scalarValueCodec(kind, options) };
  const literal = compileLiteral(type, options);
  return { type: 'S', codec: (v) => ({ S: literal(v) }) };
}

function emptyKey(column: string): never {
  throw conversionFailure(ConversionCode.EMPTY_KEY_VALUE, `key column ${column} is empty; DynamoDB key attributes cannot be empty`);
}

function checkSize(av: AttributeValue, max: number, what: string): AttributeValue {
  const size = 'S' in av ? utf8Bytes(av.S) : 'B' in av ? base64Bytes(av.B) : 0;
  if (size > max) {
    throw conversionFailure(ConversionCode.KEY_TOO_LARGE, `${what} value is ${size} bytes; DynamoDB allows at most ${max}`);
  }
  return av;
}

function nativeSlot(col: ColumnSpec, name: string, max: number, what: string, options: CodecOptions): KeySlot {
  const { type, codec } = nativeKeyCodec(col.type, options);
  const column = col.name;
  return {
    name, type, columns: [column], encoding: 'native',
    build(row) {
      const v = row[column];
      if (v === null || v === undefined) {
        throw conversionFailure(ConversionCode.EMPTY_KEY_VALUE, `key column ${column} is null`);
      }
      const av = codec(v);
      if (('S' in av && av.S === '') || ('B' in av && av.B === '')) emptyKey(column);
      return checkSize(av, max, what);
    },
  };
}

function compositeSlot(cols: readonly (ColumnSpec & { order?: 'ASC' | 'DESC' })[], name: string, max: number, what: string, options: CodecOptions): KeySlot {
  const columns = cols.map((c) => c.name);
  if (cols.length === 1) {
    const c = cols[0] as ColumnSpec & { order?: 'ASC' | 'DESC' };
    const enc = compileKeyComponentEncoder({ name: c.name, type: c.type, order: c.order ?? 'ASC' }, options);
    return {
      name, type: 'S', columns, encoding: 'composite',
      build(row) {
        const s = enc(row[c.name]);
        if (s === '') emptyKey(c.name);
        return checkSize({ S: s }, max, what);
      },
    };
  }
  const enc = compileCompositeKeyEncoder(cols.map((c) => ({ name: c.name, type: c.type, order: c.order ?? 'ASC' })), options);
  return {
    name, type: 'S', columns, encoding: 'composite',
    build(row) {
      const values = new Array<unknown>(columns.length);
      for (let i = 0; i < columns.length; i++) values[i] = row[columns[i] as string];
      return checkSize({ S: enc(values) }, max, what);
    },
  };
}

/** Compiles the key attributes of a table. Throws TypeError on a table without a partition key. */
export function compileKeys(table: TableSpec, options: MappingOptions): CompiledKey {
  const codecOptions: CodecOptions = { timestampAs: options.timestampAs };
  const pk = table.partitionKeys;
  if (pk.length === 0) throw new TypeError('the table has no partition key');
  const joined = (cols: readonly ColumnSpec[]): string => cols.map((c) => attributeName(c.name, options)).join('#');
  const hashName = options.hashKeyName ?? joined(pk);
  const hash = pk.length === 1
    ? nativeSlot(pk[0] as ColumnSpec, hashName, MAX_PARTITION_KEY_BYTES, 'partition key', codecOptions)
    : compositeSlot(pk, hashName, MAX_PARTITION_KEY_BYTES, 'partition key', codecOptions);
  const ck: readonly ClusteringColumnSpec[] = table.clusteringKeys;
  let range: KeySlot | null = null;
  if (ck.length > 0) {
    const single = ck.length === 1;
    // An ordered single column cannot share its attribute name with the plain column value.
    const rangeName = options.rangeKeyName ?? (single && options.singleRangeKey === 'ordered' ? `${joined(ck)}#ordered` : joined(ck));
    range = single && options.singleRangeKey === 'native'
      ? nativeSlot(ck[0] as ColumnSpec, rangeName, MAX_SORT_KEY_BYTES, 'sort key', codecOptions)
      : compositeSlot(ck, rangeName, MAX_SORT_KEY_BYTES, 'sort key', codecOptions);
  }
  const strip = (s: KeySlot): KeyAttributeSchema => ({ name: s.name, type: s.type, columns: s.columns, encoding: s.encoding });
  return { schema: { hashKey: strip(hash), rangeKey: range === null ? null : strip(range) }, hash, range };
}

/** The DynamoDB key schema (attribute names and types) the mapping produces for a table. */
export function describeKeySchema(table: TableSpec, options: MappingOptions): KeySchema {
  return compileKeys(table, options).schema;
}

/** Compiles `(row) → the key attributes only` (for verify / monitor lookups). Throws a ConversionFailure. */
export function compileKeyBuilder(table: TableSpec, options: MappingOptions): (row: Readonly<Record<string, unknown>>) => Record<string, AttributeValue> {
  const { hash, range } = compileKeys(table, options);
  // Computed keys in a literal define own properties, even for the name `__proto__`.
  if (range === null) return (row) => ({ [hash.name]: hash.build(row) });
  return (row) => ({ [hash.name]: hash.build(row), [range.name]: range.build(row) });
}
