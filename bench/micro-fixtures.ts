/**
 * Fixtures of bench/micro.ts, built without a database:
 * - a populate model's table as the driver describes it (`client.metadata.getTable()`): its
 *   CREATE TYPE / CREATE TABLE text parsed with the driver's own type parser (the one its schema
 *   metadata uses), so `tableSpecFromMetadata` reads the same shapes as in a migration;
 * - rows as the driver gives them: the generator's values encoded and decoded by the driver's
 *   Encoder with the client's `encoding: { map: Map }` (src/cassandra/client.ts), in a driver Row;
 * - the same rows as plain JSON values (the baseline's input);
 * - a synthetic vnode ring for the planner.
 */
import cassandra from 'cassandra-driver';
import type { DriverDataTypeInfo } from '../src/mapping/driver-type.js';
import type { DriverTableMetadata } from '../src/mapping/table-spec.js';
import type { RingRange } from '../src/plan/token-ranges.js';
import type { GenerateOptions, ModelName } from '../src/populate/model.js';
import { MODELS } from '../src/populate/models/index.js';
import { Rng } from '../src/populate/random.js';

/** The undocumented parts of the driver's Encoder used here (lib/encoder.js). */
interface DriverEncoder {
  parseTypeName(keyspace: string, typeName: string, startIndex: number, length: number | null, udtResolver: UdtResolver): Promise<DriverDataTypeInfo>;
  encode(value: unknown, type: DriverDataTypeInfo): Buffer | null;
  decode(bytes: Buffer, type: DriverDataTypeInfo): unknown;
}
type UdtResolver = (keyspace: string, name: string) => Promise<{ keyspace: string; name: string; fields: { name: string; type: DriverDataTypeInfo }[] } | null>;

const { types } = cassandra;
const Encoder = (cassandra as unknown as { Encoder: new (protocolVersion: number, options: object) => DriverEncoder }).Encoder;
/** Protocol v4 and the client's row decoding options. */
const encoder = new Encoder(4, { encoding: { map: Map } });
const Row = (types as unknown as { Row: new (columns: readonly { name: string }[]) => Record<string, unknown> }).Row;

const KEYSPACE = 'bench';

export interface ModelTable {
  /** The main table as the driver's schema metadata gives it. */
  readonly meta: DriverTableMetadata;
  /** Row `index` of the model, decoded by the driver, as a driver Row of all columns. */
  row(seed: number, index: number, options: GenerateOptions): Record<string, unknown>;
}

/** Splits at the commas outside (), <> and quotes. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '<') depth++;
    else if (c === ')' || c === '>') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}

/** `CREATE … name (body) rest` → name without keyspace, body, rest. */
function splitCreate(cql: string): { name: string; body: string; rest: string } {
  const open = cql.indexOf('(');
  let depth = 0;
  let close = -1;
  for (let i = open; i < cql.length && close < 0; i++) {
    if (cql[i] === '(') depth++;
    else if (cql[i] === ')' && --depth === 0) close = i;
  }
  const head = cql.slice(0, open).trim().split(/\s+/).pop() ?? '';
  return { name: unquote(head.split('.').pop() ?? ''), body: cql.slice(open + 1, close), rest: cql.slice(close + 1) };
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

/** A populate model's main table: schema parsed from its CQL, rows from its generator. */
export async function modelTable(model: ModelName): Promise<ModelTable> {
  const m = MODELS[model];
  const statements = m.schema(KEYSPACE, m.defaultTable);
  const udtText = new Map<string, string[][]>();
  for (const cql of statements.filter((s) => /^\s*CREATE TYPE/i.test(s))) {
    const { name, body } = splitCreate(cql);
    udtText.set(name, splitTopLevel(body).map((f) => f.split(/\s+/).filter(Boolean)));
  }
  const resolver: UdtResolver = async (keyspace, name) => {
    const fields = udtText.get(unquote(name));
    if (fields === undefined) return null;
    return {
      keyspace,
      name,
      fields: await Promise.all(fields.map(async ([field, ...type]) => ({ name: field as string, type: await parse(type.join(' ')) }))),
    };
  };
  const parse = (type: string): Promise<DriverDataTypeInfo> => encoder.parseTypeName(KEYSPACE, type, 0, null, resolver);

  const table = statements.map(splitCreate).find((s, i) => /^\s*CREATE TABLE/i.test(statements[i] as string) && s.name === m.defaultTable);
  if (table === undefined) throw new Error(`model ${model}: no CREATE TABLE ${m.defaultTable}`);
  const columns: { name: string; type: DriverDataTypeInfo; isStatic?: boolean }[] = [];
  let partition: string[] = [];
  let clustering: string[] = [];
  for (const def of splitTopLevel(table.body)) {
    const key = /^PRIMARY KEY\s*\((.*)\)$/is.exec(def);
    if (key !== null) {
      const [first = '', ...rest] = splitTopLevel(key[1] as string);
      partition = first.startsWith('(') ? splitTopLevel(first.slice(1, -1)) : [first];
      clustering = rest;
      continue;
    }
    let text = def;
    const isKey = /\s+PRIMARY KEY$/i.test(text);
    text = text.replace(/\s+PRIMARY KEY$/i, '');
    const isStatic = /\s+STATIC$/i.test(text);
    text = text.replace(/\s+STATIC$/i, '');
    const [name = '', ...type] = text.split(/\s+/);
    if (isKey) partition = [name];
    columns.push({ name, type: await parse(type.join(' ')), ...(isStatic ? { isStatic: true } : {}) });
  }
  const order = /CLUSTERING ORDER BY\s*\((.*?)\)/is.exec(table.rest)?.[1];
  const orderOf = new Map(splitTopLevel(order ?? '').map((o) => o.split(/\s+/) as [string, string]));
  const byName = new Map(columns.map((c) => [c.name, c]));
  const column = (name: string) => byName.get(name) ?? (() => { throw new Error(`model ${model}: no column ${name}`); })();
  const meta: DriverTableMetadata = {
    partitionKeys: partition.map((n) => ({ name: n, type: column(n).type })),
    clusteringKeys: clustering.map((n) => ({ name: n, type: column(n).type })),
    clusteringOrder: clustering.map((n) => (orderOf.get(n) ?? 'ASC').toUpperCase()),
    columns,
  };

  // The generator's values come in the order of its first statement's column list.
  const insert = m.statements(KEYSPACE, m.defaultTable)[0]?.cql ?? '';
  const insertColumns = splitTopLevel(/\(([^)]*)\)\s*VALUES/is.exec(insert)?.[1] ?? '').map(unquote);
  const insertTypes = insertColumns.map((n) => column(n).type);
  const rowColumns = columns.map((c) => ({ name: c.name }));
  return {
    meta,
    row(seed, index, options) {
      const write = m.generate(seed, index, options).find((w) => w.statement === 0);
      if (write === undefined) throw new Error(`model ${model}: row ${index} has no write of its main table`);
      const row = new Row(rowColumns);
      for (const c of columns) row[c.name] = null;
      insertColumns.forEach((name, i) => {
        const value = write.params[i];
        const type = insertTypes[i] as DriverDataTypeInfo;
        const bytes = value === null || value === undefined ? null : encoder.encode(value, type);
        row[name] = bytes === null ? null : encoder.decode(bytes, type);
      });
      return row;
    },
  };
}

