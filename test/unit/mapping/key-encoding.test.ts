import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseCqlType, type CqlType } from '../../../src/mapping/cql-type.js';
import {
  compileKeyComponentEncoder, decodeCompositeKey, encodeCompositeKey, KEY_SEPARATOR, keyPlainValue, type KeyComponentSpec,
} from '../../../src/mapping/key-encoding.js';
import type { ConversionFailure } from '../../../src/mapping/failure.js';
import { dynamoCmp, GENERATORS, int, pick, rng, type Rng } from './key-gen.js';

const { types } = cassandra;

const ORDERED_TYPES = Object.keys(GENERATORS);

function encoderOf(kind: string, order: 'ASC' | 'DESC' = 'ASC'): (v: unknown) => string {
  return compileKeyComponentEncoder({ type: { kind } as CqlType, order });
}

describe('single components: DynamoDB byte order = Cassandra order, injective, decodable', () => {
  for (const kind of ORDERED_TYPES) {
    for (const order of ['ASC', 'DESC'] as const) {
      it(`${kind} ${order}`, () => {
        const g = GENERATORS[kind]!;
        const enc = encoderOf(kind, order);
        const r = rng(kind.length * 7919 + (order === 'ASC' ? 1 : 2));
        const values = Array.from({ length: 400 }, () => g.gen(r));
        const encoded = values.map(enc);
        for (let i = 0; i < values.length; i++) {
          const e = encoded[i]!;
          expect(e.includes(KEY_SEPARATOR), 'no separator inside a component').toBe(false);
          expect(e.includes('\u0000'), 'no NUL').toBe(false);
          const back = decodeCompositeKey(e, [{ type: { kind } as CqlType, order }]);
          expect(back).toEqual([keyPlainValue({ kind } as CqlType, values[i])]);
          for (let j = 0; j < 8; j++) {
            const k = int(r, 0, values.length - 1);
            const expected = g.cmp(values[i], values[k]) * (order === 'DESC' ? -1 : 1);
            const got = dynamoCmp(e, encoded[k]!);
            if (got !== expected) {
              throw new Error(`${kind} ${order}: ${String(values[i])} vs ${String(values[k])}: Cassandra ${expected}, encoded ${got} (${JSON.stringify(e)} vs ${JSON.stringify(encoded[k])})`);
            }
          }
        }
      });
    }
  }
});

