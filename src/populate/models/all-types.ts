/**
 * `all-types`: every CQL type Cassandra 5.0 offers, in one table (plus a counter table), with
 * edge values at a known rate. The type-mapping tests of migrate and verify stand on it.
 *
 * Row i lives in partition floor(i / ROWS_PER_PARTITION) with clustering key i % ROWS_PER_PARTITION,
 * so the static column is shared by real partitions. Edge rows are those with
 * i % edgeEvery === 0; their kind cycles through EDGE_KINDS. Rows with i % invalidEvery === 0
 * (off by default) carry values DynamoDB cannot hold, cycling through INVALID_KINDS.
 */
import cassandra from 'cassandra-driver';
import { Rng } from '../random.js';
import { TAGS, UNICODE_SAMPLES } from '../words.js';
import { cqlIdent, type GenerateOptions, type PopulateModel, type RowWrite } from '../model.js';

const { Uuid, TimeUuid, Long, BigDecimal, Integer, LocalDate, LocalTime, Duration, InetAddress, Tuple, Vector } = cassandra.types;

export const ROWS_PER_PARTITION = 3;
export const VECTOR_DIMENSION = 8;
export const LONG_TEXT_CHARS = 100_000;
export const EDGE_KINDS = ['max', 'min', 'nulls', 'empty', 'unicode', 'long'] as const;
export const INVALID_KINDS = ['nan', 'infinity', 'varint-39-digits', 'decimal-exponent'] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];
export type InvalidKind = (typeof INVALID_KINDS)[number];

/** The regular columns, in insert order after (id, ck, static_note). */
export const ALL_TYPES_COLUMNS = [
  'c_ascii', 'c_bigint', 'c_blob', 'c_boolean', 'c_date', 'c_decimal', 'c_double', 'c_duration', 'c_float',
  'c_inet', 'c_int', 'c_smallint', 'c_text', 'c_time', 'c_timestamp', 'c_timeuuid', 'c_tinyint', 'c_uuid',
  'c_varchar', 'c_varint', 'c_list', 'c_set', 'c_map', 'c_tuple', 'c_frozen_list', 'c_set_bigint', 'c_set_blob',
  'c_set_uuid', 'c_map_nested', 'c_udt_frozen', 'c_udt', 'c_list_udt', 'c_vector',
] as const;

export function edgeKindOf(index: number, options: GenerateOptions): EdgeKind | undefined {
  if (options.edgeEvery <= 0 || index % options.edgeEvery !== 0) return undefined;
  return EDGE_KINDS[Math.floor(index / options.edgeEvery) % EDGE_KINDS.length];
}

export function invalidKindOf(index: number, options: GenerateOptions): InvalidKind | undefined {
  if (options.invalidEvery <= 0 || index % options.invalidEvery !== 0) return undefined;
  return INVALID_KINDS[Math.floor(index / options.invalidEvery) % INVALID_KINDS.length];
}

