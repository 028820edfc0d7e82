/**
 * cassandra-driver 4.10 type metadata → CqlType.
 *
 * The driver describes a type as `{ code, info, options: { frozen, reversed } }` (codes in
 * `types.dataTypes`). Shapes seen in 4.10:
 * - schema metadata (`client.metadata.getTable()` → `columns[i].type`, parsed from CQL names):
 *   duration is `{ code: custom(0), info: 'org.apache.cassandra.db.marshal.DurationType' }`;
 *   `vector<float, 3>` is `{ code: 0, customTypeName: 'vector', info: [{ code: float }, 3] }`;
 *   a UDT is `{ code: udt, info: { keyspace, name, fields: [{ name, type }] } }`;
 * - result/prepared metadata (protocol): duration is `{ code: 0x15 }` (protocol v5) or custom with
 *   the DurationType class name; a vector is custom with
 *   `info: 'org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)'`;
 * - old schema tables (Cassandra 2.x) use Java class names, parsed by the driver the same way.
 * All of these are handled. Other custom types become `{ kind: 'custom', className }`.
 */
import type { CqlType, ScalarKind, UdtField } from './cql-type.js';

/** The driver's type description (`DataTypeInfo` in its typings, plus the vector form). */
export interface DriverDataTypeInfo {
  readonly code: number;
  readonly info?: unknown;
  readonly options?: { readonly frozen?: boolean; readonly reversed?: boolean } | null;
  readonly customTypeName?: string;
}

const BY_CODE: Readonly<Record<number, ScalarKind>> = Object.freeze({
  0x01: 'ascii', 0x02: 'bigint', 0x03: 'blob', 0x04: 'boolean', 0x05: 'counter', 0x06: 'decimal', 0x07: 'double',
  0x08: 'float', 0x09: 'int', 0x0a: 'text', 0x0b: 'timestamp', 0x0c: 'uuid', 0x0d: 'varchar', 0x0e: 'varint',
  0x0f: 'timeuuid', 0x10: 'inet', 0x11: 'date', 0x12: 'time', 0x13: 'smallint', 0x14: 'tinyint', 0x15: 'duration',
});

const CODE_LIST = 0x20;
const CODE_MAP = 0x21;
const CODE_SET = 0x22;
const CODE_UDT = 0x30;
const CODE_TUPLE = 0x31;

const M = 'org.apache.cassandra.db.marshal.';

const BY_CLASS: Readonly<Record<string, ScalarKind>> = Object.freeze({
  [`${M}UTF8Type`]: 'text', [`${M}AsciiType`]: 'ascii', [`${M}UUIDType`]: 'uuid', [`${M}TimeUUIDType`]: 'timeuuid',
  [`${M}Int32Type`]: 'int', [`${M}BytesType`]: 'blob', [`${M}FloatType`]: 'float', [`${M}DoubleType`]: 'double',
  [`${M}BooleanType`]: 'boolean', [`${M}InetAddressType`]: 'inet', [`${M}SimpleDateType`]: 'date',
  [`${M}TimeType`]: 'time', [`${M}ShortType`]: 'smallint', [`${M}ByteType`]: 'tinyint', [`${M}DateType`]: 'timestamp',
  [`${M}TimestampType`]: 'timestamp', [`${M}LongType`]: 'bigint', [`${M}DecimalType`]: 'decimal',
  [`${M}IntegerType`]: 'varint', [`${M}CounterColumnType`]: 'counter', [`${M}DurationType`]: 'duration',
});

function fail(what: string, info: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(info, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'domain' in v ? undefined : v));
  } catch {
    shown = String(info);
  }
  throw new TypeError(`unsupported driver type metadata (${what}): ${shown}`);
}

function isFrozen(t: DriverDataTypeInfo): boolean {
  return t.options?.frozen === true;
}

