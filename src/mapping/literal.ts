/**
 * CQL literal text of any value (`[1, 2]`, `{'a': 1}`, `(1, 'x', null)`, `{street: 'Main'}`).
 * Used where a complex value must become one string: a frozen collection/tuple/UDT key column
 * (single-column key, or a composite key component) and tuple/UDT/collection map keys. The
 * text is injective: different values give different text (strings are quoted with '' escaping,
 * blobs are 0x-hex, UDT field names are CQL identifiers).
 */
import type { CqlType } from './cql-type.js';
import { invalidValue } from './failure.js';
import { readBlob, readDateText, readInetText, readTimeText, readTimestampMillis, timestampIso, readText } from './driver-values.js';
import { type CodecOptions, objectMapKeyText, scalarTextCodec, type TextCodec } from './scalars.js';
import { iterateElements, iterateMapEntries, tupleElements } from './collection-values.js';

const QUOTED_KINDS: ReadonlySet<string> = new Set(['text', 'varchar', 'ascii', 'timestamp', 'date', 'time', 'inet']);

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function identifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Compiles `(value) => CQL literal text`; null elements print as `null`. */
export function compileLiteral(type: CqlType, options: CodecOptions): TextCodec {
  switch (type.kind) {
    case 'text':
    case 'varchar':
    case 'ascii':
      return (v) => quote(readText(v));
    case 'timestamp':
      return (v) => quote(timestampIso(readTimestampMillis(v)));
    case 'date':
      return (v) => quote(readDateText(v));
    case 'time':
      return (v) => quote(readTimeText(v));
    case 'inet':
      return (v) => quote(readInetText(v));
    case 'blob':
      return (v) => `0x${readBlob(v).toString('hex')}`;
    case 'custom':
      return (v) => `0x${readBlob(v).toString('hex')}`;
    case 'list':
    case 'vector': {
      const el = nullable(compileLiteral(type.element, options));
      return (v) => `[${iterateElements(v).map(el).join(', ')}]`;
    }
    case 'set': {
      const el = nullable(compileLiteral(type.element, options));
      return (v) => `{${iterateElements(v).map(el).join(', ')}}`;
    }
    case 'map': {
      const k = nullable(compileLiteral(type.key, options));
      // Plain-object maps (the driver's default) have String(key) keys: re-read them as text.
      const keyText = objectMapKeyText(type.key.kind, options);
      const quoted = QUOTED_KINDS.has(type.key.kind);
      const fromString = (s: string): string => (quoted ? quote(keyText(s)) : keyText(s));
      const val = nullable(compileLiteral(type.value, options));
      return (v) => {
        const plain = !(v instanceof Map);
        return `{${iterateMapEntries(v).map(([key, value]) => `${plain ? fromString(key as string) : k(key)}: ${val(value)}`).join(', ')}}`;
      };
    }
    case 'tuple': {
      const els = type.elements.map((t) => nullable(compileLiteral(t, options)));
      return (v) => {
        const values = tupleElements(v);
        return `(${els.map((f, i) => f(values[i])).join(', ')})`;
      };
    }
    case 'udt': {
      const fields = type.fields.map((f) => ({ name: f.name, label: identifier(f.name), lit: nullable(compileLiteral(f.type, options)) }));
      return (v) => {
        if (typeof v !== 'object' || v === null) throw invalidValue('a UDT object', v);
        const o = v as Record<string, unknown>;
        return `{${fields.map((f) => `${f.label}: ${f.lit(o[f.name])}`).join(', ')}}`;
      };
    }
    default:
      return scalarTextCodec(type.kind, options);
  }
}

function nullable(f: TextCodec): TextCodec {
  return (v) => (v === null || v === undefined ? 'null' : f(v));
}
