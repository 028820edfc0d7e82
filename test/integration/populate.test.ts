/**
 * populate against the real local Cassandra: row counts, every column of every model readable
 * with the right driver type, and the same --seed writing the same data whatever the threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cassandra from 'cassandra-driver';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, allRows, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { MODELS } from '../../src/populate/models/index.js';
import { ALL_TYPES_COLUMNS, EDGE_KINDS, LONG_TEXT_CHARS, ROWS_PER_PARTITION, edgeKindOf } from '../../src/populate/models/all-types.js';

const t = cassandra.types;
let client: cassandra.Client;
const keyspace = uniqueName('it_populate');

async function populate(args: string[]) {
  const run = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--json', ...args]);
  if (run.status !== 0) throw new Error(`populate exited ${run.status}: ${run.stderr}`);
  const summary = run.events.find((e) => e.event === 'summary');
  expect(summary).toBeDefined();
  return summary as Record<string, unknown>;
}

async function count(table: string): Promise<number> {
  const rs = await client.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.${table}`, [], { readTimeout: 120_000 });
  return (rs.first().get('n') as cassandra.types.Long).toNumber();
}

/** A comparable text form of any driver value. */
function canon(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return `blob:${v.toString('hex')}`;
  if (v instanceof Date) return `ts:${v.toISOString()}`;
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof t.Tuple) return { tuple: v.values().map(canon) };
  if (v instanceof t.Vector) return { vector: [...v].map(canon) };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(canon(k)), canon(x)]));
  if (typeof v === 'object' && v.constructor === Object) {
    return Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canon(x)]));
  }
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  return String(v);
}

function canonRow(row: cassandra.types.Row): string {
  const obj: Record<string, unknown> = {};
  for (const key of row.keys()) obj[key] = canon(row.get(key));
  return JSON.stringify(obj);
}

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await dropKeyspace(client, keyspace);
  await client.shutdown();
});

describe('populate users', () => {
  it('writes exactly --rows rows, with the generator\'s values and the right types', async () => {
    const summary = await populate(['--model', 'users', '--table', 'users', '--rows', '3000', '--threads', '2', '--seed', '7']);
    expect(summary.rowsWritten).toBe(3000);
    expect(summary.status).toBe('completed');
    expect(await count('users')).toBe(3000);

    const rows = await allRows(client, keyspace, 'users');
    const byId = new Map(rows.map((r) => [String(r.get('id')), r]));
    let edge = 0;
    for (let i = 0; i < 3000; i++) {
      const [write] = MODELS.users.generate(7, i, { edgeEvery: 20, invalidEvery: 0 });
      const p = write!.params;
      const row = byId.get(String(p[0]));
      expect(row, `row ${i}`).toBeDefined();
      expect(row!.get('id')).toBeInstanceOf(t.Uuid);
      expect(row!.get('name')).toBe(p[1]);
      expect(row!.get('email')).toBe(p[2]);
      expect(row!.get('age')).toBe(p[3]);
      expect(row!.get('created_at')).toEqual(p[4]);
      // sets come back as arrays (sorted by Cassandra), maps as objects; empty ones as null
      expect(row!.get('tags') === null ? null : [...(row!.get('tags') as string[])].sort()).toEqual(
        p[5] === null ? null : [...(p[5] as string[])].sort(),
      );
      expect(row!.get('prefs')).toEqual(p[6]);
      if (p[1] === '') edge++;
    }
    expect(edge).toBe(150);
  });
});

describe('populate events', () => {
  it('creates the composite-key time series with its clustering order and types', async () => {
    await populate(['--model', 'events', '--rows', '2000', '--threads', '2']);
    expect(await count('events')).toBe(2000);
    const meta = await client.metadata.getTable(keyspace, 'events');
    expect(meta.partitionKeys.map((c) => c.name)).toEqual(['tenant_id', 'day']);
    expect(meta.clusteringKeys.map((c) => c.name)).toEqual(['ts', 'seq']);
    expect(meta.clusteringOrder).toEqual(['DESC', 'ASC']);
    const rows = await allRows(client, keyspace, 'events');
    for (const r of rows) {
      expect(typeof r.get('tenant_id')).toBe('string');
      expect(r.get('day')).toBeInstanceOf(t.LocalDate);
      expect(r.get('ts')).toBeInstanceOf(Date);
      expect(typeof r.get('seq')).toBe('number');
      expect(r.get('user_id')).toBeInstanceOf(t.Uuid);
      expect(r.get('duration_ms')).toBeInstanceOf(t.Long);
      expect(r.get('source_ip')).toBeInstanceOf(t.InetAddress);
      const amount = r.get('amount') as unknown;
      expect(amount === null || amount instanceof t.BigDecimal).toBe(true);
      expect(typeof r.get('attrs')).toBe('object');
    }
    expect(new Set(rows.map((r) => r.get('seq') as number)).size).toBe(2000);
  });
});

