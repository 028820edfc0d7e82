import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { compileColumnCodec } from '../../../src/mapping/codecs.js';
import { type CqlType, parseCqlType } from '../../../src/mapping/cql-type.js';
import type { AttributeValue } from '../../../src/mapping/attribute-value.js';
import type { ConversionFailure } from '../../../src/mapping/failure.js';

const { types } = cassandra;
const { Long, BigDecimal, Integer, LocalDate, LocalTime, Duration, InetAddress, Uuid, TimeUuid, Tuple, Vector } = types;
/** The driver accepts an Integer unscaled value (its typings say number). */
const bigDecimal = (unscaled: string, scale: number) => new BigDecimal(Integer.fromString(unscaled) as unknown as number, scale);
/** The driver's days-since-epoch LocalDate constructor (missing from its typings). */
const localDateDays = (days: number) => new (LocalDate as unknown as new (d: number) => cassandra.types.LocalDate)(days);

const udts = (_ks: string | undefined, name: string) =>
  name === 'address'
    ? { keyspace: 'app', name, fields: [{ name: 'street', type: { kind: 'text' } as CqlType }, { name: 'zip', type: { kind: 'int' } as CqlType }, { name: 'tags', type: parseCqlType('frozen<set<text>>') }] }
    : undefined;

function conv(type: string, value: unknown, options?: { timestampAs?: 'iso' | 'epochMillis' }): AttributeValue | undefined {
  return compileColumnCodec(parseCqlType(type, { udts }), options)(value);
}

function failure(type: string, value: unknown, options?: { timestampAs?: 'iso' | 'epochMillis' }): ConversionFailure {
  try {
    conv(type, value, options);
  } catch (e) {
    expect((e as ConversionFailure).kind).toBe('conversion-failure');
    expect(e).not.toBeInstanceOf(Error);
    return e as ConversionFailure;
  }
  throw new Error(`${type} did not fail`);
}

describe('null and undefined', () => {
  it('omit the attribute for every type', () => {
    for (const t of ['text', 'int', 'bigint', 'blob', 'list<int>', 'map<text, int>', 'set<text>', 'tuple<int, text>', 'frozen<address>', 'vector<float, 3>']) {
      expect(conv(t, null), t).toBeUndefined();
      expect(conv(t, undefined), t).toBeUndefined();
    }
  });
});

describe('text', () => {
  it('maps text, varchar and ascii to S, keeping empty strings and any unicode', () => {
    expect(conv('text', 'hello')).toEqual({ S: 'hello' });
    expect(conv('varchar', '')).toEqual({ S: '' });
    expect(conv('ascii', 'abc')).toEqual({ S: 'abc' });
    const astral = 'emoji 😀 𝄞 中文 \u0000 nul';
    expect(conv('text', astral)).toEqual({ S: astral });
  });
  it('rejects a non-string', () => {
    expect(failure('text', 5).code).toBe('INVALID_VALUE');
  });
});