describe('readable ascending forms', () => {
  it('integers', () => {
    const enc = encoderOf('int');
    expect([-10, -5, -1, 0, 3, 5, 10, 2024].map(enc)).toEqual(['-8789', '-884', '-888', '0', '113', '115', '1210', '142024']);
    const sorted = [-5, -1, 0, 3, 10].map(enc).sort(dynamoCmp);
    expect(sorted).toEqual([-5, -1, 0, 3, 10].map(enc));
  });
  it('text stays verbatim; timestamps, dates, times are ISO', () => {
    expect(encoderOf('text')('héllo 😀')).toBe('héllo 😀');
    expect(encoderOf('text')('a\u0000b\u0001c\u0002')).toBe('a\u0002\u0003b\u0002\u0004c\u0002\u0005');
    expect(encoderOf('timestamp')(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('2024-01-02T03:04:05.678Z');
    expect(encoderOf('date')(new types.LocalDate(2024, 2, 29))).toBe('2024-02-29');
    expect(encoderOf('time')(types.LocalTime.fromString('01:02:03.5'))).toBe('01:02:03.500000000');
    expect(encoderOf('boolean')(true)).toBe('true');
    expect(encoderOf('decimal')(types.BigDecimal.fromString('1.5'))).toBe('=015');
  });
  it('timeuuid sorts by time first', () => {
    const early = types.TimeUuid.fromDate(new Date(1000), 0, '000000', 'ff');
    const late = types.TimeUuid.fromDate(new Date(2000), 0, '000000', '00');
    expect(dynamoCmp(encoderOf('timeuuid')(early), encoderOf('timeuuid')(late))).toBe(-1);
  });
});

describe('failures', () => {
  it('a null component is EMPTY_KEY_VALUE', () => {
    const enc = compileKeyComponentEncoder({ name: 'day', type: { kind: 'date' } });
    try {
      enc(null);
      throw new Error('no failure');
    } catch (e) {
      expect((e as ConversionFailure).code).toBe('EMPTY_KEY_VALUE');
      expect((e as ConversionFailure).message).toMatch(/day/);
    }
  });
  it('decoding rejects foreign text', () => {
    const specs: KeyComponentSpec[] = [{ type: { kind: 'int' } }, { type: { kind: 'text' } }];
    expect(() => decodeCompositeKey('abc', specs)).toThrow(TypeError);
    expect(() => decodeCompositeKey(`12\u0001x`, specs)).toThrow(TypeError);
    expect(() => decodeCompositeKey(`115\u0001x\u0002`, specs)).toThrow(TypeError);
    expect(() => decodeCompositeKey(`115\u0001x`, [{ type: { kind: 'int' } }, { type: { kind: 'text' }, order: 'DESC' }])).toThrow(TypeError);
  });
});

/** Random composite key layouts and tuples; compare orders over many tuples at once. */
describe('composite keys: sort order, injectivity and round trip', () => {
  const specOf = (r: Rng): KeyComponentSpec => ({ type: { kind: pick(r, ORDERED_TYPES) } as CqlType, order: r() < 0.3 ? 'DESC' : 'ASC' });

  for (let layout = 0; layout < 40; layout++) {
    it(`layout ${layout}`, () => {
      const r = rng(1000 + layout);
      const specs = Array.from({ length: int(r, 2, 4) }, () => specOf(r));
      // Small pools per component give many ties in leading components.
      const pools = specs.map((s) => Array.from({ length: int(r, 2, 6) }, () => GENERATORS[s.type.kind]!.gen(r)));
      const tuples = Array.from({ length: 300 }, () => pools.map((p) => pick(r, p)));
      const cassandraCmp = (a: unknown[], b: unknown[]): number => {
        for (let i = 0; i < specs.length; i++) {
          const c = GENERATORS[specs[i]!.type.kind]!.cmp(a[i], b[i]) * (specs[i]!.order === 'DESC' ? -1 : 1);
          if (c !== 0) return c;
        }
        return 0;
      };
      const keyed = tuples.map((t) => ({ t, key: encodeCompositeKey(specs, t) }));
      const byCassandra = [...keyed].sort((a, b) => cassandraCmp(a.t, b.t));
      const byDynamo = [...keyed].sort((a, b) => dynamoCmp(a.key, b.key));
      for (let i = 0; i < keyed.length; i++) {
        const x = byCassandra[i]!;
        const y = byDynamo[i]!;
        if (cassandraCmp(x.t, y.t) !== 0) throw new Error(`order differs at ${i} for ${specs.map((s) => `${s.type.kind} ${s.order}`).join(', ')}`);
        expect(x.key).toBe(y.key); // equal tuples ⇒ equal keys
      }
      for (let i = 0; i < keyed.length; i++) {
        const a = keyed[i]!;
        const b = keyed[int(r, 0, keyed.length - 1)]!;
        expect(a.key === b.key).toBe(cassandraCmp(a.t, b.t) === 0);
        expect(decodeCompositeKey(a.key, specs)).toEqual(a.t.map((v, k) => keyPlainValue(specs[k]!.type, v)));
      }
    });
  }
});

describe('complex key components (frozen collections, tuples, UDTs)', () => {
  const udt = { keyspace: 'app', name: 'pt', fields: [{ name: 'x', type: { kind: 'int' } as CqlType }, { name: 'Y', type: { kind: 'text' } as CqlType }] };
  const specs: KeyComponentSpec[] = [
    { type: parseCqlType('frozen<list<text>>') },
    { type: parseCqlType('frozen<tuple<int, text>>'), order: 'DESC' },
    { type: { kind: 'udt', ...udt, frozen: true } },
    { type: parseCqlType('frozen<map<int, text>>') },
  ];
  it('are injective and decode to CQL literals', () => {
    const values = [['a', "b'c", ''], types.Tuple.fromArray([1, null]), { x: 5, Y: 'q' }, new Map([[2, 'two'], [1, 'one']])];
    const key = encodeCompositeKey(specs, values);
    expect(decodeCompositeKey(key, specs)).toEqual(["['a', 'b''c', '']", '(1, null)', '{x: 5, "Y": \'q\'}', "{2: 'two', 1: 'one'}"]);
    const other = encodeCompositeKey(specs, [['a', 'b', "c'"], types.Tuple.fromArray([1, 'null']), { x: 5, Y: null }, { '2': 'two', '1': 'one' }]);
    expect(other).not.toBe(key);
  });
});
