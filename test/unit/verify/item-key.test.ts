import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import type { Item } from '../../../src/mapping/attribute-value.js';
import { type CqlType, parseCqlType, type UdtField } from '../../../src/mapping/cql-type.js';
import type { MappingOptions } from '../../../src/mapping/options.js';
import { compileRowConverter, type SourceRow } from '../../../src/mapping/row-converter.js';
import type { TableSpec } from '../../../src/mapping/table-spec.js';
import type { RowWrite } from '../../../src/populate/model.js';
import { eventsModel } from '../../../src/populate/models/events.js';
import { usersModel } from '../../../src/populate/models/users.js';
import { compileItemKeyDecoder, type ItemKeyDecoding } from '../../../src/verify/item-key.js';

const { types } = cassandra;
const { Uuid, TimeUuid, Long, Integer, BigDecimal, LocalTime, InetAddress, Tuple } = types;
const LocalDate = types.LocalDate as unknown as typeof types.LocalDate & { new (days: number): cassandra.types.LocalDate };
const t = (s: string) => parseCqlType(s, { udts: (_ks, name) => (name === 'address' ? ADDRESS : undefined) });
const ADDRESS = {
  keyspace: 'app', name: 'address',
  fields: [
    { name: 'street', type: parseCqlType('text') },
    { name: 'Zip Code', type: parseCqlType('int') },
    { name: 'tags', type: parseCqlType('frozen<set<text>>') },
  ] as UdtField[],
};

/** cassandra-driver's own encoder: two values bind the same exactly when these bytes match. */
const encoder = new (cassandra as unknown as { Encoder: new (v: number, o: object) => { encode(v: unknown, t: unknown): Buffer | null } }).Encoder(4, { encoding: { map: Map } });
const dataTypes = types.dataTypes as unknown as Record<string, number>;

function typeInfo(type: CqlType): { code: number; info?: unknown } {
  switch (type.kind) {
    case 'list': case 'set': return { code: dataTypes[type.kind] as number, info: typeInfo(type.element) };
    case 'map': return { code: dataTypes.map as number, info: [typeInfo(type.key), typeInfo(type.value)] };
    case 'tuple': return { code: dataTypes.tuple as number, info: type.elements.map(typeInfo) };
    case 'udt': return { code: dataTypes.udt as number, info: { name: type.name, keyspace: type.keyspace, fields: type.fields.map((f) => ({ name: f.name, type: typeInfo(f.type) })) } };
    default: return { code: dataTypes[type.kind] as number };
  }
}

function bytes(type: CqlType, v: unknown): string {
  const b = encoder.encode(v, typeInfo(type));
  return b === null ? 'null' : b.toString('hex');
}

function ok(d: ItemKeyDecoding): { values: unknown[]; keyText: string; exact: boolean } {
  if (!d.ok) throw new Error(`not decoded: ${d.reason}`);
  return d;
}

function notOk(d: ItemKeyDecoding): string {
  if (d.ok) throw new Error(`decoded: ${d.keyText}`);
  expect(typeof d.reason).toBe('string');
  return d.reason;
}

const wire = (item: Item): Item => JSON.parse(JSON.stringify(item)) as Item;

/**
 * Converts each row with the mapping, decodes the item (as read back: parsed JSON) and checks
 * the values bind to the same bytes as the row's key values, and that the key texts agree.
 */
