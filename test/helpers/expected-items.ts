/**
 * What DynamoDB must hold for a Cassandra row, written here from the type table of
 * ARCHITECTURE.md without using src/mapping — so the migrate tests check the mapping against an
 * independent reading of the specification, not against itself.
 */
import cassandra from 'cassandra-driver';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type T = { name: string; args: T[] };

/** Parses CQL type text as system_schema.columns shows it: `frozen<map<text, frozen<list<int>>>>`. */
export function parseType(text: string): T {
  let i = 0;
  const s = text.replace(/\s+/g, '');
  const read = (): T => {
    let name = '';
    while (i < s.length && /[A-Za-z0-9_."]/.test(s[i]!)) name += s[i++];
    const args: T[] = [];
    if (s[i] === '<') {
      i++;
      for (;;) {
        args.push(read());
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '>') {
          i++;
          break;
        }
        throw new Error(`bad type ${text} at ${i}`);
      }
    }
    return name === 'frozen' ? args[0]! : { name, args };
  };
  return read();
}

export type Udts = Record<string, Array<{ name: string; type: T }>>;

/** Canonical text of a decimal number: sign, digits without leading/trailing zeros, exponent. */
export function canonicalNumber(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null) throw new Error(`not a number: ${text}`);
  const sign = m[1] === '-' ? '-' : '';
  let digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  let exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  return `${sign}${digits}e${exp}`;
}

