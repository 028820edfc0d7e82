/**
 * Column codecs: CQL value (as cassandra-driver 4.10 decodes it) → DynamoDB AttributeValue.
 *
 * `compileColumnCodec(type, options)` is called once per column; it returns a closure specialised
 * for the type (collections compose the closures of their element types), so converting a value
 * never switches on the type kind. The closure returns `undefined` to omit the attribute (null,
 * or an empty top-level collection: Cassandra stores those as null) and throws a plain
 * ConversionFailure when the value cannot be represented (see failure.ts).
 *
 * Nested values (inside a list, set, map, tuple, UDT or vector):
 * - a null element keeps its position as `{NULL: true}` (tuple elements, map values; lists and
 *   sets cannot hold nulls in Cassandra); null UDT fields are omitted from the M;
 * - an empty nested collection (possible with frozen collections) is kept: `{L: []}` for an
 *   empty list/set/vector (DynamoDB sets cannot be empty), `{M: {}}` for an empty map.
 */
import { type AttributeValue, NULL_VALUE } from './attribute-value.js';
import { type CqlType, isIntegerKind, isNumericKind, isTextKind } from './cql-type.js';
import { ConversionCode, conversionFailure, invalidValue } from './failure.js';
import { readBlob } from './driver-values.js';
import { iterateElements, tupleElements } from './collection-values.js';
import { compileLiteral } from './literal.js';
import {
  type CodecOptions, DEFAULT_CODEC_OPTIONS, objectMapKeyText, scalarTextCodec, scalarValueCodec, type TextCodec, type ValueCodec,
} from './scalars.js';

export type { CodecOptions, TimestampAs, ValueCodec, TextCodec } from './scalars.js';

/** `undefined` means: omit the attribute. Throws a ConversionFailure. */
export type ColumnCodec = (value: unknown) => AttributeValue | undefined;

/** Compiles the codec of a column of the given type. */
export function compileColumnCodec(type: CqlType, options: Partial<CodecOptions> = {}): ColumnCodec {
  const opts: CodecOptions = { ...DEFAULT_CODEC_OPTIONS, ...options };
  const codec = compile(type, opts, true);
  return (v) => (v === null || v === undefined ? undefined : codec(v));
}

/** Compiles the codec of a nested (non-null) value: empty collections are kept, never omitted. */
export function compileValueCodec(type: CqlType, options: CodecOptions): ValueCodec {
  return compile(type, options, false) as ValueCodec;
}

/**
 * The text form of a value of any type: the scalar's text form (numbers as N text, uuids
 * lower-case, timestamps ISO or epoch ms, blobs base64) or, for tuples, UDTs and collections,
 * CQL literal text. Used for map keys.
 */
export function compileTextCodec(type: CqlType, options: CodecOptions): TextCodec {
  switch (type.kind) {
    case 'list': case 'set': case 'map': case 'tuple': case 'udt': case 'vector': case 'custom':
      return compileLiteral(type, options);
    default:
      return scalarTextCodec(type.kind, options);
  }
}

type MaybeCodec = (v: unknown) => AttributeValue | undefined;

const hasOwn = Object.prototype.hasOwnProperty;

/** `o[k] = v`, except that a key named `__proto__` becomes an own property instead of changing the prototype. */
export function setOwn(o: Record<string, AttributeValue>, k: string, v: AttributeValue): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function compile(type: CqlType, o: CodecOptions, top: boolean): MaybeCodec {
  switch (type.kind) {
    case 'list':
    case 'vector':
      return listCodec(compile(type.element, o, false) as ValueCodec, top);
    case 'set':
      return setCodec(type.element, o, top);
    case 'map':
      return mapCodec(type.key, compile(type.value, o, false) as ValueCodec, o, top);
    case 'tuple':
      return tupleCodec(type.elements.map((t) => compile(t, o, false) as ValueCodec));
    case 'udt':
      return udtCodec(type.fields.map((f) => ({ name: f.name, codec: compile(f.type, o, false) as ValueCodec })));
    case 'custom': {
      const name = type.className;
      return (v) => {
        if (Buffer.isBuffer(v)) return { B: readBlob(v).toString('base64') };
        throw conversionFailure(ConversionCode.UNSUPPORTED_TYPE, `custom type ${name} has no DynamoDB mapping (value ${typeof v})`);
      };
    }
    default:
      return scalarValueCodec(type.kind, o);
  }
}