function roundTrip(table: TableSpec, rows: readonly SourceRow[], options: Partial<MappingOptions> = {}): Array<{ values: unknown[]; keyText: string }> {
  const convert = compileRowConverter(table, options);
  const decode = compileItemKeyDecoder(table, options);
  const keyCols = [...table.partitionKeys, ...table.clusteringKeys];
  expect(decode.columns).toEqual(keyCols.map((c) => c.name));
  expect(decode.keySchema).toEqual(convert.keySchema);
  const out: Array<{ values: unknown[]; keyText: string }> = [];
  for (const row of rows) {
    const conv = convert(row);
    if (!conv.ok) throw new Error(`row not converted: ${JSON.stringify(conv.reason)}`);
    const d = ok(decode(wire(conv.item)));
    expect(d.values).toHaveLength(keyCols.length);
    keyCols.forEach((c, i) => {
      expect(bytes(c.type, d.values[i]), `${c.name} of ${d.keyText}`).toBe(bytes(c.type, row[c.name]));
    });
    expect(d.keyText).toBe(decode.keyTextOfRow(row));
    if (decode.lossyColumns.length === 0) expect(d.exact).toBe(true);
    out.push(d);
  }
  const texts = new Set(out.map((d) => d.keyText));
  expect(texts.size).toBe(new Set(rows.map((r) => decode.keyTextOfRow(r))).size);
  return out;
}

function rowOf(columns: readonly string[], params: readonly unknown[]): SourceRow {
  return Object.fromEntries(columns.map((c, i) => [c, params[i]]));
}

const usersTable: TableSpec = {
  partitionKeys: [{ name: 'id', type: t('uuid') }],
  clusteringKeys: [],
  columns: [
    { name: 'name', type: t('text') }, { name: 'email', type: t('text') }, { name: 'age', type: t('int') },
    { name: 'created_at', type: t('timestamp') }, { name: 'tags', type: t('set<text>') }, { name: 'prefs', type: t('map<text, text>') },
  ],
};
const USERS_COLUMNS = ['id', 'name', 'email', 'age', 'created_at', 'tags', 'prefs'];

const eventsTable: TableSpec = {
  partitionKeys: [{ name: 'tenant_id', type: t('text') }, { name: 'day', type: t('date') }],
  clusteringKeys: [{ name: 'ts', type: t('timestamp'), order: 'DESC' }, { name: 'seq', type: t('int'), order: 'ASC' }],
  columns: [
    { name: 'event_type', type: t('text') }, { name: 'user_id', type: t('uuid') }, { name: 'amount', type: t('decimal') },
    { name: 'duration_ms', type: t('bigint') }, { name: 'source_ip', type: t('inet') }, { name: 'attrs', type: t('map<text, text>') },
  ],
};
const EVENTS_COLUMNS = ['tenant_id', 'day', 'ts', 'seq', 'event_type', 'user_id', 'amount', 'duration_ms', 'source_ip', 'attrs'];

const modelRows = (model: typeof usersModel, columns: string[], n: number): SourceRow[] =>
  Array.from({ length: n }, (_, i) => rowOf(columns, (model.generate(7, i, { edgeEvery: 10, invalidEvery: 0 })[0] as RowWrite).params));

describe('item key decoding: populate models', () => {
  it('users: id uuid, a native S key', () => {
    const rows = modelRows(usersModel, USERS_COLUMNS, 300);
    const decoded = roundTrip(usersTable, rows);
    expect(decoded[0]?.values[0]).toBeInstanceOf(Uuid);
    expect(decoded[0]?.keyText).toBe(`{"id":"${(rows[0]?.id as cassandra.types.Uuid).toString()}"}`);
  });

  it('events: composite partition (tenant_id, day), clustering (ts DESC, seq)', () => {
    const rows = modelRows(eventsModel, EVENTS_COLUMNS, 300);
    const decoded = roundTrip(eventsTable, rows);
    const [tenant, day, ts, seq] = decoded[0]?.values ?? [];
    expect(typeof tenant).toBe('string');
    expect(day).toBeInstanceOf(types.LocalDate);
    expect(ts).toBeInstanceOf(Date);
    expect(typeof seq).toBe('number');
    const r = rows[0] as Record<string, unknown>;
    expect(decoded[0]?.keyText).toBe(JSON.stringify({ tenant_id: r.tenant_id, day: String(r.day), ts: (r.ts as Date).toISOString(), seq: String(r.seq) }));
  });

  it('events with the key attributes named by the mapping and timestamps as epoch ms', () => {
    const rows = modelRows(eventsModel, EVENTS_COLUMNS, 100);
    const options = { hashKeyName: 'PK', rangeKeyName: 'SK', timestampAs: 'epochMillis', rename: { ts: 'time' } } as const;
    roundTrip(eventsTable, rows, options);
    const item = (compileRowConverter(eventsTable, options)(rows[0] as SourceRow) as { item: Item }).item;
    expect(Object.keys(item).slice(0, 2)).toEqual(['PK', 'SK']);
    expect(item.time).toEqual({ N: String((rows[0]?.ts as Date).getTime()) });
  });
});

