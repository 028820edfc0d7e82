import { describe, expect, it } from 'vitest';
import type { AttributeValue, Item } from '../../../src/mapping/attribute-value.js';
import { compareItems, itemsEqual, valueEqual } from '../../../src/compare/items.js';

/** What our BatchGetItem reader gives back: parsed JSON of the wire format. */
const wire = (item: Item): Item => JSON.parse(JSON.stringify(item)) as Item;

const user = (): Item => ({
  id: { S: '5b6962dd-3f90-4c93-8f61-eabfbc73c2cf' },
  name: { S: 'Ada Lovelace' },
  email: { S: 'ada.lovelace7@example.com' },
  age: { N: '36' },
  balance: { N: '10.5' },
  created_at: { S: '2024-01-02T03:04:05.678Z' },
  tags: { SS: ['admin', 'beta', 'early'] },
  prefs: { M: { theme: { S: 'dark' }, lang: { S: 'en' } } },
  avatar: { B: Buffer.from([1, 2, 3, 250]).toString('base64') },
  active: { BOOL: true },
});

describe('compareItems: equal items', () => {
  it('equal copies give the shared empty result', () => {
    const a = compareItems(user(), wire(user()));
    const b = compareItems(user(), user());
    expect(a).toEqual([]);
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(itemsEqual(user(), wire(user()))).toBe(true);
  });

  it('attribute order does not matter', () => {
    const u = user();
    const reversed = Object.fromEntries(Object.entries(u).reverse()) as Item;
    expect(compareItems(u, reversed)).toEqual([]);
  });

  it('numbers by value across notations', () => {
    const e: Item = { a: { N: '1.5' }, b: { N: '0' }, c: { N: '1E+40' }, d: { N: '1.5E-7' }, e: { N: '-12300' } };
    const a: Item = { a: { N: '15E-1' }, b: { N: '-0' }, c: { N: `1${'0'.repeat(40)}` }, d: { N: '0.00000015' }, e: { N: '-1.23e4' } };
    expect(compareItems(e, a)).toEqual([]);
  });

  it('sets in any order; NS by value; BS by bytes', () => {
    const e: Item = {
      ss: { SS: ['a', 'b', 'c', 'd'] },
      ns: { NS: ['1', '2.5', '1E+40', '-3'] },
      bs: { BS: [Buffer.from([1]).toString('base64'), Buffer.from([2, 3]).toString('base64')] },
    };
    const a: Item = {
      ss: { SS: ['d', 'b', 'a', 'c'] },
      ns: { NS: ['-3.0', `1${'0'.repeat(40)}`, '2.50', '1'] },
      bs: { BS: ['AgM', 'AQ=='] }, // unpadded base64 of [2, 3], then [1]
    };
    expect(compareItems(e, a)).toEqual([]);
  });

  it('large sets (beyond the pairwise size) in any order', () => {
    const n = 200;
    const strings = Array.from({ length: n }, (_, i) => `tag-${i}`);
    const numbers = Array.from({ length: n }, (_, i) => String(i * 7));
    const bytes = Array.from({ length: n }, (_, i) => Buffer.from([i, i >> 8, 7]).toString('base64'));
    const e: Item = { ss: { SS: strings }, ns: { NS: numbers }, bs: { BS: bytes } };
    const a: Item = {
      ss: { SS: [...strings].reverse() },
      ns: { NS: numbers.map((x) => `${x}.0`).reverse() },
      bs: { BS: bytes.map((x) => x.replace(/=+$/, '')).reverse() },
    };
    expect(compareItems(e, a)).toEqual([]);
    const changed = [...strings];
    changed[150] = 'other';
    expect(compareItems(e, { ...a, ss: { SS: changed } })).toEqual([{ attribute: 'ss', path: 'ss', kind: 'value', expected: e.ss, actual: { SS: changed } }]);
    const fewer = numbers.slice(1);
    expect(compareItems(e, { ...a, ns: { NS: [...fewer, fewer[0] as string] } })).toHaveLength(1); // same size, a duplicate hides a missing element
  });

  it('binary by bytes, whatever the padding; a Uint8Array is read as its bytes', () => {
    expect(valueEqual({ B: 'AQID' }, { B: 'AQID' })).toBe(true);
    expect(valueEqual({ B: 'AQ==' }, { B: 'AQ' })).toBe(true);
    expect(valueEqual({ B: 'AQ==' }, { B: new Uint8Array([1]) } as unknown as AttributeValue)).toBe(true);
    expect(valueEqual({ B: 'AQ==' }, { B: 'Ag==' })).toBe(false);
  });

  it('NULL and BOOL exactly', () => {
    expect(compareItems({ n: { NULL: true }, t: { BOOL: true }, f: { BOOL: false } }, { n: { NULL: true }, t: { BOOL: true }, f: { BOOL: false } })).toEqual([]);
    expect(compareItems({ f: { BOOL: false } }, { f: { BOOL: true } })).toEqual([{ attribute: 'f', path: 'f', kind: 'value', expected: { BOOL: false }, actual: { BOOL: true } }]);
  });

  it('nested lists and maps', () => {
    const e: Item = { l: { L: [{ N: '1' }, { M: { x: { NS: ['1', '2'] } } }, { L: [] }] } };
    const a: Item = { l: { L: [{ N: '1.0' }, { M: { x: { NS: ['2', '1'] } } }, { L: [] }] } };
    expect(compareItems(e, a)).toEqual([]);
  });
});