function listCodec(el: ValueCodec, top: boolean): MaybeCodec {
  return (v) => {
    const arr = iterateElements(v);
    const n = arr.length;
    if (n === 0) return top ? undefined : { L: [] };
    const out = new Array<AttributeValue>(n);
    for (let i = 0; i < n; i++) {
      const x = arr[i];
      out[i] = x === null || x === undefined ? NULL_VALUE : el(x);
    }
    return { L: out };
  };
}

function setCodec(element: CqlType, o: CodecOptions, top: boolean): MaybeCodec {
  const kind = element.kind;
  const empty = (): AttributeValue | undefined => (top ? undefined : { L: [] });
  if (isTextKind(kind) || kind === 'uuid' || kind === 'timeuuid' || kind === 'blob') {
    // Cassandra sets hold distinct values; for these types distinct values give distinct text.
    const text = scalarTextCodec(kind, o);
    const blob = kind === 'blob';
    return (v) => {
      const arr = iterateElements(v);
      if (arr.length === 0) return empty();
      const out = arr.map(text);
      return blob ? { BS: out } : { SS: out };
    };
  }
  if (isNumericKind(kind)) {
    const num = scalarValueCodec(kind, o);
    // Integers are distinct as text; decimals (1.0 and 1.00) and floats (-0.0 and 0.0) may not be.
    const dedupe = !isIntegerKind(kind);
    return (v) => {
      const arr = iterateElements(v);
      if (arr.length === 0) return empty();
      const out = arr.map((x) => (num(x) as { N: string }).N);
      return { NS: dedupe && out.length > 1 ? Array.from(new Set(out)) : out };
    };
  }
  const el = compile(element, o, false) as ValueCodec;
  return (v) => {
    const arr = iterateElements(v);
    if (arr.length === 0) return empty();
    return { L: arr.map((x) => (x === null || x === undefined ? NULL_VALUE : el(x))) };
  };
}

function mapCodec(keyType: CqlType, value: ValueCodec, o: CodecOptions, top: boolean): MaybeCodec {
  const keyText = compileTextCodec(keyType, o);
  const objectKeyText = objectMapKeyText(keyType.kind, o);
  const textKey = isTextKind(keyType.kind);
  return (v) => {
    const m: Record<string, AttributeValue> = {};
    let n = 0;
    if (v instanceof Map) {
      for (const [k, x] of v as Map<unknown, unknown>) {
        if (k === null || k === undefined) throw invalidValue('a non-null map key', k);
        const key = keyText(k);
        // Two keys with one text form would silently lose an entry: refuse instead. (Cassandra's own
        // key equality makes this rare: 1.0 and 1.00 are one decimal key; a JS Map merges -0 and 0.)
        if (hasOwn.call(m, key)) {
          throw conversionFailure(ConversionCode.INVALID_VALUE, `two keys of the map have the same text form ${JSON.stringify(key)}`);
        }
        setOwn(m, key, x === null || x === undefined ? NULL_VALUE : value(x));
        n++;
      }
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      // The driver's default: a plain object whose keys are String(key).
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if (!hasOwn.call(o, k)) continue;
        const x = o[k];
        setOwn(m, textKey ? k : objectKeyText(k), x === null || x === undefined ? NULL_VALUE : value(x));
        n++;
      }
    } else {
      throw invalidValue('a map (Map or object)', v);
    }
    if (n === 0 && top) return undefined;
    return { M: m };
  };
}

function tupleCodec(els: ValueCodec[]): MaybeCodec {
  const n = els.length;
  return (v) => {
    const values = tupleElements(v);
    const out = new Array<AttributeValue>(n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      out[i] = x === null || x === undefined ? NULL_VALUE : (els[i] as ValueCodec)(x);
    }
    return { L: out };
  };
}

function udtCodec(fields: { name: string; codec: ValueCodec }[]): MaybeCodec {
  return (v) => {
    if (typeof v !== 'object' || v === null) throw invalidValue('a UDT object', v);
    const o = v as Record<string, unknown>;
    const m: Record<string, AttributeValue> = {};
    for (const f of fields) {
      const x = o[f.name];
      if (x !== null && x !== undefined) setOwn(m, f.name, f.codec(x));
    }
    return { M: m };
  };
}