describe('item key decoding: other key shapes', () => {
  it('blob/int composite partition and clustering keys', () => {
    const table: TableSpec = {
      partitionKeys: [{ name: 'bucket', type: t('blob') }, { name: 'shard', type: t('int') }],
      clusteringKeys: [{ name: 'part', type: t('int'), order: 'DESC' }, { name: 'tag', type: t('blob'), order: 'ASC' }],
      columns: [{ name: 'v', type: t('text') }],
    };
    const blobs = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 1, 2]), Buffer.from([255, 254]), Buffer.from('hello'), Buffer.alloc(40, 7)];
    const ints = [0, 1, -1, 2147483647, -2147483648, 42, -100000];
    const rows: SourceRow[] = [];
    for (let i = 0; i < 60; i++) {
      rows.push({ bucket: blobs[i % blobs.length], shard: ints[i % ints.length], part: ints[(i * 3) % ints.length], tag: blobs[(i * 5 + 1) % blobs.length], v: 'x' });
    }
    const decoded = roundTrip(table, rows);
    expect(Buffer.isBuffer(decoded[0]?.values[0])).toBe(true);
  });

  it('renamed single-column keys, timestamps as epoch milliseconds (N range key)', () => {
    const table: TableSpec = {
      partitionKeys: [{ name: 'user_id', type: t('uuid') }],
      clusteringKeys: [{ name: 'started_at', type: t('timestamp'), order: 'ASC' }],
      columns: [{ name: 'device', type: t('text') }],
    };
    const options = { rename: { user_id: 'userId', started_at: 'startedAt' }, timestampAs: 'epochMillis' } as const;
    const times = [0, 1, -1, Date.UTC(2024, 0, 2, 3, 4, 5, 678), -62167219200001, 253402300800000, 8.64e15, -8.64e15];
    const rows = times.map((ms, i) => ({ user_id: Uuid.random(), started_at: new Date(ms), device: `d${i}` }));
    roundTrip(table, rows, options);
    const decode = compileItemKeyDecoder(table, options);
    expect(decode.keySchema).toEqual({
      hashKey: { name: 'userId', type: 'S', columns: ['user_id'], encoding: 'native' },
      rangeKey: { name: 'startedAt', type: 'N', columns: ['started_at'], encoding: 'native' },
    });
    // DynamoDB's own number text reads back too.
    const d = ok(decode({ userId: { S: '5b6962dd-3f90-4c93-8f61-eabfbc73c2cf' }, startedAt: { N: '1.7E+12' } }));
    expect((d.values[1] as Date).getTime()).toBe(1.7e12);
  });

  it('a single clustering column in the ordered encoding', () => {
    const table: TableSpec = {
      partitionKeys: [{ name: 'k', type: t('text') }],
      clusteringKeys: [{ name: 'id', type: t('timeuuid'), order: 'DESC' }],
      columns: [],
    };
    const rows = Array.from({ length: 20 }, (_, i) => ({ k: `p${i % 3}`, id: TimeUuid.fromDate(new Date(Date.UTC(2020, 0, 1) + i * 3600e3), i) }));
    const decoded = roundTrip(table, rows, { singleRangeKey: 'ordered' });
    expect(decoded[0]?.values[1]).toBeInstanceOf(TimeUuid);
  });
});

