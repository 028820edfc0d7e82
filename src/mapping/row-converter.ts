/**
 * Row converter: one Cassandra row (a driver Row or a plain object keyed by column name) → one
 * DynamoDB item in the wire format, with its size and write units, or a dead-letter reason.
 *
 * Compiled once per table: a flat list of slots (key attributes first, then the columns in
 * table order), each with its attribute name, the UTF-8 size of that name and a specialised
 * codec. Converting a row is one loop over the slots inside one try/catch; a codec failure
 * becomes `{ ok: false, reason: { code, message, column } }` (plain data).
 */
import type { AttributeValue } from './attribute-value.js';
import { compileColumnCodec, type ColumnCodec, setOwn } from './codecs.js';
import { ConversionCode, type ConversionReason, toConversionReason } from './failure.js';
import type { AttrB, AttrN, AttrS } from './attribute-value.js';
import { base64Bytes, compileValueSize, numberBytes, utf8Bytes, writeUnits } from './item-size.js';
import { attributeName, compileKeys, type KeySchema } from './keys.js';
import { type MappingOptions, resolveMappingOptions } from './options.js';
import type { ColumnSpec, TableSpec } from './table-spec.js';
import { compileTtl, compileWritetime, metadataColumns } from './row-metadata.js';

export interface ConvertedItem {
  readonly ok: true;
  readonly item: Record<string, AttributeValue>;
  /** DynamoDB item size in bytes (item-size.ts). */
  readonly sizeBytes: number;
  /** Write units of one put of the item. */
  readonly wcu: number;
}

export interface RejectedRow {
  readonly ok: false;
  readonly reason: ConversionReason;
}

export type RowConversion = ConvertedItem | RejectedRow;

/** A driver Row (its columns are own properties) or a plain object. */
export type SourceRow = Readonly<Record<string, unknown>>;

export interface RowConverter {
  (row: SourceRow): RowConversion;
  readonly keySchema: KeySchema;
  /** Attribute name of each written column (keys excluded), in write order. */
  readonly attributes: readonly { readonly column: string; readonly attribute: string }[];
  readonly options: MappingOptions;
}

interface Slot {
  readonly attr: string;
  readonly nameBytes: number;
  /** For reasons: the column (or key columns). */
  readonly label: string;
  readonly get: (row: SourceRow) => AttributeValue | undefined;
  readonly size: (av: AttributeValue) => number;
}

/** Problems with a mapping (unknown columns, clashing names); empty when it is fine. */
export function validateMapping(table: TableSpec, options: Partial<MappingOptions> = {}): string[] {
  const opts = resolveMappingOptions(options);
  const problems: string[] = [];
  const known = new Set([...table.partitionKeys, ...table.clusteringKeys, ...table.columns].map((c) => c.name));
  const check = (what: string, names: readonly string[]): void => {
    for (const n of names) if (!known.has(n)) problems.push(`${what} names unknown column ${JSON.stringify(n)}`);
  };
  check('include', opts.include ?? []);
  check('exclude', opts.exclude);
  check('rename', Object.keys(opts.rename));
  check('columns.types', Object.keys(opts.columnTimestampAs));
  const keyNames = new Set([...table.partitionKeys, ...table.clusteringKeys].map((c) => c.name));
  for (const [name] of Object.entries(opts.columnTimestampAs)) {
    const col = allColumns(table).find((c) => c.name === name);
    if (col === undefined) continue;
    if (col.type.kind !== 'timestamp') problems.push(`columns.types names ${JSON.stringify(name)}, which is ${col.type.kind}, not timestamp`);
    else if (keyNames.has(name)) problems.push(`columns.types names key column ${JSON.stringify(name)}; set \`timestamps\` for the whole table instead`);
  }
  if ((opts.ttlAttribute !== null || opts.writetimeAttribute !== null) && metadataColumns(table, opts).length === 0) {
    problems.push('ttl/writetime: the table has no regular column whose TTL or WRITETIME Cassandra can report');
  }
  if (!(opts.maxItemBytes > 0)) problems.push('maxItemBytes must be positive');
  if (problems.length > 0) return problems;
  try {
    plan(table, opts);
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  }
  return problems;
}

function keySize(type: 'S' | 'N' | 'B'): (av: AttributeValue) => number {
  if (type === 'S') return (av) => utf8Bytes((av as AttrS).S);
  if (type === 'N') return (av) => numberBytes((av as AttrN).N);
  return (av) => base64Bytes((av as AttrB).B);
}

function allColumns(table: TableSpec): ColumnSpec[] {
  const seen = new Set<string>();
  const out: ColumnSpec[] = [];
  for (const c of [...table.partitionKeys, ...table.clusteringKeys, ...table.columns]) {
    if (!seen.has(c.name)) {
      seen.add(c.name);
      out.push(c);
    }
  }
  return out;
}

