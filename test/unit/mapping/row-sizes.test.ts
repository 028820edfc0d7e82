import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseCqlType } from '../../../src/mapping/cql-type.js';
import { itemSizeBytes } from '../../../src/mapping/item-size.js';
import { compileRowConverter, type RowConversion } from '../../../src/mapping/row-converter.js';
import type { TableSpec } from '../../../src/mapping/table-spec.js';

const { types } = cassandra;
const t = (s: string) => parseCqlType(s);
const localDateDays = (days: number) => new (types.LocalDate as unknown as new (d: number) => cassandra.types.LocalDate)(days);

function ok(r: RowConversion) {
  if (!r.ok) throw new Error(`rejected: ${JSON.stringify(r.reason)}`);
  return r;
}

describe('item size bookkeeping', () => {
  it('the per-column size functions agree with itemSizeBytes for every kind of value', () => {
    const cols: [string, unknown][] = [
      ['text', 'héllo 😀'], ['ascii', ''], ['int', -5], ['bigint', types.Long.fromString('-9223372036854775808')], ['varint', types.Integer.fromString('1'.repeat(30))],
      ['decimal', types.BigDecimal.fromString('-0.00120')], ['float', Math.fround(0.1)], ['double', 1 / 3], ['boolean', true], ['blob', Buffer.alloc(5)],
      ['uuid', types.Uuid.random()], ['timeuuid', types.TimeUuid.now()], ['timestamp', new Date(0)], ['date', localDateDays(5)],
      ['time', types.LocalTime.fromString('01:02:03')], ['duration', new types.Duration(1, 2, 3)], ['inet', types.InetAddress.fromString('::1')],
      ['list<int>', [1, 22, 333]], ['list<bigint>', [types.Long.ONE, null]], ['list<text>', ['a', 'é']], ['vector<float, 2>', new Float32Array([0.5, 1e-9])],
      ['set<text>', ['x', 'yy']], ['set<uuid>', [types.Uuid.random()]], ['set<int>', [1, 2]], ['set<decimal>', [types.BigDecimal.fromString('1.5')]],
      ['set<blob>', [Buffer.alloc(3), Buffer.alloc(4, 1)]], ['set<boolean>', [true]], ['set<timestamp>', [new Date(1)]],
      ['map<text, int>', { a: 1, bb: null }], ['map<int, frozen<list<text>>>', { 1: ['a'], 2: [] }], ['map<text, frozen<set<text>>>', { k: [] }],
      ['list<frozen<set<int>>>', [[1], []]], ['tuple<int, text, frozen<list<double>>>', types.Tuple.fromArray([1, null, [0.5]])],
      ['frozen<list<frozen<tuple<int, text>>>>', [types.Tuple.fromArray([null, 'x'])]],
    ];
    for (const timestampAs of ['iso', 'epochMillis'] as const) {
      const table: TableSpec = { partitionKeys: [{ name: 'k', type: t('int') }], clusteringKeys: [], columns: cols.map(([type], i) => ({ name: `c${i}`, type: t(type) })) };
      const row: Record<string, unknown> = { k: 1 };
      cols.forEach(([, v], i) => { row[`c${i}`] = v; });
      const r = ok(compileRowConverter(table, { timestampAs })(row));
      expect(Object.keys(r.item)).toHaveLength(cols.length + 1);
      expect(r.sizeBytes).toBe(itemSizeBytes(r.item));
    }
  });
});

describe('unusual names', () => {
  it('a column named __proto__ becomes an ordinary attribute', () => {
    const table: TableSpec = { partitionKeys: [{ name: 'k', type: t('int') }], clusteringKeys: [], columns: [{ name: '__proto__', type: t('text') }] };
    const row = Object.create(null) as Record<string, unknown>;
    row['k'] = 1;
    row['__proto__'] = 'x';
    const r = ok(compileRowConverter(table)(row));
    expect(JSON.stringify(r.item)).toBe('{"k":{"N":"1"},"__proto__":{"S":"x"}}');
    expect(r.sizeBytes).toBe(1 + 2 + 9 + 1);
  });
  it('non-ASCII column names count their UTF-8 bytes', () => {
    const table: TableSpec = { partitionKeys: [{ name: 'clé', type: t('int') }], clusteringKeys: [], columns: [{ name: 'név', type: t('text') }] };
    expect(ok(compileRowConverter(table)({ clé: 1, név: 'é' })).sizeBytes).toBe(4 + 2 + 4 + 2);
  });
});