/** Values for every scalar key type, with their edges. */
const localDate = (days: number) => new LocalDate(days);
const SCALARS: Record<string, unknown[]> = {
  text: ['a', 'héllo wörld', '\u0000\u0001\u0002x', 'x'.repeat(300), '🎉'],
  ascii: ['abc', 'A B'],
  varchar: ['v'],
  int: [0, 1, -1, 2147483647, -2147483648],
  smallint: [0, 32767, -32768],
  tinyint: [0, 127, -128],
  bigint: [Long.ZERO, Long.MAX_VALUE, Long.MIN_VALUE, Long.fromString('9007199254740993'), Long.fromNumber(-5)],
  varint: [Integer.fromString('0'), Integer.fromString('123456789012345678901234567890'), Integer.fromString('-98765432109876543210'), Integer.fromString(`1${'0'.repeat(40)}`)],
  decimal: [BigDecimal.fromString('12.5'), BigDecimal.fromString('-0.001'), BigDecimal.fromString('100'), BigDecimal.fromString('0'), BigDecimal.fromString('123456789.123456789')],
  float: [0, 1.5, -2.25, Math.fround(0.1), Math.fround(3.4e38), Math.fround(1e-45)],
  double: [0, 0.1, -1e300, 5e-324, Math.PI],
  boolean: [true, false],
  blob: [Buffer.from([1]), Buffer.from([0, 0xff, 0x10]), Buffer.alloc(100, 0xab)],
  uuid: [Uuid.fromString('5b6962dd-3f90-4c93-8f61-eabfbc73c2cf'), Uuid.fromString('00000000-0000-0000-0000-000000000000'), TimeUuid.fromString('e3b0c440-c4b6-11ee-8c90-0242ac120002')],
  timeuuid: [TimeUuid.fromString('e3b0c440-c4b6-11ee-8c90-0242ac120002'), TimeUuid.fromDate(new Date(0), 0, 'abcdef', 'ab')],
  timestamp: [new Date(0), new Date(-1), new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), new Date(-62167219200001), new Date(253402300800000)],
  date: [localDate(0), localDate(-1), localDate(19782), localDate(-719529), localDate(2932897), localDate(2147483647), localDate(-2147483648)],
  time: [LocalTime.fromString('00:00:00'), LocalTime.fromString('23:59:59.999999999'), LocalTime.fromString('12:34:56.000001')],
  inet: [InetAddress.fromString('10.0.0.1'), InetAddress.fromString('2001:db8::1'), InetAddress.fromString('::')],
};

describe('item key decoding: every scalar type', () => {
  for (const [kind, values] of Object.entries(SCALARS)) {
    it(`${kind}: single-column key and composite components (ASC and DESC)`, () => {
      const type = t(kind);
      const single: TableSpec = { partitionKeys: [{ name: 'k', type }], clusteringKeys: [], columns: [] };
      // A native key holds what DynamoDB can: no empty text/blob, numbers within its range.
      const native = values.filter((v) => compileRowConverter(single)({ k: v }).ok);
      expect(native.length).toBeGreaterThan(0);
      roundTrip(single, native.map((v) => ({ k: v })));
      roundTrip(single, native.map((v) => ({ k: v })), { timestampAs: 'epochMillis' });
      const composite: TableSpec = {
        partitionKeys: [{ name: 'p', type: t('int') }, { name: 'k', type }],
        clusteringKeys: [{ name: 'c1', type, order: 'DESC' }, { name: 'c2', type, order: 'ASC' }],
        columns: [],
      };
      // The composite encoding holds every value; the key columns' plain attributes may not.
      const plainOff = { exclude: ['k', 'c1', 'c2'] };
      const rows = values.map((v, i) => ({ p: i, k: v, c1: values[(i + 1) % values.length], c2: values[(i + 2) % values.length] }));
      roundTrip(composite, rows, plainOff);
      // As a single clustering column: native and ordered.
      const clustered: TableSpec = { partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'c', type, order: 'DESC' }], columns: [] };
      roundTrip(clustered, native.map((v, i) => ({ p: i, c: v })));
      roundTrip(clustered, values.map((v, i) => ({ p: i, c: v })), { singleRangeKey: 'ordered', exclude: ['c'] });
    });
  }

  it('float -0.0 and NaN survive in a composite key (Cassandra tells them apart)', () => {
    const table: TableSpec = { partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'x', type: t('double'), order: 'ASC' }, { name: 'y', type: t('float'), order: 'DESC' }], columns: [] };
    const d = roundTrip(table, [{ p: 1, x: -0, y: NaN }, { p: 1, x: Infinity, y: -Infinity }], { exclude: ['x', 'y'] });
    expect(Object.is(d[0]?.values[1], -0)).toBe(true);
    expect(Number.isNaN(d[0]?.values[2])).toBe(true);
  });
});

