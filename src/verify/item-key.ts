/**
 * From a DynamoDB item back to the Cassandra primary key of the row it came from
 * (`verify --check-extra`: scan the target, look each item's source row up).
 *
 *   item ─ key attributes ─▶ decode (native S/N/B value, or decodeCompositeKey)
 *        ─▶ driver values (key-values.ts) ─▶ re-encode with the mapping's own key builder
 *        ─▶ must equal the item's key attributes (by DynamoDB value) ─▶ { values, keyText }
 *
 * The re-encoding check makes the decoding trustworthy whatever the text held: an item whose
 * key the mapping would not have written for any row (a foreign item, a non-canonical uuid,
 * a timeuuid that is not version 1, …) is `{ ok: false }`: an extra item by definition.
 *
 * `keyText` is the same text for a row and for the item made from it (`keyTextOfRow`), so the
 * two sides can be matched in a map: the key columns' text forms as a JSON object in key order,
 * e.g. `{"tenant_id":"acme","day":"2024-01-02","ts":"2024-01-02T03:04:05.678Z","seq":"7"}`.
 *
 * Limits: DynamoDB keeps values, not these distinctions, so the decoded key may differ from the
 * stored one and a lookup may miss an existing row. Such results say `exact: false`; a miss is
 * then no proof that the item is extra (do not delete it):
 * - decimal in a partition key column (also inside a frozen value): the scale is lost (1.50
 *   reads back as 1.5, given the smallest non-negative scale), and Cassandra places a
 *   partition by the bytes of its key. Clustering columns compare decimals by value: exact.
 * - float/double -0.0 in a single-column (native) key is written as 0; inside a frozen
 *   value in any key, too. The composite encoding keeps -0.0 apart: exact.
 */
import type { AttributeValue, Item } from '../mapping/attribute-value.js';
import { compileTextCodec } from '../mapping/codecs.js';
import { decodeCompositeKey, type KeyComponentSpec } from '../mapping/key-encoding.js';
import { compileKeys, type KeySchema, type KeySlot } from '../mapping/keys.js';
import { type MappingOptions, resolveMappingOptions } from '../mapping/options.js';
import type { SourceRow } from '../mapping/row-converter.js';
import type { CqlType } from '../mapping/cql-type.js';
import type { ColumnSpec, TableSpec } from '../mapping/table-spec.js';
import { valueEqual } from '../compare/items.js';
import { driverValueFromNumber, driverValueFromPlain, driverValueFromText } from './key-values.js';

export type ItemKeyDecoding =
  | {
    readonly ok: true;
    /** Driver-bindable values: partition key columns, then clustering columns, in key order. */
    readonly values: unknown[];
    readonly keyText: string;
    /** False when the stored key may differ from `values` (see the module comment): a missed lookup proves nothing. */
    readonly exact: boolean;
  }
  | { readonly ok: false; readonly reason: string };

export interface ItemKeyDecoder {
  (item: Item): ItemKeyDecoding;
  readonly keySchema: KeySchema;
  /** The key columns, in the order of `values`. */
  readonly columns: readonly string[];
  /** Key columns whose decoded value may not be the stored one (decimal partition keys, …); empty for most tables. */
  readonly lossyColumns: readonly string[];
  /**
   * The keyText of a source row: equal to the decoded keyText of the item the row became.
   * Undefined when a key column is null or unreadable (such a row is a dead letter).
   */
  keyTextOfRow(row: SourceRow): string | undefined;
}

interface KeyPart {
  readonly slot: KeySlot;
  /** The key attribute's value → values of slot.columns. Throws on anything undecodable. */
  readonly decode: (av: AttributeValue) => unknown[];
}

const OBJECT_PROTOTYPE: unknown = Object.prototype;

function ownAttribute(item: Item, name: string): AttributeValue | undefined {
  const v: unknown = (item as Record<string, unknown>)[name];
  return typeof v === 'object' && v !== null && v !== OBJECT_PROTOTYPE ? (v as AttributeValue) : undefined;
}

function messageOf(e: unknown): string {
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}

function stringOf(av: AttributeValue, letter: 'S' | 'N' | 'B'): string {
  const v = (av as unknown as Record<string, unknown>)[letter];
  if (typeof v !== 'string') throw new TypeError(`expected type ${letter}, found ${Object.keys(av).join('/') || 'nothing'}`);
  return v;
}

function keyPart(slot: KeySlot, specs: readonly (ColumnSpec & { order?: 'ASC' | 'DESC' })[], options: MappingOptions): KeyPart {
  if (slot.encoding === 'native') {
    const type = (specs[0] as ColumnSpec).type;
    switch (slot.type) {
      case 'S': return { slot, decode: (av) => [driverValueFromText(type, stringOf(av, 'S'))] };
      case 'N': return { slot, decode: (av) => [driverValueFromNumber(type, stringOf(av, 'N'))] };
      case 'B': return { slot, decode: (av) => [Buffer.from(stringOf(av, 'B'), 'base64')] };
    }
  }
  const components: KeyComponentSpec[] = specs.map((c) => ({ name: c.name, type: c.type, order: c.order ?? 'ASC' }));
  const codecOptions = { timestampAs: options.timestampAs };
  return {
    slot,
    decode: (av) => {
      const plain = decodeCompositeKey(stringOf(av, 'S'), components, codecOptions);
      return plain.map((p, i) => driverValueFromPlain((components[i] as KeyComponentSpec).type, p));
    },
  };
}

