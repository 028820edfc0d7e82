import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseCqlType } from '../../../src/mapping/cql-type.js';
import { decodeCompositeKey } from '../../../src/mapping/key-encoding.js';
import { itemSizeBytes } from '../../../src/mapping/item-size.js';
import { compileKeyBuilder, describeKeySchema } from '../../../src/mapping/keys.js';
import { DEFAULT_MAPPING_OPTIONS, resolveMappingOptions } from '../../../src/mapping/options.js';
import { compileRowConverter, type RowConversion, validateMapping } from '../../../src/mapping/row-converter.js';
import { type TableSpec, tableSpecFromMetadata } from '../../../src/mapping/table-spec.js';
import { dynamoCmp } from './key-gen.js';

const { types } = cassandra;
const t = (s: string) => parseCqlType(s);
const localDateDays = (days: number) => new (types.LocalDate as unknown as new (d: number) => cassandra.types.LocalDate)(days);
const Row = (types as unknown as { Row: new (columns: { name: string }[]) => Record<string, unknown> }).Row;
const getByName = (name: string) => (types.dataTypes as unknown as { getByName(n: string): unknown }).getByName(name);

const users: TableSpec = {
  partitionKeys: [{ name: 'user_id', type: t('uuid') }],
  clusteringKeys: [],
  columns: [
    { name: 'user_id', type: t('uuid') },
    { name: 'email', type: t('text') },
    { name: 'name', type: t('text') },
    { name: 'age', type: t('int') },
    { name: 'balance', type: t('decimal') },
    { name: 'created', type: t('timestamp') },
    { name: 'tags', type: t('set<text>') },
    { name: 'prefs', type: t('map<text, text>') },
    { name: 'avatar', type: t('blob') },
    { name: 'active', type: t('boolean') },
    { name: 'score', type: t('double') },
  ],
};

const events: TableSpec = {
  partitionKeys: [{ name: 'tenant_id', type: t('text') }, { name: 'day', type: t('date') }],
  clusteringKeys: [{ name: 'ts', type: t('timestamp'), order: 'DESC' }, { name: 'seq', type: t('int'), order: 'ASC' }],
  columns: [{ name: 'payload', type: t('text') }, { name: 'owner', type: t('text'), isStatic: true }],
};

const uid = types.Uuid.fromString('5b6962dd-3f90-4c93-8f61-eabfbc73c2cf');
const userRow = () => ({
  user_id: uid, email: 'ada@example.com', name: null, age: 36, balance: types.BigDecimal.fromString('10.50'),
  created: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), tags: ['admin', 'beta'], prefs: {}, avatar: Buffer.from([1, 2, 3]),
  active: true, score: 0.5,
});

function ok(r: RowConversion) {
  if (!r.ok) throw new Error(`rejected: ${JSON.stringify(r.reason)}`);
  return r;
}
function rejected(r: RowConversion) {
  if (r.ok) throw new Error('not rejected');
  expect(structuredClone(r.reason)).toEqual(r.reason);
  expect(Object.keys(r.reason).sort()).toEqual(['code', 'column', 'message']);
  return r.reason;
}