describe('item key decoding: frozen collections, tuples and UDTs in keys', () => {
  const complex: Array<[string, unknown[]]> = [
    ['frozen<list<int>>', [[1, 2, 3], [], [-5]]],
    ['frozen<set<text>>', [['a', "it's", 'b, c'], ['x']]],
    ['frozen<map<text, frozen<list<bigint>>>>', [new Map([['a', [Long.fromNumber(1), Long.MAX_VALUE]], ['b: c', []]]), new Map()]],
    ['frozen<map<int, boolean>>', [new Map([[1, true], [-2, false]])]],
    ['tuple<int, text, timestamp, blob, uuid>', [new Tuple(1, 'x', new Date(5), Buffer.from([1, 2]), Uuid.fromString('5b6962dd-3f90-4c93-8f61-eabfbc73c2cf')), new Tuple(null, null, null, null, null)]],
    ['tuple<double, frozen<list<decimal>>, date, time, inet>', [new Tuple(1.5, [BigDecimal.fromString('1.25')], localDate(5), LocalTime.fromString('01:02:03.5'), InetAddress.fromString('::1'))]],
    ['frozen<address>', [{ street: "O'Connell St", 'Zip Code': 1234, tags: ['home'] }, { street: null, 'Zip Code': null, tags: null }]],
    ['frozen<list<frozen<address>>>', [[{ street: 'a', 'Zip Code': 1, tags: ['t', 'u'] }]]],
  ];
  for (const [typeText, values] of complex) {
    it(typeText, () => {
      const type = t(typeText);
      const single: TableSpec = { partitionKeys: [{ name: 'k', type }], clusteringKeys: [], columns: [] };
      roundTrip(single, values.map((v) => ({ k: v })));
      const composite: TableSpec = {
        partitionKeys: [{ name: 'p', type: t('text') }, { name: 'k', type }],
        clusteringKeys: [{ name: 'c', type, order: 'DESC' }],
        columns: [],
      };
      roundTrip(composite, values.map((v, i) => ({ p: `p${i}`, k: v, c: values[(i + 1) % values.length] })));
    });
  }
});