function floatText(v: number, single: boolean): string {
  if (Object.is(v, -0)) return '0';
  if (!single) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

const TEXTY = new Set(['text', 'varchar', 'ascii', 'uuid', 'timeuuid', 'inet', 'date', 'time', 'timestamp', 'duration']);
const NUMBERS = new Set(['int', 'bigint', 'smallint', 'tinyint', 'varint', 'counter', 'float', 'double', 'decimal']);

function scalarText(t: T, v: unknown): string {
  switch (t.name) {
    case 'int': case 'smallint': case 'tinyint': case 'bigint': case 'varint': case 'counter':
      return String(v);
    case 'float': return floatText(v as number, true);
    case 'double': return floatText(v as number, false);
    case 'decimal': {
      // unscaled × 10^-scale, read from the driver's fields (its toString mishandles negative scales)
      const d = v as unknown as { _intVal: { toString(): string }; _scale: number };
      return `${d._intVal.toString()}e${-d._scale}`;
    }
    case 'text': case 'varchar': case 'ascii': return v as string;
    case 'uuid': case 'timeuuid': return (v as cassandra.types.Uuid).toString().toLowerCase();
    case 'timestamp': return (v as Date).toISOString();
    case 'date': return (v as cassandra.types.LocalDate).toString();
    case 'time': {
      const lt = v as cassandra.types.LocalTime;
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      return `${p(lt.hour)}:${p(lt.minute)}:${p(lt.second)}.${p(lt.nanosecond, 9)}`;
    }
    case 'duration': case 'inet': return String(v);
    case 'boolean': return String(v);
    case 'blob': return (v as Buffer).toString('base64');
    default: throw new Error(`no text form for ${t.name}`);
  }
}

/** The expected attribute for a column value, or undefined when it must be absent. */
export function expectedValue(t: T, v: unknown, udts: Udts): AttributeValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (NUMBERS.has(t.name)) return { N: scalarText(t, v) };
  if (TEXTY.has(t.name)) return { S: scalarText(t, v) };
  switch (t.name) {
    case 'boolean': return { BOOL: v as boolean };
    case 'blob': return { B: new Uint8Array(v as Buffer) };
    case 'list': {
      const arr = v as unknown[];
      if (arr.length === 0) return undefined;
      return { L: arr.map((x) => expectedValue(t.args[0]!, x, udts) ?? { NULL: true }) };
    }
    case 'vector': return { L: [...(v as Iterable<number>)].map((x) => ({ N: floatText(x, true) })) };
    case 'tuple': {
      const vals = (v as cassandra.types.Tuple).values();
      return { L: vals.map((x, k) => expectedValue(t.args[k]!, x, udts) ?? { NULL: true }) };
    }
    case 'set': {
      const arr = v as unknown[];
      if (arr.length === 0) return undefined;
      const el = t.args[0]!;
      if (['text', 'varchar', 'ascii', 'uuid', 'timeuuid'].includes(el.name)) return { SS: arr.map((x) => scalarText(el, x)) };
      if (NUMBERS.has(el.name)) return { NS: arr.map((x) => scalarText(el, x)) };
      if (el.name === 'blob') return { BS: arr.map((x) => new Uint8Array(x as Buffer)) };
      return { L: arr.map((x) => expectedValue(el, x, udts) ?? { NULL: true }) };
    }
    case 'map': {
      const entries = v instanceof Map ? [...v] : Object.entries(v as object);
      if (entries.length === 0) return undefined;
      const M: Record<string, AttributeValue> = {};
      for (const [k, x] of entries) {
        const e = expectedValue(t.args[1]!, x, udts);
        if (e !== undefined) M[scalarText(t.args[0]!, k)] = e;
      }
      return { M };
    }
    default: {
      const fields = udts[t.name.replace(/"/g, '')];
      if (fields === undefined) throw new Error(`unknown type ${t.name}`);
      const M: Record<string, AttributeValue> = {};
      for (const f of fields) {
        const e = expectedValue(f.type, (v as Record<string, unknown>)[f.name], udts);
        if (e !== undefined) M[f.name] = e;
      }
      return { M };
    }
  }
}

/** Comparable form of an attribute: numbers canonical, sets sorted, binary as hex. */
export function normalize(av: AttributeValue | undefined): unknown {
  if (av === undefined) return undefined;
  if (av.S !== undefined) return { S: av.S };
  if (av.N !== undefined) return { N: canonicalNumber(av.N) };
  if (av.B !== undefined) return { B: Buffer.from(av.B).toString('hex') };
  if (av.BOOL !== undefined) return { BOOL: av.BOOL };
  if (av.NULL !== undefined) return { NULL: true };
  if (av.L !== undefined) return { L: av.L.map(normalize) };
  if (av.M !== undefined) return { M: Object.fromEntries(Object.entries(av.M).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, normalize(x)])) };
  if (av.SS !== undefined) return { SS: [...av.SS].sort() };
  if (av.NS !== undefined) return { NS: av.NS.map(canonicalNumber).sort() };
  if (av.BS !== undefined) return { BS: av.BS.map((b) => Buffer.from(b).toString('hex')).sort() };
  throw new Error(`unknown attribute ${JSON.stringify(av)}`);
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: T;
}

/** Columns and UDTs of a table, read from system_schema. */
export async function tableColumns(client: cassandra.Client, keyspace: string, table: string): Promise<{ columns: ColumnInfo[]; udts: Udts }> {
  const cols = await client.execute('SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', [keyspace, table]);
  const types = await client.execute('SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = ?', [keyspace]);
  const udts: Udts = {};
  for (const r of types.rows) {
    const names = r.get('field_names') as string[];
    const ftypes = r.get('field_types') as string[];
    udts[r.get('type_name') as string] = names.map((n, i) => ({ name: n, type: parseType(ftypes[i]!) }));
  }
  return { columns: cols.rows.map((r) => ({ name: r.get('column_name') as string, type: parseType(r.get('type') as string) })), udts };
}

/** The expected non-key-encoding attributes of a row's item: every non-null column under its own name. */
export function expectedAttributes(row: cassandra.types.Row, columns: readonly ColumnInfo[], udts: Udts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    const e = expectedValue(c.type, row.get(c.name), udts);
    if (e !== undefined) out[c.name] = normalize(e);
  }
  return out;
}