describe('single-column keys', () => {
  it('converts a users row: key keeps its name, nulls and empty collections omitted', () => {
    const convert = compileRowConverter(users);
    expect(convert.keySchema).toEqual({ hashKey: { name: 'user_id', type: 'S', columns: ['user_id'], encoding: 'native' }, rangeKey: null });
    const r = ok(convert(userRow()));
    expect(r.item).toEqual({
      user_id: { S: '5b6962dd-3f90-4c93-8f61-eabfbc73c2cf' },
      email: { S: 'ada@example.com' },
      age: { N: '36' },
      balance: { N: '10.5' },
      created: { S: '2024-01-02T03:04:05.678Z' },
      tags: { SS: ['admin', 'beta'] },
      avatar: { B: 'AQID' },
      active: { BOOL: true },
      score: { N: '0.5' },
    });
    expect(Object.keys(r.item)[0]).toBe('user_id');
    expect(r.sizeBytes).toBe(itemSizeBytes(r.item));
    expect(r.wcu).toBe(1);
  });

  it('reads driver Row objects', () => {
    const row = new Row([{ name: 'user_id' }, { name: 'email' }]);
    row['user_id'] = uid;
    row['email'] = 'x@y';
    expect(ok(compileRowConverter(users)(row)).item).toEqual({ user_id: { S: uid.toString() }, email: { S: 'x@y' } });
  });

  it('dead-letters with the failing column', () => {
    const convert = compileRowConverter(users);
    expect(rejected(convert({ ...userRow(), score: NaN }))).toMatchObject({ code: 'NUMBER_NOT_FINITE', column: 'score' });
    expect(rejected(convert({ ...userRow(), user_id: null }))).toMatchObject({ code: 'EMPTY_KEY_VALUE', column: 'user_id' });
    expect(rejected(convert({ ...userRow(), age: 'x' }))).toMatchObject({ code: 'INVALID_VALUE', column: 'age' });
  });

  it('rejects items above 400 KB', () => {
    const convert = compileRowConverter(users);
    expect(ok(convert({ user_id: uid, avatar: Buffer.alloc(400 * 1024 - 100) })).wcu).toBe(400);
    const reason = rejected(convert({ user_id: uid, avatar: Buffer.alloc(400 * 1024) }));
    expect(reason.code).toBe('ITEM_TOO_LARGE');
    expect(rejected(compileRowConverter(users, { maxItemBytes: 100 })(userRow())).code).toBe('ITEM_TOO_LARGE');
  });

  it('gives every key type a key-legal DynamoDB type', () => {
    const cases: [string, unknown, unknown][] = [
      ['text', 'abc', { S: 'abc' }],
      ['bigint', types.Long.fromString('-9223372036854775808'), { N: '-9223372036854775808' }],
      ['varint', types.Integer.fromString('123'), { N: '123' }],
      ['float', Math.fround(0.1), { N: '0.1' }],
      ['decimal', types.BigDecimal.fromString('1.10'), { N: '1.1' }],
      ['blob', Buffer.from([0xff]), { B: '/w==' }],
      ['timeuuid', types.TimeUuid.fromString('c04071a0-e596-11f1-b226-bd78f4eb8e7a'), { S: 'c04071a0-e596-11f1-b226-bd78f4eb8e7a' }],
      ['timestamp', new Date(0), { S: '1970-01-01T00:00:00.000Z' }],
      ['date', new types.LocalDate(2024, 1, 2), { S: '2024-01-02' }],
      ['time', types.LocalTime.fromString('10:00:00'), { S: '10:00:00.000000000' }],
      ['boolean', false, { S: 'false' }],
      ['inet', types.InetAddress.fromString('::1'), { S: '::1' }],
      ['frozen<tuple<int, text>>', types.Tuple.fromArray([1, 'a']), { S: "(1, 'a')" }],
      ['frozen<list<int>>', [3, 1], { S: '[3, 1]' }],
    ];
    for (const [type, value, expected] of cases) {
      const table: TableSpec = { partitionKeys: [{ name: 'k', type: t(type) }], clusteringKeys: [], columns: [] };
      const convert = compileRowConverter(table);
      expect(ok(convert({ k: value })).item, type).toEqual({ k: expected });
      expect(convert.keySchema.hashKey.type, type).toBe(Object.keys(expected as object)[0]);
    }
    const ts: TableSpec = { partitionKeys: [{ name: 'k', type: t('timestamp') }], clusteringKeys: [], columns: [] };
    const epoch = compileRowConverter(ts, { timestampAs: 'epochMillis' });
    expect(epoch.keySchema.hashKey.type).toBe('N');
    expect(ok(epoch({ k: new Date(5) })).item).toEqual({ k: { N: '5' } });
  });

  it('rejects empty and oversized key values, and number keys DynamoDB cannot hold', () => {
    const key = (type: string) => compileRowConverter({ partitionKeys: [{ name: 'k', type: t(type) }], clusteringKeys: [], columns: [] });
    expect(rejected(key('text')({ k: '' }))).toMatchObject({ code: 'EMPTY_KEY_VALUE', column: 'k' });
    expect(rejected(key('blob')({ k: Buffer.alloc(0) }))).toMatchObject({ code: 'EMPTY_KEY_VALUE', column: 'k' });
    expect(ok(key('text')({ k: 'é'.repeat(1024) })).item['k']).toEqual({ S: 'é'.repeat(1024) }); // 2048 bytes
    expect(rejected(key('text')({ k: `${'é'.repeat(1024)}x` })).code).toBe('KEY_TOO_LARGE');
    expect(rejected(key('blob')({ k: Buffer.alloc(2049) })).code).toBe('KEY_TOO_LARGE');
    expect(rejected(key('double')({ k: NaN })).code).toBe('NUMBER_NOT_FINITE');
    expect(rejected(key('varint')({ k: types.Integer.fromString('1'.repeat(39)) })).code).toBe('NUMBER_TOO_PRECISE');
  });
});