describe('populate all-types', () => {
  const rows = 240; // 12 edge rows: every edge kind twice

  it('creates every CQL type of Cassandra 5.0', async () => {
    await populate(['--model', 'all-types', '--rows', String(rows), '--threads', '2']);
    const rs = await client.execute(
      'SELECT column_name, kind, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
      [keyspace, 'all_types'],
    );
    const types = Object.fromEntries(rs.rows.map((r) => [r.get('column_name') as string, r.get('type') as string]));
    const kinds = Object.fromEntries(rs.rows.map((r) => [r.get('column_name') as string, r.get('kind') as string]));
    const expected: Record<string, string> = {
      c_ascii: 'ascii', c_bigint: 'bigint', c_blob: 'blob', c_boolean: 'boolean', c_date: 'date', c_decimal: 'decimal',
      c_double: 'double', c_duration: 'duration', c_float: 'float', c_inet: 'inet', c_int: 'int', c_smallint: 'smallint',
      c_text: 'text', c_time: 'time', c_timestamp: 'timestamp', c_timeuuid: 'timeuuid', c_tinyint: 'tinyint', c_uuid: 'uuid',
      c_varchar: 'text', c_varint: 'varint', c_list: 'list<int>', c_set: 'set<text>', c_map: 'map<text, int>',
      c_tuple: 'frozen<tuple<int, text, double>>', c_frozen_list: 'frozen<list<text>>', c_set_bigint: 'set<bigint>',
      c_set_blob: 'set<blob>', c_set_uuid: 'set<uuid>', c_map_nested: 'map<text, frozen<list<int>>>',
      c_udt_frozen: 'frozen<address>', c_udt: 'address', c_list_udt: 'list<frozen<geo_point>>', c_vector: 'vector<float, 8>',
      static_note: 'text', id: 'uuid', ck: 'int',
    };
    expect(types).toEqual(expected);
    expect(kinds.static_note).toBe('static');
    expect(kinds.id).toBe('partition_key');
    expect(kinds.ck).toBe('clustering');
    const counters = await client.execute(
      'SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
      [keyspace, 'all_types_counters'],
    );
    expect(counters.rows.filter((r) => r.get('type') === 'counter').map((r) => r.get('column_name')).sort()).toEqual(['c_counter', 'c_counter_big']);
  });

  it('writes every row and counter, each column readable with its driver type', async () => {
    expect(await count('all_types')).toBe(rows);
    expect(await count('all_types_counters')).toBe(rows);
    const read = await allRows(client, keyspace, 'all_types');
    const check: Record<string, (v: unknown) => boolean> = {
      c_ascii: (v) => typeof v === 'string', c_text: (v) => typeof v === 'string', c_varchar: (v) => typeof v === 'string',
      c_bigint: (v) => v instanceof t.Long, c_blob: (v) => Buffer.isBuffer(v), c_boolean: (v) => typeof v === 'boolean',
      c_date: (v) => v instanceof t.LocalDate, c_decimal: (v) => v instanceof t.BigDecimal, c_double: (v) => typeof v === 'number',
      c_duration: (v) => v instanceof t.Duration, c_float: (v) => typeof v === 'number', c_inet: (v) => v instanceof t.InetAddress,
      c_int: (v) => typeof v === 'number', c_smallint: (v) => typeof v === 'number', c_tinyint: (v) => typeof v === 'number',
      c_time: (v) => v instanceof t.LocalTime, c_timestamp: (v) => v instanceof Date, c_timeuuid: (v) => v instanceof t.TimeUuid,
      c_uuid: (v) => v instanceof t.Uuid, c_varint: (v) => v instanceof t.Integer,
      c_list: (v) => Array.isArray(v) && v.every((x) => typeof x === 'number'),
      c_set: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
      c_map: (v) => typeof v === 'object' && Object.values(v as object).every((x) => typeof x === 'number'),
      c_tuple: (v) => v instanceof t.Tuple && v.length === 3,
      c_frozen_list: (v) => Array.isArray(v),
      c_set_bigint: (v) => Array.isArray(v) && v.every((x) => x instanceof t.Long),
      c_set_blob: (v) => Array.isArray(v) && v.every((x) => Buffer.isBuffer(x)),
      c_set_uuid: (v) => Array.isArray(v) && v.every((x) => x instanceof t.Uuid),
      c_map_nested: (v) => typeof v === 'object' && Object.values(v as object).every((x) => Array.isArray(x)),
      c_udt_frozen: (v) => typeof v === 'object' && v !== null && 'street' in v && 'tags' in v,
      c_udt: (v) => typeof v === 'object' && v !== null && 'city' in v,
      c_list_udt: (v) => Array.isArray(v) && v.every((x) => typeof (x as { lat: unknown }).lat === 'number'),
      c_vector: (v) => v instanceof t.Vector && v.length === 8 && [...v].every((x) => typeof x === 'number'),
    };
    expect(Object.keys(check).sort()).toEqual([...ALL_TYPES_COLUMNS].sort());
    const seenNonNull = new Set<string>();
    for (const r of read) {
      for (const col of ALL_TYPES_COLUMNS) {
        const v = r.get(col) as unknown;
        if (v === null) continue;
        seenNonNull.add(col);
        expect(check[col]!(v), `${col} = ${JSON.stringify(canon(v))}`).toBe(true);
      }
      expect(r.get('static_note')).toMatch(/^partition \d+ of seed 42$/);
    }
    expect([...seenNonNull].sort()).toEqual([...ALL_TYPES_COLUMNS].sort());
  });

  it('stores the edge values as generated', async () => {
    const read = await allRows(client, keyspace, 'all_types');
    const byKey = new Map(read.map((r) => [`${String(r.get('id'))}/${String(r.get('ck'))}`, r]));
    const opts = { edgeEvery: 20, invalidEvery: 0 };
    const seen = new Set<string>();
    for (let i = 0; i < rows; i += 20) {
      const kind = edgeKindOf(i, opts)!;
      seen.add(kind);
      const p = MODELS['all-types'].generate(42, i, opts)[0]!.params;
      const r = byKey.get(`${String(p[0])}/${String(p[1])}`);
      expect(r, `edge row ${i}`).toBeDefined();
      switch (kind) {
        case 'max':
          expect(String(r!.get('c_bigint'))).toBe('9223372036854775807');
          expect(String(r!.get('c_varint'))).toBe('9'.repeat(38));
          expect(r!.get('c_timestamp')).toEqual(new Date('9999-12-31T23:59:59.999Z'));
          break;
        case 'min':
          expect(String(r!.get('c_bigint'))).toBe('-9223372036854775808');
          expect(r!.get('c_tinyint')).toBe(-128);
          break;
        case 'nulls':
          for (const col of ALL_TYPES_COLUMNS) expect(r!.get(col), col).toBeNull();
          break;
        case 'empty':
          expect(r!.get('c_text')).toBe('');
          expect(r!.get('c_ascii')).toBe('');
          expect((r!.get('c_blob') as Buffer).length).toBe(0);
          expect(r!.get('c_list')).toBeNull(); // Cassandra stores an empty collection as null
          // cassandra-driver 4.10 writes an empty frozen list as a zero-length value, read back as null
          expect(r!.get('c_frozen_list')).toBeNull();
          break;
        case 'unicode':
          expect(r!.get('c_set')).toEqual(expect.arrayContaining(['😀👩‍👩‍👧‍👦🏳️‍🌈', '日本語のテキスト']));
          break;
        case 'long':
          expect((r!.get('c_text') as string).length).toBe(LONG_TEXT_CHARS);
          expect((r!.get('c_list') as number[]).length).toBe(1000);
          break;
        default:
          throw new Error(`unexpected edge kind ${kind}`);
      }
    }
    expect([...seen].sort()).toEqual([...EDGE_KINDS].sort());
    expect(ROWS_PER_PARTITION).toBeGreaterThan(1);
  });
});

describe('populate --seed', () => {
  it('the same seed writes the same data whatever the thread count; another seed does not', async () => {
    const n = 600;
    await populate(['--model', 'all-types', '--table', 'seed_a', '--rows', String(n), '--threads', '1', '--seed', '99']);
    await populate(['--model', 'all-types', '--table', 'seed_b', '--rows', String(n), '--threads', '3', '--concurrency', '7', '--seed', '99']);
    await populate(['--model', 'all-types', '--table', 'seed_c', '--rows', String(n), '--threads', '2', '--seed', '100']);
    const snapshot = async (table: string) => (await allRows(client, keyspace, table)).map(canonRow).sort();
    const a = await snapshot('seed_a');
    const b = await snapshot('seed_b');
    const c = await snapshot('seed_c');
    expect(a.length).toBe(n);
    expect(b).toEqual(a);
    expect(c.length).toBe(n);
    expect(c.filter((row) => a.includes(row)).length).toBe(0);
    const counters = async (table: string) => (await allRows(client, keyspace, table)).map(canonRow).sort();
    expect(await counters('seed_b_counters')).toEqual(await counters('seed_a_counters'));
  });
});
