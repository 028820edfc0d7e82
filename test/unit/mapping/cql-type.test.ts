import { createRequire } from 'node:module';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { type CqlType, formatCqlType, fromDriverType, parseCqlType, type UdtResolver } from '../../../src/mapping/cql-type.js';
import { parseJavaType, type DriverDataTypeInfo } from '../../../src/mapping/driver-type.js';

const require = createRequire(import.meta.url);
/** The driver's own type parser (internal): it builds the metadata shapes `client.metadata` returns. */
const Encoder = require('cassandra-driver/lib/encoder') as new (version: number, options: object) => {
  parseTypeName(ks: string, name: string, start: number, length: null, udtResolver: (ks: string, name: string) => Promise<unknown>): Promise<DriverDataTypeInfo>;
  parseFqTypeName(name: string): DriverDataTypeInfo;
};
const encoder = new Encoder(4, {});

const address = { keyspace: 'app', name: 'address', fields: [{ name: 'street', type: { kind: 'text' } as CqlType }, { name: 'zip', type: { kind: 'int' } as CqlType }] };
const udts: UdtResolver = (ks, name) => (name === 'address' && (ks === undefined || ks === 'app') ? address : undefined);

describe('parseCqlType / formatCqlType', () => {
  it('parses scalars, case-insensitively', () => {
    expect(parseCqlType('int')).toEqual({ kind: 'int' });
    expect(parseCqlType(' TEXT ')).toEqual({ kind: 'text' });
    expect(parseCqlType('timeuuid')).toEqual({ kind: 'timeuuid' });
  });
  it('parses nested frozen collections', () => {
    expect(parseCqlType('frozen<map<text, frozen<list<int>>>>')).toEqual({
      kind: 'map', key: { kind: 'text' }, value: { kind: 'list', element: { kind: 'int' }, frozen: true }, frozen: true,
    });
    expect(parseCqlType('set<frozen<tuple<int, text>>>')).toEqual({ kind: 'set', element: { kind: 'tuple', elements: [{ kind: 'int' }, { kind: 'text' }] } });
  });
  it('parses vectors and UDTs (through a resolver)', () => {
    expect(parseCqlType('vector<float, 8>')).toEqual({ kind: 'vector', element: { kind: 'float' }, dimension: 8 });
    expect(parseCqlType('frozen<app.address>', { udts })).toEqual({ ...address, kind: 'udt', frozen: true });
    expect(parseCqlType('address', { udts })).toEqual({ ...address, kind: 'udt' });
    expect(() => parseCqlType('frozen<nope>', { udts })).toThrow(/unknown type nope/);
  });
  it('rejects malformed text', () => {
    for (const t of ['', 'list<int', 'map<int>', 'vector<float>', 'vector<float, 0>', 'list<int>>', 'int int', 'tuple<>']) {
      expect(() => parseCqlType(t), t).toThrow(TypeError);
    }
  });
  it('formats back to parseable text', () => {
    for (const t of ['int', 'frozen<map<text, frozen<list<int>>>>', 'set<tuple<int, text>>', 'vector<float, 8>', 'map<timeuuid, frozen<set<blob>>>', 'frozen<app.address>', "'com.example.Custom'"]) {
      const type = parseCqlType(t, { udts });
      expect(formatCqlType(type)).toBe(t);
      expect(parseCqlType(formatCqlType(type), { udts })).toEqual(type);
    }
    // Tuples are always frozen: the optional frozen<> is not written back.
    expect(formatCqlType(parseCqlType('set<frozen<tuple<int, text>>>'))).toBe('set<tuple<int, text>>');
  });
  it('is structured-cloneable', () => {
    const t = parseCqlType('frozen<map<text, frozen<list<vector<float, 2>>>>>');
    expect(structuredClone(t)).toEqual(t);
  });
});

describe('fromDriverType (cassandra-driver 4.10 metadata)', () => {
  const udtResolver = async (ks: string, name: string): Promise<unknown> =>
    name === 'address'
      ? { keyspace: ks, name, fields: [{ name: 'street', type: { code: cassandra.types.dataTypes.text } }, { name: 'zip', type: { code: cassandra.types.dataTypes.int } }] }
      : null;

  it('converts every type as the schema parser describes it (CQL names, Cassandra 3+)', async () => {
    const cases = [
      'ascii', 'bigint', 'blob', 'boolean', 'counter', 'decimal', 'double', 'float', 'int', 'text', 'timestamp', 'uuid',
      'varint', 'timeuuid', 'inet', 'date', 'time', 'smallint', 'tinyint', 'duration',
      'list<int>', 'frozen<list<int>>', 'set<text>', 'map<text, frozen<list<int>>>', 'frozen<map<uuid, frozen<set<blob>>>>',
      'frozen<tuple<int, text, frozen<list<double>>>>', 'vector<float, 3>', 'frozen<address>', 'list<frozen<address>>',
    ];
    for (const name of cases) {
      const driverType = await encoder.parseTypeName('app', name, 0, null, udtResolver);
      const expected = parseCqlType(name, { udts });
      expect(fromDriverType(driverType), name).toEqual(expected);
    }
  });
  it('keeps varchar (code 0x0d) apart from text (0x0a) and keeps vector subtypes', async () => {
    expect(fromDriverType(await encoder.parseTypeName('app', 'varchar', 0, null, udtResolver))).toEqual({ kind: 'varchar' });
    expect(fromDriverType({ code: 0x0d, info: null })).toEqual({ kind: 'varchar' });
    expect(fromDriverType((cassandra.types.dataTypes as unknown as { getByName(n: string): DriverDataTypeInfo }).getByName('vector<double, 2>'))).toEqual({ kind: 'vector', element: { kind: 'double' }, dimension: 2 });
  });
  it('converts Java class names (old schema tables, protocol result metadata)', () => {
    const M = 'org.apache.cassandra.db.marshal.';
    expect(fromDriverType(encoder.parseFqTypeName(`${M}MapType(${M}UTF8Type,${M}FrozenType(${M}ListType(${M}Int32Type)))`))).toEqual(parseCqlType('map<varchar, frozen<list<int>>>'));
    expect(fromDriverType(encoder.parseFqTypeName(`${M}ReversedType(${M}TimeUUIDType)`))).toEqual({ kind: 'timeuuid' });
    expect(fromDriverType(encoder.parseFqTypeName(`${M}DurationType`))).toEqual({ kind: 'duration' });
    expect(fromDriverType({ code: 0, info: `${M}VectorType(${M}FloatType, 3)` })).toEqual({ kind: 'vector', element: { kind: 'float' }, dimension: 3 });
    const udt = `${M}UserType(app,61646472657373,737472656574:${M}UTF8Type,7a6970:${M}Int32Type)`;
    const varcharAddress = { ...address, fields: [{ name: 'street', type: { kind: 'varchar' } }, { name: 'zip', type: { kind: 'int' } }] };
    expect(fromDriverType(encoder.parseFqTypeName(udt))).toEqual({ ...varcharAddress, kind: 'udt' });
    expect(parseJavaType(`${M}FrozenType(${udt})`)).toEqual({ ...address, kind: 'udt', frozen: true });
    expect(fromDriverType({ code: 0, info: 'com.example.Point' })).toEqual({ kind: 'custom', className: 'com.example.Point' });
  });
  it('throws a TypeError on shapes it cannot read', () => {
    expect(() => fromDriverType({ code: 0x99 })).toThrow(TypeError);
    expect(() => fromDriverType({ code: 0x21, info: null })).toThrow(TypeError);
  });
});