describe('compareItems: differences', () => {
  it('a changed scalar, number, set element', () => {
    const a = wire(user());
    a.name = { S: 'Ada King' };
    a.age = { N: '37' };
    a.tags = { SS: ['admin', 'beta', 'late'] };
    expect(compareItems(user(), a)).toEqual([
      { attribute: 'name', path: 'name', kind: 'value', expected: { S: 'Ada Lovelace' }, actual: { S: 'Ada King' } },
      { attribute: 'age', path: 'age', kind: 'value', expected: { N: '36' }, actual: { N: '37' } },
      { attribute: 'tags', path: 'tags', kind: 'value', expected: { SS: ['admin', 'beta', 'early'] }, actual: { SS: ['admin', 'beta', 'late'] } },
    ]);
  });

  it('sets of different sizes', () => {
    expect(compareItems({ s: { SS: ['a', 'b'] } }, { s: { SS: ['b'] } })).toEqual([
      { attribute: 's', path: 's', kind: 'value', expected: { SS: ['a', 'b'] }, actual: { SS: ['b'] } },
    ]);
    expect(compareItems({ s: { NS: ['1', '2'] } }, { s: { NS: ['2', '3'] } })).toHaveLength(1);
    expect(compareItems({ s: { BS: ['AQ=='] } }, { s: { BS: ['Ag=='] } })).toHaveLength(1);
  });

  it('a nested map field, with the path to it', () => {
    const a = wire(user());
    a.prefs = { M: { theme: { S: 'light' }, lang: { S: 'en' } } };
    expect(compareItems(user(), a)).toEqual([
      { attribute: 'prefs', path: 'prefs.theme', kind: 'value', expected: { S: 'dark' }, actual: { S: 'light' } },
    ]);
  });

  it('missing and unexpected map keys; keys that are not identifiers are quoted', () => {
    const e: Item = { m: { M: { a: { S: 'x' }, 'b c': { M: { 'd.e': { N: '1' } } } } } };
    const a: Item = { m: { M: { 'b c': { M: { 'd.e': { N: '2' } } }, z: { S: 'y' } } } };
    expect(compareItems(e, a)).toEqual([
      { attribute: 'm', path: 'm.a', kind: 'missing', expected: { S: 'x' } },
      { attribute: 'm', path: 'm["b c"]["d.e"]', kind: 'value', expected: { N: '1' }, actual: { N: '2' } },
      { attribute: 'm', path: 'm.z', kind: 'unexpected', actual: { S: 'y' } },
    ]);
  });

  it('lists: order matters, elements reported by index', () => {
    const e: Item = { l: { L: [{ N: '1' }, { N: '2' }, { N: '3' }] } };
    expect(compareItems(e, { l: { L: [{ N: '1' }, { N: '3' }, { N: '2' }] } })).toEqual([
      { attribute: 'l', path: 'l[1]', kind: 'value', expected: { N: '2' }, actual: { N: '3' } },
      { attribute: 'l', path: 'l[2]', kind: 'value', expected: { N: '3' }, actual: { N: '2' } },
    ]);
    expect(compareItems(e, { l: { L: [{ N: '1' }, { N: '2' }, { N: '3' }, { S: 'x' }] } })).toEqual([
      { attribute: 'l', path: 'l[3]', kind: 'unexpected', actual: { S: 'x' } },
    ]);
    expect(compareItems(e, { l: { L: [{ N: '1' }] } })).toEqual([
      { attribute: 'l', path: 'l[1]', kind: 'missing', expected: { N: '2' } },
      { attribute: 'l', path: 'l[2]', kind: 'missing', expected: { N: '3' } },
    ]);
  });

  it('deep paths through lists of maps', () => {
    const e: Item = { pts: { L: [{ M: { lat: { N: '1.5' } } }, { M: { lat: { N: '2' }, tags: { SS: ['a'] } } }] } };
    const a: Item = { pts: { L: [{ M: { lat: { N: '1.50' } } }, { M: { lat: { N: '2' }, tags: { SS: ['b'] } } }] } };
    expect(compareItems(e, a)).toEqual([{ attribute: 'pts', path: 'pts[1].tags', kind: 'value', expected: { SS: ['a'] }, actual: { SS: ['b'] } }]);
  });

  it('missing and unexpected attributes', () => {
    const a = wire(user());
    delete a.email;
    a.extra = { S: 'surprise' };
    expect(compareItems(user(), a)).toEqual([
      { attribute: 'email', path: 'email', kind: 'missing', expected: { S: 'ada.lovelace7@example.com' } },
      { attribute: 'extra', path: 'extra', kind: 'unexpected', actual: { S: 'surprise' } },
    ]);
  });

  it('type changes: N vs S, SS vs L, M vs L, nested', () => {
    expect(compareItems({ a: { N: '1' } }, { a: { S: '1' } })).toEqual([{ attribute: 'a', path: 'a', kind: 'type', expected: { N: '1' }, actual: { S: '1' } }]);
    expect(compareItems({ a: { SS: ['x'] } }, { a: { L: [{ S: 'x' }] } })).toEqual([
      { attribute: 'a', path: 'a', kind: 'type', expected: { SS: ['x'] }, actual: { L: [{ S: 'x' }] } },
    ]);
    expect(compareItems({ a: { M: {} } }, { a: { L: [] } })[0]?.kind).toBe('type');
    expect(compareItems({ a: { M: { b: { BOOL: true } } } }, { a: { M: { b: { S: 'true' } } } })).toEqual([
      { attribute: 'a', path: 'a.b', kind: 'type', expected: { BOOL: true }, actual: { S: 'true' } },
    ]);
    expect(compareItems({ a: { NULL: true } }, { a: { BOOL: false } })[0]?.kind).toBe('type');
  });

  it('strings exactly (no normalisation)', () => {
    expect(compareItems({ s: { S: 'é' } }, { s: { S: 'e\u0301' } })).toHaveLength(1);
    expect(compareItems({ s: { S: '1.50' } }, { s: { S: '1.5' } })).toHaveLength(1);
  });

  it('ignore leaves attributes out on both sides', () => {
    const e: Item = { id: { S: 'x' }, expires: { N: '100' }, seen: { N: '1' } };
    const a: Item = { id: { S: 'x' }, expires: { N: '200' }, other: { S: 'y' } };
    expect(compareItems(e, a, { ignore: new Set(['expires', 'seen', 'other']) })).toEqual([]);
    expect(compareItems(e, a, { ignore: new Set(['expires']) }).map((d) => `${d.kind}:${d.path}`)).toEqual(['missing:seen', 'unexpected:other']);
    expect(compareItems(e, a, { ignore: new Set() })).toHaveLength(3);
  });

  it('attribute names that are Object.prototype members', () => {
    const e = JSON.parse('{"__proto__": {"S": "p"}, "constructor": {"N": "1"}}') as Item;
    expect(compareItems(e, JSON.parse('{"__proto__": {"S": "p"}, "constructor": {"N": "1.0"}}') as Item)).toEqual([]);
    expect(compareItems(e, {}).map((d) => `${d.kind}:${d.path}`)).toEqual(['missing:__proto__', 'missing:constructor']);
    expect(compareItems({}, e).map((d) => `${d.kind}:${d.path}`)).toEqual(['unexpected:__proto__', 'unexpected:constructor']);
    const m: Item = { m: { M: JSON.parse('{"toString": {"S": "x"}}') as Record<string, AttributeValue> } };
    expect(compareItems(m, { m: { M: {} } })).toEqual([{ attribute: 'm', path: 'm.toString', kind: 'missing', expected: { S: 'x' } }]);
    expect(compareItems({ m: { M: {} } }, m)).toEqual([{ attribute: 'm', path: 'm.toString', kind: 'unexpected', actual: { S: 'x' } }]);
  });

  it('differences are plain data (cross threads, go to JSON files)', () => {
    const d = compareItems(user(), { ...wire(user()), age: { S: '36' } });
    expect(structuredClone(d)).toEqual(d);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});