export const allTypesModel: PopulateModel = {
  name: 'all-types',
  defaultTable: 'all_types',
  summary: 'every CQL type of Cassandra 5.0: scalars, collections, tuple, frozen and non-frozen UDT, static, vector, counters',
  schema(keyspace, table) {
    const ks = cqlIdent(keyspace);
    return [
      `CREATE TYPE IF NOT EXISTS ${ks}.address (street text, city text, zip int, tags frozen<set<text>>)`,
      `CREATE TYPE IF NOT EXISTS ${ks}.geo_point (lat double, lon double, label text)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.${cqlIdent(table)} (
        id uuid, ck int, static_note text STATIC,
        c_ascii ascii, c_bigint bigint, c_blob blob, c_boolean boolean, c_date date, c_decimal decimal,
        c_double double, c_duration duration, c_float float, c_inet inet, c_int int, c_smallint smallint,
        c_text text, c_time time, c_timestamp timestamp, c_timeuuid timeuuid, c_tinyint tinyint, c_uuid uuid,
        c_varchar varchar, c_varint varint,
        c_list list<int>, c_set set<text>, c_map map<text, int>, c_tuple tuple<int, text, double>,
        c_frozen_list frozen<list<text>>, c_set_bigint set<bigint>, c_set_blob set<blob>, c_set_uuid set<uuid>,
        c_map_nested map<text, frozen<list<int>>>,
        c_udt_frozen frozen<address>, c_udt address, c_list_udt list<frozen<geo_point>>,
        c_vector vector<float, ${VECTOR_DIMENSION}>,
        PRIMARY KEY ((id), ck)
      )`,
      `CREATE TABLE IF NOT EXISTS ${ks}.${cqlIdent(countersTable(table))} (
        id uuid, ck int, c_counter counter, c_counter_big counter,
        PRIMARY KEY ((id), ck)
      )`,
    ];
  },
  tables(table) {
    return [table, countersTable(table)];
  },
  statements(keyspace, table) {
    const ks = cqlIdent(keyspace);
    const cols = ['id', 'ck', 'static_note', ...ALL_TYPES_COLUMNS];
    return [
      { cql: `INSERT INTO ${ks}.${cqlIdent(table)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, idempotent: true },
      {
        cql: `UPDATE ${ks}.${cqlIdent(countersTable(table))} SET c_counter = c_counter + ?, c_counter_big = c_counter_big + ? WHERE id = ? AND ck = ?`,
        idempotent: false,
      },
    ];
  },
  generate(seed: number, index: number, options: GenerateOptions): RowWrite[] {
    const partition = Math.floor(index / ROWS_PER_PARTITION);
    const id = Uuid.fromString(new Rng(seed, partition, 1).uuid());
    const ck = index % ROWS_PER_PARTITION;
    const staticNote = `partition ${partition} of seed ${seed}`;
    const rng = new Rng(seed, index);
    const invalid = invalidKindOf(index, options);
    const edge = invalid === undefined ? edgeKindOf(index, options) : undefined;
    const values = edge === undefined ? normalValues(rng, index) : edgeValues(edge, rng, index);
    if (invalid !== undefined) applyInvalid(values, invalid);
    const params = [id, ck, staticNote, ...ALL_TYPES_COLUMNS.map((c) => values[c] ?? null)];
    const counterDelta = edge === 'min' ? Long.fromString('-9223372036854775807') : Long.fromNumber(rng.int(-1000, 1000));
    const counterBig = Long.fromNumber(rng.int(0, Number.MAX_SAFE_INTEGER)).multiply(512);
    return [
      { statement: 0, params },
      { statement: 1, params: [counterDelta, counterBig, id, ck] },
    ];
  },
};

export function countersTable(table: string): string {
  return `${table}_counters`;
}

type Values = Partial<Record<(typeof ALL_TYPES_COLUMNS)[number], unknown>>;

function timeuuid(rng: Rng, date: Date): cassandra.types.TimeUuid {
  return TimeUuid.fromDate(date, rng.int(0, 9999), rng.bytes(6), rng.bytes(2));
}

function vector(values: number[]): cassandra.types.Vector {
  return new Vector(new Float32Array(values), 'float');
}

function normalValues(rng: Rng, index: number): Values {
  const ts = new Date(rng.int(Date.UTC(2000, 0, 1), Date.UTC(2030, 0, 1)));
  const city = rng.pick(['Lisbon', 'Osaka', 'Lagos', 'Quito', 'Oslo', 'Pune']);
  return {
    c_ascii: `ascii-${rng.word(1, 20)}`,
    c_bigint: Long.fromNumber(rng.int(-(2 ** 53) + 1, 2 ** 53 - 1)),
    c_blob: rng.bytes(rng.int(1, 64)),
    c_boolean: rng.bool(),
    c_date: LocalDate.fromDate(new Date(rng.int(Date.UTC(1950, 0, 1), Date.UTC(2050, 0, 1)))),
    c_decimal: BigDecimal.fromString(`${rng.bool() ? '-' : ''}${rng.int(0, 1e9)}.${String(rng.int(0, 1e6)).padStart(6, '0')}`),
    c_double: (rng.float() - 0.5) * 10 ** rng.int(-20, 20),
    c_duration: new Duration(rng.int(0, 24), rng.int(0, 30), Long.fromNumber(rng.int(0, 86_399_999_999_999))),
    c_float: Math.fround((rng.float() - 0.5) * 1000),
    c_inet: InetAddress.fromString(`192.0.2.${rng.int(1, 254)}`),
    c_int: rng.int(-(2 ** 31), 2 ** 31 - 1),
    c_smallint: rng.int(-32768, 32767),
    c_text: `row ${index}: ${rng.word(5, 40)}`,
    c_time: LocalTime.fromMilliseconds(rng.int(0, 86_399_999), rng.int(0, 999_999)),
    c_timestamp: ts,
    c_timeuuid: timeuuid(rng, ts),
    c_tinyint: rng.int(-128, 127),
    c_uuid: Uuid.fromString(rng.uuid()),
    c_varchar: `varchar ${rng.word(1, 12)}`,
    c_varint: Integer.fromString(`${rng.bool() ? '-' : ''}${rng.int(1, 9)}${'0123456789'.repeat(2).slice(0, rng.int(0, 20))}`),
    c_list: Array.from({ length: rng.int(1, 5) }, () => rng.int(-1000, 1000)),
    c_set: [...new Set(Array.from({ length: rng.int(1, 4) }, () => rng.pick(TAGS)))],
    c_map: { [rng.word(3, 8)]: rng.int(0, 100), [`k${index}`]: rng.int(-5, 5) },
    c_tuple: new Tuple(rng.int(-100, 100), rng.word(1, 10), rng.float()),
    c_frozen_list: Array.from({ length: rng.int(1, 3) }, () => rng.word(1, 6)),
    c_set_bigint: [Long.fromNumber(rng.int(0, 1e12)), Long.fromNumber(-rng.int(1, 1e12))],
    c_set_blob: [rng.bytes(4), rng.bytes(8)],
    c_set_uuid: [Uuid.fromString(rng.uuid())],
    // No empty inner list: cassandra-driver 4.10 encodes it with zero bytes and the server rejects it.
    c_map_nested: { a: [rng.int(0, 9), rng.int(0, 9)], b: [rng.int(-9, 0)] },
    c_udt_frozen: { street: `${rng.int(1, 999)} Main St`, city, zip: rng.int(10000, 99999), tags: ['home'] },
    c_udt: { street: `${rng.int(1, 999)} Side Rd`, city, zip: rng.int(10000, 99999), tags: null },
    c_list_udt: [{ lat: rng.float() * 180 - 90, lon: rng.float() * 360 - 180, label: city }],
    c_vector: vector(Array.from({ length: VECTOR_DIMENSION }, () => Math.fround(rng.float() * 2 - 1))),
  };
}

function edgeValues(kind: EdgeKind, rng: Rng, index: number): Values {
  switch (kind) {
    case 'max':
      return {
        ...normalValues(rng, index),
        c_bigint: Long.MAX_VALUE, c_int: 2147483647, c_smallint: 32767, c_tinyint: 127,
        // 38 significant digits: the most DynamoDB holds.
        c_varint: Integer.fromString('9'.repeat(38)),
        // 9.99…9E+125 (38 nines, scale -88); the typings say number, the driver takes an Integer.
        c_decimal: new BigDecimal(Integer.fromString('9'.repeat(38)) as unknown as number, -88),
        // 9.999999999999999e125 would round to the double 1e126, outside DynamoDB's range
        c_double: 9.99999999999999e125, c_float: 3.4028234663852886e38,
        c_timestamp: new Date('9999-12-31T23:59:59.999Z'), c_date: new LocalDate(9999, 12, 31),
        c_time: LocalTime.fromString('23:59:59.999999999'),
        c_duration: new Duration(2147483647, 2147483647, Long.MAX_VALUE),
        c_vector: vector(Array.from({ length: VECTOR_DIMENSION }, () => 3.4028234663852886e38)),
      };
    case 'min':
      return {
        ...normalValues(rng, index),
        c_bigint: Long.MIN_VALUE, c_int: -2147483648, c_smallint: -32768, c_tinyint: -128,
        c_varint: Integer.fromString(`-${'9'.repeat(38)}`),
        c_decimal: new BigDecimal(1, 130), // 1E-130
        c_double: -9.99999999999999e125, c_float: -1.401298464324817e-45,
        c_timestamp: new Date('0001-01-01T00:00:00.000Z'), c_date: new LocalDate(1, 1, 1),
        c_time: LocalTime.fromString('00:00:00'),
        c_duration: new Duration(-2147483647, -2147483647, Long.fromString('-9223372036854775807')),
      };
    case 'nulls':
      return {};
    case 'empty':
      return {
        c_ascii: '', c_text: '', c_varchar: '', c_blob: Buffer.alloc(0),
        c_list: [], c_set: [], c_map: {}, c_frozen_list: [], c_set_bigint: [], c_set_blob: [], c_set_uuid: [],
        c_map_nested: {}, c_list_udt: [],
        c_tuple: new Tuple(null, null, null),
        c_udt_frozen: { street: null, city: null, zip: null, tags: null },
        c_udt: { street: '', city: null, zip: null, tags: [] },
        c_boolean: false, c_int: 0, c_double: -0, c_float: 0, c_decimal: BigDecimal.fromString('0.000'),
      };
    case 'unicode': {
      const sample = UNICODE_SAMPLES[index % UNICODE_SAMPLES.length] ?? '';
      return {
        ...normalValues(rng, index),
        c_text: sample, c_varchar: [...UNICODE_SAMPLES].join(' | '), c_ascii: '~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./',
        c_set: [...UNICODE_SAMPLES],
        c_map: { [sample]: 1, '#': 2, 'a#b': 3, '\\': 4 },
        c_udt_frozen: { street: sample, city: 'Zürich', zip: 8001, tags: ['ü', '😀'] },
      };
    }
    case 'long':
      return {
        ...normalValues(rng, index),
        c_text: 'long text. '.repeat(LONG_TEXT_CHARS / 11 + 1).slice(0, LONG_TEXT_CHARS),
        c_blob: rng.bytes(65_536),
        c_list: Array.from({ length: 1000 }, (_, i) => i),
      };
    default: {
      const never: never = kind;
      throw new Error(`unknown edge kind ${String(never)}`);
    }
  }
}

function applyInvalid(values: Values, kind: InvalidKind): void {
  switch (kind) {
    case 'nan':
      values.c_double = Number.NaN;
      return;
    case 'infinity':
      values.c_float = Number.POSITIVE_INFINITY;
      return;
    case 'varint-39-digits':
      values.c_varint = Integer.fromString('1'.repeat(39));
      return;
    case 'decimal-exponent':
      values.c_decimal = new BigDecimal(1, 200); // 1E-200
      return;
    default: {
      const never: never = kind;
      throw new Error(`unknown invalid kind ${String(never)}`);
    }
  }
}