function plan(table: TableSpec, opts: MappingOptions): { slots: Slot[]; keySchema: KeySchema; attributes: { column: string; attribute: string }[] } {
  const keys = compileKeys(table, opts);
  const slots: Slot[] = [];
  const used = new Map<string, string>();
  const claim = (attr: string, owner: string): void => {
    const prev = used.get(attr);
    if (prev !== undefined) throw new TypeError(`attribute name ${JSON.stringify(attr)} is used by both ${prev} and ${owner}`);
    if (attr === '') throw new TypeError(`${owner} has an empty attribute name`);
    used.set(attr, owner);
  };
  const keySlots = keys.range === null ? [keys.hash] : [keys.hash, keys.range];
  const keyColumnOf = new Set<string>();
  for (const k of keySlots) {
    claim(k.name, k.columns.length === 1 ? `key column ${k.columns[0]}` : `the key of ${k.columns.join(', ')}`);
    const only = k.columns.length === 1 ? (k.columns[0] as string) : undefined;
    // A single column whose key attribute has the column's own name: the key is that attribute.
    if (only !== undefined && (k.encoding === 'native' || k.name === attributeName(only, opts))) keyColumnOf.add(only);
    slots.push({ attr: k.name, nameBytes: utf8Bytes(k.name), label: k.columns.join(','), get: (row) => k.build(row), size: keySize(k.type) });
  }
  const include = opts.include === null ? null : new Set(opts.include);
  const exclude = new Set(opts.exclude);
  const attributes: { column: string; attribute: string }[] = [];
  for (const col of allColumns(table)) {
    if (keyColumnOf.has(col.name)) continue; // it is the key attribute
    if ((include !== null && !include.has(col.name)) || exclude.has(col.name)) continue;
    const attr = attributeName(col.name, opts);
    claim(attr, `column ${col.name}`);
    const timestampAs = opts.columnTimestampAs[col.name] ?? opts.timestampAs;
    const codec: ColumnCodec = compileColumnCodec(col.type, { timestampAs });
    const name = col.name;
    slots.push({ attr, nameBytes: utf8Bytes(attr), label: name, get: (row) => codec(row[name]), size: compileValueSize(col.type, timestampAs) });
    attributes.push({ column: name, attribute: attr });
  }
  const meta = metadataColumns(table, opts);
  const numberSize = (av: AttributeValue): number => numberBytes((av as AttrN).N);
  if (opts.ttlAttribute !== null) {
    claim(opts.ttlAttribute, 'ttl.attribute');
    slots.push({ attr: opts.ttlAttribute, nameBytes: utf8Bytes(opts.ttlAttribute), label: 'ttl', get: compileTtl(meta), size: numberSize });
  }
  if (opts.writetimeAttribute !== null) {
    claim(opts.writetimeAttribute, 'writetime.attribute');
    slots.push({ attr: opts.writetimeAttribute, nameBytes: utf8Bytes(opts.writetimeAttribute), label: 'writetime', get: compileWritetime(meta), size: numberSize });
  }
  return { slots, keySchema: keys.schema, attributes };
}

/**
 * Compiles the converter of a table. Throws a TypeError for a mapping that cannot work
 * (see validateMapping; the CLI reports it as a usage error).
 */
export function compileRowConverter(table: TableSpec, options: Partial<MappingOptions> = {}): RowConverter {
  const opts = resolveMappingOptions(options);
  const problems = validateMapping(table, opts);
  if (problems.length > 0) throw new TypeError(`invalid mapping: ${problems.join('; ')}`);
  const { slots, keySchema, attributes } = plan(table, opts);
  const n = slots.length;
  const maxBytes = opts.maxItemBytes;
  const convert = (row: SourceRow): RowConversion => {
    const item: Record<string, AttributeValue> = {};
    let size = 0;
    let i = 0;
    try {
      for (; i < n; i++) {
        const slot = slots[i] as Slot;
        const av = slot.get(row);
        if (av !== undefined) {
          if (slot.attr === '__proto__') setOwn(item, slot.attr, av);
          else item[slot.attr] = av;
          size += slot.nameBytes + slot.size(av);
        }
      }
    } catch (e) {
      return { ok: false, reason: toConversionReason(e, (slots[i] as Slot).label) };
    }
    if (size > maxBytes) {
      return {
        ok: false,
        reason: { code: ConversionCode.ITEM_TOO_LARGE, message: `item is ${size} bytes; DynamoDB allows at most ${maxBytes}`, column: '' },
      };
    }
    return { ok: true, item, sizeBytes: size, wcu: writeUnits(size) };
  };
  return Object.assign(convert, { keySchema, attributes, options: opts });
}