/** Converts a driver type description to a CqlType. Throws TypeError on shapes it cannot read. */
export function fromDriverType(t: DriverDataTypeInfo): CqlType {
  if (typeof t !== 'object' || t === null || typeof t.code !== 'number') fail('not a type', t);
  const scalar = BY_CODE[t.code];
  if (scalar !== undefined) return { kind: scalar };
  switch (t.code) {
    case 0x00:
      return fromCustom(t);
    case CODE_LIST:
    case CODE_SET: {
      const element = fromDriverType(t.info as DriverDataTypeInfo);
      const kind = t.code === CODE_LIST ? 'list' : 'set';
      return isFrozen(t) ? { kind, element, frozen: true } : { kind, element };
    }
    case CODE_MAP: {
      const info = t.info;
      if (!Array.isArray(info) || info.length !== 2) fail('map', t);
      const key = fromDriverType(info[0] as DriverDataTypeInfo);
      const value = fromDriverType(info[1] as DriverDataTypeInfo);
      return isFrozen(t) ? { kind: 'map', key, value, frozen: true } : { kind: 'map', key, value };
    }
    case CODE_TUPLE: {
      const info = t.info;
      if (!Array.isArray(info) || info.length === 0) fail('tuple', t);
      return { kind: 'tuple', elements: info.map((e) => fromDriverType(e as DriverDataTypeInfo)) };
    }
    case CODE_UDT: {
      const info = t.info as { keyspace?: unknown; name?: unknown; fields?: unknown } | null;
      if (info === null || typeof info !== 'object' || typeof info.name !== 'string' || !Array.isArray(info.fields)) fail('udt', t);
      const fields: UdtField[] = (info.fields as { name: string; type: DriverDataTypeInfo }[]).map((f) => ({
        name: f.name,
        type: fromDriverType(f.type),
      }));
      const keyspace = typeof info.keyspace === 'string' ? info.keyspace : '';
      const udt = { kind: 'udt' as const, keyspace, name: info.name, fields };
      return isFrozen(t) ? { ...udt, frozen: true } : udt;
    }
    default:
      return fail(`code ${t.code}`, t);
  }
}

function fromCustom(t: DriverDataTypeInfo): CqlType {
  if (t.customTypeName === 'vector') {
    const info = t.info;
    if (!Array.isArray(info) || info.length !== 2 || typeof info[1] !== 'number') fail('vector', t);
    const sub = info[0];
    const element = typeof sub === 'string' ? parseJavaType(sub) : fromDriverType(sub as DriverDataTypeInfo);
    return { kind: 'vector', element, dimension: info[1] };
  }
  if (typeof t.info === 'string') return parseJavaType(t.info);
  return fail('custom', t);
}

/**
 * Parses a Java marshal class name such as
 * `org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType,3)`.
 */
export function parseJavaType(name: string): CqlType {
  const s = name.trim();
  const open = s.indexOf('(');
  const head = open < 0 ? s : s.slice(0, open);
  const scalar = BY_CLASS[head];
  if (open < 0) return scalar !== undefined ? { kind: scalar } : { kind: 'custom', className: s };
  if (!s.endsWith(')')) return { kind: 'custom', className: s };
  const args = splitArgs(s.slice(open + 1, -1));
  const arg = (i: number): string => args[i] ?? fail('class arguments', s);
  switch (head) {
    case `${M}FrozenType`: {
      const inner = parseJavaType(arg(0));
      return inner.kind === 'list' || inner.kind === 'set' || inner.kind === 'map' || inner.kind === 'udt' ? { ...inner, frozen: true } : inner;
    }
    case `${M}ReversedType`:
      return parseJavaType(arg(0));
    case `${M}ListType`:
      return { kind: 'list', element: parseJavaType(arg(0)) };
    case `${M}SetType`:
      return { kind: 'set', element: parseJavaType(arg(0)) };
    case `${M}MapType`:
      return { kind: 'map', key: parseJavaType(arg(0)), value: parseJavaType(arg(1)) };
    case `${M}TupleType`:
      return { kind: 'tuple', elements: args.map(parseJavaType) };
    case `${M}VectorType`: {
      const dimension = Number(arg(1).trim());
      if (!Number.isInteger(dimension) || dimension < 1) fail('vector dimension', s);
      return { kind: 'vector', element: parseJavaType(arg(0)), dimension };
    }
    case `${M}UserType`: {
      // UserType(keyspace,hex(name),hex(field1):type1,...)
      const fields: UdtField[] = args.slice(2).map((a) => {
        const colon = a.indexOf(':');
        return { name: Buffer.from(a.slice(0, colon).trim(), 'hex').toString('utf8'), type: parseJavaType(a.slice(colon + 1)) };
      });
      return { kind: 'udt', keyspace: arg(0).trim(), name: Buffer.from(arg(1).trim(), 'hex').toString('utf8'), fields };
    }
    default:
      return { kind: 'custom', className: s };
  }
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}