describe('composite keys', () => {
  const row = {
    tenant_id: 'acme', day: new types.LocalDate(2024, 3, 1), ts: new Date(Date.UTC(2024, 2, 1, 12)), seq: 7, payload: 'hello', owner: 'bob',
  };

  it('joins the column names with # and keeps the original columns', () => {
    const convert = compileRowConverter(events);
    expect(describeKeySchema(events, DEFAULT_MAPPING_OPTIONS)).toEqual({
      hashKey: { name: 'tenant_id#day', type: 'S', columns: ['tenant_id', 'day'], encoding: 'composite' },
      rangeKey: { name: 'ts#seq', type: 'S', columns: ['ts', 'seq'], encoding: 'composite' },
    });
    const r = ok(convert(row));
    expect(r.item['tenant_id#day']).toEqual({ S: 'acme\u00012024-03-01' });
    expect(Object.keys(r.item)).toEqual(['tenant_id#day', 'ts#seq', 'tenant_id', 'day', 'ts', 'seq', 'payload', 'owner']);
    expect(r.item['tenant_id']).toEqual({ S: 'acme' });
    expect(r.item['ts']).toEqual({ S: '2024-03-01T12:00:00.000Z' });
    const range = (r.item['ts#seq'] as { S: string }).S;
    expect(decodeCompositeKey(range, events.clusteringKeys)).toEqual([row.ts.getTime(), 7n]);
  });

  it('sorts the RANGE key like the clustering order (ts DESC, seq ASC)', () => {
    const convert = compileRowConverter(events);
    const rows: (typeof row)[] = [];
    for (const ms of [1000, 2000, 3000]) for (const seq of [-10, -1, 0, 2, 10]) rows.push({ ...row, ts: new Date(ms), seq });
    const keyOf = (x: typeof rows[number]) => (ok(convert(x)).item['ts#seq'] as { S: string }).S;
    const byCassandra = [...rows].sort((a, b) => b.ts.getTime() - a.ts.getTime() || a.seq - b.seq).map(keyOf);
    expect([...byCassandra].sort(dynamoCmp)).toEqual(byCassandra);
  });

  it('allows empty text components (the joined key is never empty) but not null ones', () => {
    const convert = compileRowConverter(events);
    expect(ok(convert({ ...row, tenant_id: '' })).item['tenant_id#day']).toEqual({ S: '\u00012024-03-01' });
    expect(rejected(convert({ ...row, seq: null }))).toMatchObject({ code: 'EMPTY_KEY_VALUE', column: 'ts,seq' });
  });

  it('rejects a sort key above 1024 bytes', () => {
    const table: TableSpec = { partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'a', type: t('text'), order: 'ASC' }, { name: 'b', type: t('text'), order: 'ASC' }], columns: [] };
    const convert = compileRowConverter(table);
    expect(ok(convert({ p: 1, a: 'x'.repeat(500), b: 'y'.repeat(523) })).ok).toBe(true);
    expect(rejected(convert({ p: 1, a: 'x'.repeat(500), b: 'y'.repeat(524) }))).toMatchObject({ code: 'KEY_TOO_LARGE', column: 'a,b' });
  });

  it('singleRangeKey ordered: a timeuuid clustering column sorts by time', () => {
    const table: TableSpec = { partitionKeys: [{ name: 'p', type: t('int') }], clusteringKeys: [{ name: 'id', type: t('timeuuid'), order: 'ASC' }], columns: [] };
    const native = compileRowConverter(table);
    const ordered = compileRowConverter(table, { singleRangeKey: 'ordered' });
    expect(native.keySchema.rangeKey).toMatchObject({ name: 'id', type: 'S', encoding: 'native' });
    expect(ordered.keySchema.rangeKey).toMatchObject({ name: 'id#ordered', type: 'S', encoding: 'composite' });
    const ids = [401000, 1000, 3000].map((ms, i) => types.TimeUuid.fromDate(new Date(ms), 0, '000000', i === 0 ? 'aa' : 'zz'));
    const first = ok(ordered({ p: 1, id: ids[0] })).item;
    expect(Object.keys(first)).toEqual(['p', 'id#ordered', 'id']);
    expect(first['id']).toEqual({ S: ids[0]!.toString() });
    const keys = ids.map((id) => (ok(ordered({ p: 1, id })).item['id#ordered'] as { S: string }).S);
    // Plain uuid text does not sort by time: 400 s later, time_low has wrapped around.
    const texts = ids.map((id) => id.toString());
    expect([...texts].sort(dynamoCmp)).not.toEqual([texts[1], texts[2], texts[0]]);
    const replacing = compileRowConverter(table, { singleRangeKey: 'ordered', rangeKeyName: 'id' });
    expect(Object.keys(ok(replacing({ p: 1, id: ids[0] })).item)).toEqual(['p', 'id']);
    expect([...keys].sort(dynamoCmp)).toEqual([keys[1], keys[2], keys[0]]);
    expect(decodeCompositeKey(keys[0] as string, table.clusteringKeys)).toEqual([ids[0]!.toString()]);
  });
});