/** How a key column's value survives the round trip: always exactly, not when it is zero (-0.0), or never surely. */
type Lossiness = 'exact' | 'zero' | 'always';

function containsKind(type: CqlType, kinds: ReadonlySet<string>): boolean {
  if (kinds.has(type.kind)) return true;
  switch (type.kind) {
    case 'list': case 'set': case 'vector': return containsKind(type.element, kinds);
    case 'map': return containsKind(type.key, kinds) || containsKind(type.value, kinds);
    case 'tuple': return type.elements.some((e) => containsKind(e, kinds));
    case 'udt': return type.fields.some((f) => containsKind(f.type, kinds));
    default: return false;
  }
}

const DECIMAL: ReadonlySet<string> = new Set(['decimal']);
const FLOATING: ReadonlySet<string> = new Set(['float', 'double']);

function lossiness(type: CqlType, partition: boolean, native: boolean): Lossiness {
  if (partition && containsKind(type, DECIMAL)) return 'always';
  if (type.kind === 'float' || type.kind === 'double') return native ? 'zero' : 'exact';
  return containsKind(type, FLOATING) ? 'always' : 'exact';
}

/** Compiles the item → source key decoder of a table. Throws TypeError for a table without a partition key. */
export function compileItemKeyDecoder(table: TableSpec, options: Partial<MappingOptions> = {}): ItemKeyDecoder {
  const opts = resolveMappingOptions(options);
  const keys = compileKeys(table, opts);
  const specOf = new Map<string, ColumnSpec & { order?: 'ASC' | 'DESC' }>();
  for (const c of [...table.partitionKeys, ...table.clusteringKeys]) specOf.set(c.name, c);
  const partOf = (slot: KeySlot): KeyPart => keyPart(slot, slot.columns.map((c) => specOf.get(c) as ColumnSpec), opts);
  const parts: KeyPart[] = keys.range === null ? [partOf(keys.hash)] : [partOf(keys.hash), partOf(keys.range)];
  const columns = parts.flatMap((p) => p.slot.columns);
  const partitionColumns = new Set(table.partitionKeys.map((c) => c.name));
  const lossy = parts.flatMap((p) => p.slot.columns.map((c) => ({
    index: columns.indexOf(c),
    column: c,
    how: lossiness((specOf.get(c) as ColumnSpec).type, partitionColumns.has(c), p.slot.encoding === 'native'),
  }))).filter((l) => l.how !== 'exact');
  const exactValues = (values: readonly unknown[]): boolean => {
    for (const l of lossy) if (l.how === 'always' || values[l.index] === 0) return false;
    return true;
  };
  // Key text: ISO timestamps whatever the mapping writes, so one text per value.
  const texts = columns.map((c) => ({ column: c, prefix: JSON.stringify(c), text: compileTextCodec((specOf.get(c) as ColumnSpec).type, { timestampAs: 'iso' }) }));

  const keyTextOf = (row: SourceRow): string => {
    let out = '{';
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i] as (typeof texts)[number];
      const v = row[t.column];
      if (v === null || v === undefined) throw new TypeError(`key column ${t.column} is null`);
      out += `${i === 0 ? '' : ','}${t.prefix}:${JSON.stringify(t.text(v))}`;
    }
    return `${out}}`;
  };

  const decode = (item: Item): ItemKeyDecoding => {
    const row: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const values: unknown[] = [];
    for (const part of parts) {
      const name = part.slot.name;
      const av = ownAttribute(item, name);
      if (av === undefined) return { ok: false, reason: `key attribute ${JSON.stringify(name)} is missing` };
      let decoded: unknown[];
      try {
        decoded = part.decode(av);
      } catch (e) {
        return { ok: false, reason: `key attribute ${JSON.stringify(name)} cannot be decoded: ${messageOf(e)}` };
      }
      part.slot.columns.forEach((c, i) => {
        row[c] = decoded[i];
      });
      values.push(...decoded);
    }
    try {
      for (const part of parts) {
        const rebuilt = part.slot.build(row);
        if (!valueEqual(rebuilt, ownAttribute(item, part.slot.name) as AttributeValue)) {
          return { ok: false, reason: `key attribute ${JSON.stringify(part.slot.name)} is not what this mapping writes for the key it decodes to (${JSON.stringify(rebuilt)})` };
        }
      }
      return { ok: true, values, keyText: keyTextOf(row), exact: exactValues(values) };
    } catch (e) {
      return { ok: false, reason: `the decoded key is not a valid key: ${messageOf(e)}` };
    }
  };

  const keyTextOfRow = (row: SourceRow): string | undefined => {
    try {
      return keyTextOf(row);
    } catch {
      return undefined;
    }
  };
  return Object.assign(decode, { keySchema: keys.schema, columns, lossyColumns: lossy.map((l) => l.column), keyTextOfRow });
}
