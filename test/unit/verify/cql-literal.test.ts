import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseCqlType, type UdtField } from '../../../src/mapping/cql-type.js';
import { compileLiteral } from '../../../src/mapping/literal.js';
import { parseCqlLiteral } from '../../../src/verify/cql-literal.js';

const { types } = cassandra;
const POINT = {
  keyspace: 'app', name: 'point',
  fields: [{ name: 'x', type: parseCqlType('double') }, { name: 'Label "a"', type: parseCqlType('text') }] as UdtField[],
};
const t = (s: string) => parseCqlType(s, { udts: (_k, n) => (n === 'point' ? POINT : undefined) });
const opts = { timestampAs: 'iso' } as const;

/** literal → value → literal gives the same text. */
function again(type: string, value: unknown): { text: string; parsed: unknown } {
  const lit = compileLiteral(t(type), opts);
  const text = lit(value);
  const parsed = parseCqlLiteral(t(type), text);
  expect(lit(parsed), text).toBe(text);
  return { text, parsed };
}

describe('parseCqlLiteral', () => {
  it('reads back what literal.ts writes', () => {
    expect(again('frozen<list<int>>', [1, -2, 3]).parsed).toEqual([1, -2, 3]);
    expect(again('frozen<set<text>>', ["it's", 'a, b', '{x}', '']).parsed).toEqual(["it's", 'a, b', '{x}', '']);
    expect(again('frozen<map<text, int>>', new Map([['k: v', 1], ['', 2]])).parsed).toEqual(new Map([['k: v', 1], ['', 2]]));
    again('frozen<map<timestamp, frozen<list<double>>>>', new Map([[new Date(0), [1.5, NaN, -Infinity, 5e-324]]]));
    again('frozen<map<uuid, date>>', new Map([[types.Uuid.random(), types.LocalDate.fromString('2024-02-29')]]));
    again('tuple<int, text, blob, boolean, inet, time, varint, decimal, bigint>', new types.Tuple(
      1, null, Buffer.from([0, 255]), false, types.InetAddress.fromString('2001:db8::1'), types.LocalTime.fromString('01:02:03.000000004'),
      types.Integer.fromString('-123456789012345678901234567890'), types.BigDecimal.fromString('-1.25'), types.Long.MIN_VALUE,
    ));
    again('tuple<blob>', new types.Tuple(Buffer.alloc(0)));
    const p = again('frozen<point>', { x: 1.5, 'Label "a"': "O'Neil" });
    expect(p.text).toBe(`{x: 1.5, "Label ""a""": 'O''Neil'}`);
    expect(p.parsed).toEqual({ x: 1.5, 'Label "a"': "O'Neil" });
    again('frozen<list<frozen<point>>>', [{ x: -0.5, 'Label "a"': null }]);
    again('frozen<list<frozen<list<frozen<set<int>>>>>>', [[[1, 2], []], []]);
  });

  it('gives driver types the driver binds', () => {
    const v = parseCqlLiteral(t('tuple<uuid, bigint, decimal, date, frozen<map<int, text>>>'), "(5b6962dd-3f90-4c93-8f61-eabfbc73c2cf, 7, 1.5, '2024-01-02', {1: 'a'})") as cassandra.types.Tuple;
    expect(v).toBeInstanceOf(types.Tuple);
    expect(v.get(0)).toBeInstanceOf(types.Uuid);
    expect(v.get(1)).toBeInstanceOf(types.Long);
    expect(v.get(2)).toBeInstanceOf(types.BigDecimal);
    expect(v.get(3)).toBeInstanceOf(types.LocalDate);
    expect(v.get(4)).toEqual(new Map([[1, 'a']]));
  });

  it('rejects text it did not write', () => {
    const bad = (type: string, text: string) => expect(() => parseCqlLiteral(t(type), text), text).toThrow(TypeError);
    bad('frozen<list<int>>', '[1, 2');
    bad('frozen<list<int>>', '[1, 2] x');
    bad('frozen<list<int>>', '[1, 2.5]');
    bad('frozen<list<int>>', '[99999999999]');
    bad('frozen<set<text>>', "{'a}");
    bad('tuple<int, int>', '(1)');
    bad('tuple<int>', '(1, 2)');
    bad('frozen<point>', '{y: 1}');
    bad('tuple<blob>', '(0x123)');
    bad('frozen<map<text, int>>', "{'a' 1}");
    bad('frozen<list<uuid>>', '[not-a-uuid]');
  });
});