describe('options', () => {
  it('renames, includes and excludes columns; key names can be overridden', () => {
    const convert = compileRowConverter(events, { rename: { payload: 'body', tenant_id: 'tenant' }, exclude: ['owner'], hashKeyName: 'pk', rangeKeyName: 'sk' });
    const r = ok(convert({ tenant_id: 'a', day: localDateDays(0), ts: new Date(0), seq: 1, payload: 'p', owner: 'o' }));
    expect(Object.keys(r.item)).toEqual(['pk', 'sk', 'tenant', 'day', 'ts', 'seq', 'body']);
    const only = compileRowConverter(users, { include: ['email'] });
    expect(Object.keys(ok(only(userRow())).item)).toEqual(['user_id', 'email']);
    expect(only.attributes).toEqual([{ column: 'email', attribute: 'email' }]);
  });
  it('a renamed single-column key renames the key attribute', () => {
    const convert = compileRowConverter(users, { rename: { user_id: 'id' }, include: [] });
    expect(convert.keySchema.hashKey.name).toBe('id');
    expect(ok(convert(userRow())).item).toEqual({ id: { S: uid.toString() } });
  });
  it('validateMapping reports unknown columns and clashing names', () => {
    expect(validateMapping(users, {})).toEqual([]);
    expect(validateMapping(users, { include: ['nope'], rename: { x: 'y' } })).toEqual([
      'include names unknown column "nope"', 'rename names unknown column "x"',
    ]);
    expect(validateMapping(users, { rename: { email: 'name' } })[0]).toMatch(/used by both column email and column name/);
    expect(validateMapping(events, { rename: { payload: 'ts#seq' } })[0]).toMatch(/ts#seq/);
    expect(() => compileRowConverter(users, { exclude: ['nope'] })).toThrow(/invalid mapping/);
  });
  it('defaults are frozen and resolveMappingOptions fills the gaps', () => {
    expect(Object.isFrozen(DEFAULT_MAPPING_OPTIONS)).toBe(true);
    expect(resolveMappingOptions({ timestampAs: 'epochMillis', rename: undefined } as never)).toEqual({ ...DEFAULT_MAPPING_OPTIONS, timestampAs: 'epochMillis' });
    expect(structuredClone(resolveMappingOptions())).toEqual(DEFAULT_MAPPING_OPTIONS);
  });
  it('compileKeyBuilder builds just the key', () => {
    const build = compileKeyBuilder(events, DEFAULT_MAPPING_OPTIONS);
    expect(Object.keys(build({ tenant_id: 'a', day: localDateDays(0), ts: new Date(0), seq: 1 }))).toEqual(['tenant_id#day', 'ts#seq']);
  });
});

describe('tableSpecFromMetadata', () => {
  it('reads the driver TableMetadata shape', () => {
    const dt = types.dataTypes;
    const meta = {
      partitionKeys: [{ name: 'k', type: { code: dt.text, info: null } }],
      clusteringKeys: [{ name: 'c', type: { code: dt.timeuuid, info: null } }],
      clusteringOrder: ['DESC'],
      columns: [
        { name: 'k', type: { code: dt.text, info: null } },
        { name: 'c', type: { code: dt.timeuuid, info: null } },
        { name: 's', type: { code: dt.int, info: null }, isStatic: true },
        { name: 'v', type: getByName('vector<float, 3>') },
      ],
    };
    const spec = tableSpecFromMetadata(meta as never);
    expect(spec).toEqual({
      partitionKeys: [{ name: 'k', type: { kind: 'text' } }],
      clusteringKeys: [{ name: 'c', type: { kind: 'timeuuid' }, order: 'DESC' }],
      columns: [
        { name: 'k', type: { kind: 'text' } },
        { name: 'c', type: { kind: 'timeuuid' } },
        { name: 's', type: { kind: 'int' }, isStatic: true },
        { name: 'v', type: { kind: 'vector', element: { kind: 'float' }, dimension: 3 } },
      ],
    });
    expect(structuredClone(spec)).toEqual(spec);
  });
});