/** The same table with only its key columns and `keep`. */
export function keepColumns(meta: DriverTableMetadata, keep: readonly string[]): DriverTableMetadata {
  const wanted = new Set([...meta.partitionKeys, ...meta.clusteringKeys].map((k) => k.name).concat(keep));
  for (const name of keep) if (!meta.columns.some((c) => c.name === name)) throw new Error(`no column ${name}`);
  return { ...meta, columns: meta.columns.filter((c) => wanted.has(c.name)) };
}

/** A driver Row with only these columns of `row` (what a SELECT of those columns gives). */
export function selectColumns(row: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out = new Row(names.map((name) => ({ name })));
  for (const name of names) out[name] = row[name];
  return out;
}

/**
 * A driver value as plain JSON data: what a minimal hand conversion would start from
 * (driver objects as their text, blobs base64, dates ISO, Maps as objects).
 */
export function plainValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v instanceof Map) return Object.fromEntries([...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), plainValue(x)]));
  if (v instanceof Set) return [...(v as Set<unknown>)].map(plainValue);
  if (v instanceof types.Tuple) return v.elements.map(plainValue);
  const elements = (v as { elements?: unknown }).elements; // the driver's Vector
  if (Array.isArray(elements)) return elements.map(plainValue);
  if (Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)])); // a UDT
  }
  return String(v); // Uuid, TimeUuid, Long, Integer, BigDecimal, LocalDate, LocalTime, Duration, InetAddress
}

/** A row's columns as plain JSON data. */
export function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(row).map((k) => [k, plainValue(row[k])]));
}

/**
 * A ring as `ringRanges()` (src/cassandra/ring.ts) gives it: `nodes` nodes with `vnodes` random
 * Murmur3 tokens each, range (t[i-1], t[i]] owned by t[i]'s node, replicas the owner and the
 * next distinct nodes clockwise (SimpleStrategy), `ip:port` like the driver's host.address.
 */
export function vnodeRing(nodes: number, vnodes: number, replicationFactor: number, seed = 1): RingRange[] {
  const rng = new Rng(seed, 0);
  const ownerOf = new Map<bigint, number>();
  while (ownerOf.size < nodes * vnodes) {
    const token = BigInt(rng.int(-(2 ** 53), 2 ** 53)) * 1024n;
    if (!ownerOf.has(token)) ownerOf.set(token, ownerOf.size % nodes);
  }
  const tokens = [...ownerOf.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const address = (node: number): string => `10.0.0.${node + 1}:9042`;
  return tokens.map((end, i) => {
    const replicas: string[] = [];
    for (let k = 0; k < tokens.length && replicas.length < Math.min(replicationFactor, nodes); k++) {
      const node = address(ownerOf.get(tokens[(i + k) % tokens.length] as bigint) as number);
      if (!replicas.includes(node)) replicas.push(node);
    }
    return { start: tokens[(i - 1 + tokens.length) % tokens.length] as bigint, end, replicas };
  });
}