describe('integers', () => {
  it('maps tinyint, smallint, int to N', () => {
    expect(conv('tinyint', -128)).toEqual({ N: '-128' });
    expect(conv('tinyint', 127)).toEqual({ N: '127' });
    expect(conv('smallint', -32768)).toEqual({ N: '-32768' });
    expect(conv('int', 2147483647)).toEqual({ N: '2147483647' });
    expect(conv('int', -2147483648)).toEqual({ N: '-2147483648' });
    expect(conv('int', 0)).toEqual({ N: '0' });
  });
  it('maps bigint and counter (types.Long) exactly, including the extremes', () => {
    expect(conv('bigint', Long.fromString('9223372036854775807'))).toEqual({ N: '9223372036854775807' });
    expect(conv('bigint', Long.fromString('-9223372036854775808'))).toEqual({ N: '-9223372036854775808' });
    expect(conv('counter', Long.fromNumber(42))).toEqual({ N: '42' });
    expect(conv('bigint', 9007199254740993n)).toEqual({ N: '9007199254740993' }); // useBigIntAsLong
  });
  it('maps varint (types.Integer) with 38 digits and rejects 39 significant digits', () => {
    const d38 = '-12345678901234567890123456789012345678';
    expect(conv('varint', Integer.fromString(d38))).toEqual({ N: d38 });
    expect(failure('varint', Integer.fromString('123456789012345678901234567890123456789')).code).toBe('NUMBER_TOO_PRECISE');
    expect(conv('varint', Integer.fromString(`5${'0'.repeat(50)}`))).toEqual({ N: '5E+50' });
    expect(failure('varint', Integer.fromString(`1${'0'.repeat(126)}`)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(conv('varint', -(10n ** 20n))).toEqual({ N: '-100000000000000000000' }); // useBigIntAsVarint
  });
  it('rejects non-integers', () => {
    expect(failure('int', 1.5).code).toBe('INVALID_VALUE');
    expect(failure('bigint', 'x').code).toBe('INVALID_VALUE');
  });
});

describe('float and double', () => {
  it('writes the shortest round-trip text of a float (0.1f is 0.1)', () => {
    const fromWire = Buffer.alloc(4);
    fromWire.writeFloatBE(0.1, 0);
    expect(conv('float', fromWire.readFloatBE(0))).toEqual({ N: '0.1' });
    expect(conv('float', Math.fround(-2.5e-10))).toEqual({ N: '-2.5E-10' });
  });
  it('writes doubles with shortest round-trip text', () => {
    expect(conv('double', 0.1)).toEqual({ N: '0.1' });
    expect(conv('double', -1e300 / 1e200)).toEqual({ N: '-1E+100' });
  });
  it('writes -0 as 0', () => {
    expect(conv('float', -0)).toEqual({ N: '0' });
    expect(conv('double', -0)).toEqual({ N: '0' });
  });
  it('rejects NaN and ±Infinity with NUMBER_NOT_FINITE', () => {
    for (const t of ['float', 'double']) {
      for (const x of [NaN, Infinity, -Infinity]) expect(failure(t, x).code).toBe('NUMBER_NOT_FINITE');
    }
  });
  it('rejects doubles outside the DynamoDB range', () => {
    expect(failure('double', 1e200).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failure('double', 1e-200).code).toBe('NUMBER_OUT_OF_RANGE');
  });
});

describe('decimal', () => {
  it('is exact and normalised', () => {
    expect(conv('decimal', BigDecimal.fromString('1.50'))).toEqual({ N: '1.5' });
    expect(conv('decimal', BigDecimal.fromString('-0.00100'))).toEqual({ N: '-0.001' });
    expect(conv('decimal', BigDecimal.fromString('0.000'))).toEqual({ N: '0' });
    expect(conv('decimal', BigDecimal.fromString('12345678901234567890.123456789012345678'))).toEqual({ N: '12345678901234567890.123456789012345678' });
  });
  it('handles big and small exponents (negative and large scales)', () => {
    expect(conv('decimal', bigDecimal('15', -9))).toEqual({ N: '15000000000' });
    expect(conv('decimal', bigDecimal('15', -124))).toEqual({ N: '1.5E+125' });
    expect(conv('decimal', bigDecimal('1', 130))).toEqual({ N: '1E-130' });
    expect(conv('decimal', bigDecimal('-7', 20))).toEqual({ N: '-7E-20' });
    expect(failure('decimal', bigDecimal('1', -126)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failure('decimal', bigDecimal('1', 131)).code).toBe('NUMBER_OUT_OF_RANGE');
    expect(failure('decimal', bigDecimal('1', -2147483648)).code).toBe('NUMBER_OUT_OF_RANGE');
  });
  it('rejects more than 38 significant digits (trailing zeros do not count)', () => {
    expect(failure('decimal', BigDecimal.fromString('1.23456789012345678901234567890123456789')).code).toBe('NUMBER_TOO_PRECISE');
    expect(conv('decimal', BigDecimal.fromString(`1.${'0'.repeat(60)}`))).toEqual({ N: '1' });
  });
});

describe('other scalars', () => {
  it('boolean → BOOL, blob → B base64', () => {
    expect(conv('boolean', true)).toEqual({ BOOL: true });
    expect(conv('boolean', false)).toEqual({ BOOL: false });
    expect(conv('blob', Buffer.from([0, 1, 2, 255]))).toEqual({ B: 'AAEC/w==' });
    expect(conv('blob', Buffer.alloc(0))).toEqual({ B: '' });
  });
  it('uuid and timeuuid → S lower-case', () => {
    expect(conv('uuid', Uuid.fromString('C04071A0-E596-11F1-B226-BD78F4EB8E7A'))).toEqual({ S: 'c04071a0-e596-11f1-b226-bd78f4eb8e7a' });
    const t = TimeUuid.fromString('c04071a0-e596-11f1-b226-bd78f4eb8e7a');
    expect(conv('timeuuid', t)).toEqual({ S: 'c04071a0-e596-11f1-b226-bd78f4eb8e7a' });
    expect(conv('uuid', 'ABCDEF00-0000-4000-8000-000000000000')).toEqual({ S: 'abcdef00-0000-4000-8000-000000000000' });
  });
  it('timestamp → S ISO-8601 UTC with milliseconds, or N epoch ms', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(conv('timestamp', d)).toEqual({ S: '2024-01-02T03:04:05.678Z' });
    expect(conv('timestamp', d, { timestampAs: 'epochMillis' })).toEqual({ N: '1704164645678' });
    expect(conv('timestamp', new Date(-1))).toEqual({ S: '1969-12-31T23:59:59.999Z' });
    expect(conv('timestamp', new Date(Date.UTC(10000, 0, 1)))).toEqual({ S: '+010000-01-01T00:00:00.000Z' });
    expect(conv('timestamp', new Date(-8.64e15), { timestampAs: 'epochMillis' })).toEqual({ N: '-8640000000000000' });
  });
  it('timestamp: an Invalid Date (beyond JavaScript range) is INVALID_VALUE, not a crash', () => {
    const f = failure('timestamp', new Date(NaN));
    expect(f.code).toBe('INVALID_VALUE');
    expect(f.message).toMatch(/Invalid Date/);
  });
  it('date → S like LocalDate.toString()', () => {
    expect(conv('date', new LocalDate(2024, 2, 29))).toEqual({ S: '2024-02-29' });
    expect(conv('date', localDateDays(0))).toEqual({ S: '1970-01-01' });
    expect(conv('date', new LocalDate(-1, 1, 1))).toEqual({ S: '-0001-01-01' });
    expect(conv('date', new LocalDate(12345, 6, 7))).toEqual({ S: '12345-06-07' });
    expect(conv('date', localDateDays(2147483647))).toEqual({ S: '2147483647' });
  });
  it('time → S HH:MM:SS.nnnnnnnnn with nine fraction digits', () => {
    expect(conv('time', LocalTime.fromString('01:02:03.5'))).toEqual({ S: '01:02:03.500000000' });
    expect(conv('time', LocalTime.fromString('00:00:00'))).toEqual({ S: '00:00:00.000000000' });
    expect(conv('time', LocalTime.fromString('23:59:59.999999999'))).toEqual({ S: '23:59:59.999999999' });
  });
  it('duration and inet → S in the driver text form', () => {
    expect(conv('duration', new Duration(14, 3, Long.fromString('3723000000001')))).toEqual({ S: '1y2mo3d1h2m3s1ns' });
    expect(conv('duration', new Duration(-1, -2, -3))).toEqual({ S: '-1mo2d3ns' });
    expect(conv('duration', new Duration(0, 0, 0))).toEqual({ S: '0s' });
    expect(conv('inet', InetAddress.fromString('10.0.0.1'))).toEqual({ S: '10.0.0.1' });
    expect(conv('inet', InetAddress.fromString('2001:0db8:0:0:0:0:0:1'))).toEqual({ S: '2001:db8::1' });
  });
});

describe('collections', () => {
  it('list → L, empty list omitted', () => {
    expect(conv('list<int>', [1, 2, 2])).toEqual({ L: [{ N: '1' }, { N: '2' }, { N: '2' }] });
    expect(conv('list<text>', [])).toBeUndefined();
  });
  it('set of text / uuid / timeuuid → SS; numbers → NS; blob → BS; others → L', () => {
    expect(conv('set<text>', ['a', '', 'b'])).toEqual({ SS: ['a', '', 'b'] });
    expect(conv('set<uuid>', [Uuid.fromString('00000000-0000-4000-8000-00000000000a')])).toEqual({ SS: ['00000000-0000-4000-8000-00000000000a'] });
    expect(conv('set<int>', new Set([3, 1]))).toEqual({ NS: ['3', '1'] });
    expect(conv('set<blob>', [Buffer.from('a'), Buffer.from('b')])).toEqual({ BS: ['YQ==', 'Yg=='] });
    expect(conv('set<boolean>', [false, true])).toEqual({ L: [{ BOOL: false }, { BOOL: true }] });
    expect(conv('set<date>', [new LocalDate(2020, 1, 1)])).toEqual({ L: [{ S: '2020-01-01' }] });
    expect(conv('set<frozen<tuple<int, text>>>', [Tuple.fromArray([1, 'a'])])).toEqual({ L: [{ L: [{ N: '1' }, { S: 'a' }] }] });
  });
  it('empty sets are omitted (DynamoDB sets cannot be empty)', () => {
    for (const t of ['set<text>', 'set<int>', 'set<blob>', 'set<boolean>']) expect(conv(t, []), t).toBeUndefined();
  });
  it('de-duplicates number sets by their DynamoDB value (1.0 = 1.00, -0.0 = 0.0)', () => {
    expect(conv('set<decimal>', [BigDecimal.fromString('1.0'), BigDecimal.fromString('1.00'), BigDecimal.fromString('2')])).toEqual({ NS: ['1', '2'] });
    expect(conv('set<double>', [-0, 0, 1])).toEqual({ NS: ['0', '1'] });
    expect(conv('set<float>', [Math.fround(0.1), 0.1])).toEqual({ NS: ['0.1'] });
  });
  it('map → M with keys as text (Map from encoding.map, or the default plain object)', () => {
    expect(conv('map<text, int>', { a: 1, '': 2 })).toEqual({ M: { a: { N: '1' }, '': { N: '2' } } });
    const m = new Map<unknown, unknown>([[Long.fromNumber(7), 'x'], [Long.fromNumber(-1), 'y']]);
    expect(conv('map<bigint, text>', m)).toEqual({ M: { '7': { S: 'x' }, '-1': { S: 'y' } } });
    expect(conv('map<bigint, text>', { '7': 'x' })).toEqual({ M: { '7': { S: 'x' } } });
    expect(conv('map<text, int>', {})).toBeUndefined();
  });
  it('renders map keys in their own text form', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(conv('map<timestamp, int>', new Map([[d, 1]]))).toEqual({ M: { '2024-01-02T03:04:05.678Z': { N: '1' } } });
    expect(conv('map<timestamp, int>', new Map([[d, 1]]), { timestampAs: 'epochMillis' })).toEqual({ M: { '1704164645678': { N: '1' } } });
    expect(conv('map<blob, int>', new Map([[Buffer.from([1, 2]), 1]]))).toEqual({ M: { 'AQI=': { N: '1' } } });
    expect(conv('map<uuid, int>', new Map([[Uuid.fromString('ABCDEF00-0000-4000-8000-000000000000'), 1]]))).toEqual({ M: { 'abcdef00-0000-4000-8000-000000000000': { N: '1' } } });
    expect(conv('map<float, int>', new Map([[Math.fround(0.1), 1]]))).toEqual({ M: { '0.1': { N: '1' } } });
    expect(conv('map<float, int>', { [String(Math.fround(0.1))]: 1 })).toEqual({ M: { '0.1': { N: '1' } } });
    expect(conv('map<decimal, int>', new Map([[BigDecimal.fromString('1.50'), 1]]))).toEqual({ M: { '1.5': { N: '1' } } });
    expect(conv('map<time, int>', { '01:02:03.5': 1 })).toEqual({ M: { '01:02:03.500000000': { N: '1' } } });
    expect(conv('map<frozen<tuple<int, text>>, int>', new Map([[Tuple.fromArray([1, "it's"]), 1]]))).toEqual({ M: { "(1, 'it''s')": { N: '1' } } });
  });
  it('refuses plain-object maps whose keys String() has mangled (timestamp, blob, tuple)', () => {
    const d = new Date(0);
    expect(failure('map<timestamp, int>', { [String(d)]: 1 }).code).toBe('INVALID_VALUE');
    expect(failure('map<blob, int>', { x: 1 }).message).toMatch(/encoding: \{ map: Map \}/);
  });
  it('keeps a map key named __proto__ as data, and refuses keys that collide as text', () => {
    const fromObject = conv('map<text, int>', JSON.parse('{"__proto__": 1, "a": 2}'));
    expect(JSON.stringify(fromObject)).toBe('{"M":{"__proto__":{"N":"1"},"a":{"N":"2"}}}');
    const fromMap = conv('map<text, int>', new Map([['__proto__', 1]]));
    expect(JSON.stringify(fromMap)).toBe('{"M":{"__proto__":{"N":"1"}}}');
    expect(failure('map<decimal, int>', new Map([[BigDecimal.fromString('1.0'), 1], [BigDecimal.fromString('1.00'), 2]])).message).toMatch(/same text form "1"/);
  });
  it('tuple → L keeping positions: null elements are {NULL: true}', () => {
    expect(conv('tuple<int, text, boolean>', Tuple.fromArray([1, null, true]))).toEqual({ L: [{ N: '1' }, { NULL: true }, { BOOL: true }] });
    expect(conv('tuple<int, text>', Tuple.fromArray([null, null]))).toEqual({ L: [{ NULL: true }, { NULL: true }] });
  });
  it('UDT → M, null fields omitted', () => {
    expect(conv('frozen<address>', { street: 'Main', zip: null, tags: ['x'] })).toEqual({ M: { street: { S: 'Main' }, tags: { SS: ['x'] } } });
    expect(conv('address', { street: null, zip: null, tags: null })).toEqual({ M: {} });
  });
  it('vector<float, 3> (types.Vector or Float32Array) → L of N', () => {
    const v = new Vector(new Float32Array([0.1, -0.2, 3]), 'float');
    expect(conv('vector<float, 3>', v)).toEqual({ L: [{ N: '0.1' }, { N: '-0.2' }, { N: '3' }] });
    expect(conv('vector<float, 2>', new Float32Array([1.5, 0.3]))).toEqual({ L: [{ N: '1.5' }, { N: '0.3' }] });
    expect(failure('vector<float, 1>', new Vector([NaN], 'float')).code).toBe('NUMBER_NOT_FINITE');
  });
  it('nested frozen collections, keeping empty nested collections', () => {
    expect(conv('frozen<map<text, frozen<list<int>>>>', { a: [1, 2], b: [] })).toEqual({ M: { a: { L: [{ N: '1' }, { N: '2' }] }, b: { L: [] } } });
    expect(conv('list<frozen<set<text>>>', [['x'], []])).toEqual({ L: [{ SS: ['x'] }, { L: [] }] });
    expect(conv('list<frozen<map<int, text>>>', [{}])).toEqual({ L: [{ M: {} }] });
    expect(conv('map<text, frozen<tuple<int, frozen<list<text>>>>>', { k: Tuple.fromArray([1, ['a']]) })).toEqual({ M: { k: { L: [{ N: '1' }, { L: [{ S: 'a' }] }] } } });
  });
  it('a failing element fails the column', () => {
    expect(failure('list<double>', [1, NaN]).code).toBe('NUMBER_NOT_FINITE');
    expect(failure('map<text, decimal>', { a: BigDecimal.fromString('1'), b: bigDecimal('1', -200) }).code).toBe('NUMBER_OUT_OF_RANGE');
  });
});

describe('custom types', () => {
  it('a Buffer of an unknown custom type is B; anything else is UNSUPPORTED_TYPE', () => {
    const codec = compileColumnCodec({ kind: 'custom', className: 'com.example.MyType' });
    expect(codec(Buffer.from([1]))).toEqual({ B: 'AQ==' });
    try {
      codec({ x: 1 });
      throw new Error('no failure');
    } catch (e) {
      expect((e as ConversionFailure).code).toBe('UNSUPPORTED_TYPE');
    }
  });
});