describe('item key decoding: items that no row of this mapping became', () => {
  const decodeUsers = compileItemKeyDecoder(usersTable, {});
  const decodeEvents = compileItemKeyDecoder(eventsTable, {});
  const event = (compileRowConverter(eventsTable)(modelRows(eventsModel, EVENTS_COLUMNS, 1)[0] as SourceRow) as { item: Item }).item;

  it('missing key attributes', () => {
    expect(notOk(decodeUsers({ name: { S: 'x' } }))).toMatch(/key attribute "id" is missing/);
    const { 'ts#seq': _range, ...noRange } = event;
    expect(notOk(decodeEvents(noRange))).toMatch(/"ts#seq" is missing/);
    expect(notOk(decodeUsers(JSON.parse('{"constructor": {"S": "x"}}') as Item))).toMatch(/missing/);
  });

  it('a key attribute of the wrong type', () => {
    expect(notOk(decodeUsers({ id: { N: '1' } }))).toMatch(/expected type S/);
    expect(notOk(decodeEvents({ ...event, 'tenant_id#day': { B: 'AQ==' } }))).toMatch(/expected type S/);
  });

  it('text that is not a value of the column type', () => {
    expect(notOk(decodeUsers({ id: { S: 'hello' } }))).toMatch(/cannot be decoded/);
    expect(notOk(decodeEvents({ ...event, 'tenant_id#day': { S: 'just-text' } }))).toMatch(/2 components|components/);
    expect(notOk(decodeEvents({ ...event, 'ts#seq': { S: `garbage\u0001115` } }))).toMatch(/cannot be decoded/);
  });

  it('values the mapping would have written differently', () => {
    expect(notOk(decodeUsers({ id: { S: '5B6962DD-3F90-4C93-8F61-EABFBC73C2CF' } }))).toMatch(/not what this mapping writes/);
    const empty: TableSpec = { partitionKeys: [{ name: 'k', type: t('text') }], clusteringKeys: [], columns: [] };
    expect(notOk(compileItemKeyDecoder(empty)({ k: { S: '' } }))).toMatch(/not a valid key/);
  });

  it('out of range, non-integer and non-v1 values', () => {
    const single = (type: string) => compileItemKeyDecoder({ partitionKeys: [{ name: 'k', type: t(type) }], clusteringKeys: [], columns: [] });
    expect(notOk(single('int')({ k: { N: '3000000000' } }))).toMatch(/out of range for int/);
    expect(notOk(single('tinyint')({ k: { N: '128' } }))).toMatch(/out of range/);
    expect(notOk(single('bigint')({ k: { N: '9223372036854775808' } }))).toMatch(/out of range/);
    expect(notOk(single('int')({ k: { N: '1.5' } }))).toMatch(/not an integer/);
    expect(notOk(single('timeuuid')({ k: { S: '5b6962dd-3f90-4c93-8f61-eabfbc73c2cf' } }))).toMatch(/not a version 1 uuid/);
    expect(notOk(single('date')({ k: { S: '2024-13-45' } }))).toMatch(/k/);
    expect(notOk(single('time')({ k: { S: '25:00:00.000000000' } }))).toMatch(/time/);
    expect(notOk(single('frozen<list<int>>')({ k: { S: '[1, x]' } }))).toMatch(/cannot be decoded/);
    expect(notOk(single('frozen<list<int>>')({ k: { S: '[1, 2' } }))).toMatch(/cannot be decoded/);
  });

  it('numbers as DynamoDB returns them decode (value, not text)', () => {
    const single = (type: string) => compileItemKeyDecoder({ partitionKeys: [{ name: 'k', type: t(type) }], clusteringKeys: [], columns: [] });
    const big = ok(single('varint')({ k: { N: `1${'0'.repeat(40)}` } }));
    expect(String(big.values[0])).toBe(`1${'0'.repeat(40)}`);
    expect(big.keyText).toBe(single('varint').keyTextOfRow({ k: Integer.fromString(`1${'0'.repeat(40)}`) }));
    expect(ok(single('int')({ k: { N: '1.20E+1' } })).values).toEqual([12]);
    expect((ok(single('bigint')({ k: { N: '-0' } })).values[0] as cassandra.types.Long).isZero()).toBe(true);
  });

  it('decimal keys keep the value, not the scale (documented limit)', () => {
    const table: TableSpec = { partitionKeys: [{ name: 'k', type: t('decimal') }], clusteringKeys: [], columns: [] };
    const row = { k: BigDecimal.fromString('1.50') };
    const item = (compileRowConverter(table)(row) as { item: Item }).item;
    expect(item.k).toEqual({ N: '1.5' });
    const decode = compileItemKeyDecoder(table);
    const d = ok(decode(item));
    expect((d.values[0] as cassandra.types.BigDecimal).toString()).toBe('1.5');
    expect((d.values[0] as cassandra.types.BigDecimal).equals(row.k)).toBe(true);
    expect(d.keyText).toBe(decode.keyTextOfRow(row));
    // The stored key may have had another scale: a missed lookup would prove nothing.
    expect(d.exact).toBe(false);
    expect(decode.lossyColumns).toEqual(['k']);
  });

  it('exact: false only where DynamoDB cannot keep the key apart', () => {
    const decoderOf = (table: TableSpec, options: Partial<MappingOptions> = {}) => {
      const convert = compileRowConverter(table, options);
      const decode = compileItemKeyDecoder(table, options);
      return { decode, exact: (row: SourceRow) => ok(decode((convert(row) as { item: Item }).item)).exact };
    };
    const users = decoderOf(usersTable);
    expect(users.decode.lossyColumns).toEqual([]);
    expect(users.exact({ id: Uuid.random() })).toBe(true);
    // decimal clustering columns compare by value in Cassandra: exact.
    const decClustering = decoderOf({ partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'c', type: t('decimal'), order: 'ASC' }], columns: [] });
    expect(decClustering.decode.lossyColumns).toEqual([]);
    expect(decClustering.exact({ p: 1, c: BigDecimal.fromString('1.50') })).toBe(true);
    // decimal inside a composite partition key: not exact.
    const decPartition = decoderOf({ partitionKeys: [{ name: 'a', type: t('text') }, { name: 'd', type: t('frozen<list<decimal>>') }], clusteringKeys: [], columns: [] });
    expect(decPartition.decode.lossyColumns).toEqual(['d']);
    expect(decPartition.exact({ a: 'x', d: [BigDecimal.fromString('1')] })).toBe(false);
    // a native float key: -0.0 is written as 0, so 0 is not exact; other values are.
    const floatKey = decoderOf({ partitionKeys: [{ name: 'f', type: t('double') }], clusteringKeys: [], columns: [] });
    expect(floatKey.decode.lossyColumns).toEqual(['f']);
    expect(floatKey.exact({ f: 1.5 })).toBe(true);
    expect(floatKey.exact({ f: -0 })).toBe(false);
    expect(floatKey.exact({ f: 0 })).toBe(false);
    // the composite encoding keeps -0.0: exact.
    const floatComposite = decoderOf({ partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'f', type: t('float'), order: 'ASC' }, { name: 'g', type: t('int'), order: 'ASC' }], columns: [] }, { exclude: ['f'] });
    expect(floatComposite.decode.lossyColumns).toEqual([]);
    expect(floatComposite.exact({ p: 1, f: -0, g: 1 })).toBe(true);
    // floats inside frozen values lose -0.0 in any key.
    const frozenFloats = decoderOf({ partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'l', type: t('frozen<list<double>>'), order: 'ASC' }], columns: [] });
    expect(frozenFloats.decode.lossyColumns).toEqual(['l']);
    expect(frozenFloats.exact({ p: 1, l: [1.5] })).toBe(false);
  });

  it('keyTextOfRow is undefined for rows without a valid key', () => {
    expect(decodeUsers.keyTextOfRow({ id: null })).toBeUndefined();
    expect(decodeUsers.keyTextOfRow({})).toBeUndefined();
    expect(decodeUsers.keyTextOfRow({ id: 42 })).toBeUndefined();
  });

  it('a column named __proto__ in the key', () => {
    const table: TableSpec = { partitionKeys: [{ name: '__proto__', type: t('int') }, { name: 'b', type: t('text') }], clusteringKeys: [], columns: [] };
    const row = JSON.parse('{"__proto__": 5, "b": "x"}') as SourceRow;
    roundTrip(table, [row]);
  });
});
