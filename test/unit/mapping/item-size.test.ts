import { describe, expect, it } from 'vitest';
import { attributeValueSize, base64Bytes, itemSizeBytes, MAX_ITEM_BYTES, writeUnits } from '../../../src/mapping/item-size.js';

/** Sizes worked out by hand from "DynamoDB item sizes and formats" (Developer Guide). */
describe('itemSizeBytes', () => {
  it('strings: name bytes + UTF-8 bytes', () => {
    expect(itemSizeBytes({ id: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSizeBytes({ ü: { S: 'é😀' } })).toBe(2 + 2 + 4);
    expect(itemSizeBytes({ e: { S: '' } })).toBe(1);
    expect(itemSizeBytes({ long: { S: 'x'.repeat(100) } })).toBe(4 + 100);
  });
  it('numbers: name + 1 byte per two significant digits + 1', () => {
    expect(itemSizeBytes({ n: { N: '123' } })).toBe(1 + 2 + 1);
    expect(itemSizeBytes({ n: { N: '12' } })).toBe(1 + 1 + 1);
    expect(itemSizeBytes({ n: { N: '100' } })).toBe(1 + 1 + 1); // trailing zeros trimmed
    expect(itemSizeBytes({ n: { N: '-0.001' } })).toBe(1 + 1 + 1); // leading zeros trimmed
    expect(itemSizeBytes({ n: { N: '1E+40' } })).toBe(1 + 1 + 1);
    expect(itemSizeBytes({ n: { N: '0' } })).toBe(1 + 0 + 1);
    expect(itemSizeBytes({ n: { N: '12345678901234567890123456789012345678' } })).toBe(1 + 19 + 1);
  });
  it('binary: raw bytes, not base64 length', () => {
    expect(itemSizeBytes({ b: { B: 'AAEC/w==' } })).toBe(1 + 4);
    expect(itemSizeBytes({ b: { B: 'AAE=' } })).toBe(1 + 2);
    expect(itemSizeBytes({ b: { B: 'AAEC' } })).toBe(1 + 3);
    expect(itemSizeBytes({ b: { B: '' } })).toBe(1);
    expect(base64Bytes(Buffer.alloc(1000).toString('base64'))).toBe(1000);
  });
  it('boolean and null: 1 byte', () => {
    expect(itemSizeBytes({ t: { BOOL: true }, nn: { NULL: true } })).toBe(1 + 1 + 2 + 1);
  });
  it('lists and maps: 3 bytes + 1 per element + elements (map keys count)', () => {
    expect(itemSizeBytes({ l: { L: [] } })).toBe(1 + 3);
    expect(itemSizeBytes({ l: { L: [{ S: 'a' }, { N: '12' }] } })).toBe(1 + 3 + (1 + 1) + (1 + 2));
    expect(itemSizeBytes({ m: { M: {} } })).toBe(1 + 3);
    expect(itemSizeBytes({ m: { M: { ab: { S: 'x' } } } })).toBe(1 + 3 + (1 + 2 + 1));
    expect(itemSizeBytes({ m: { M: { k: { L: [{ BOOL: false }] } } } })).toBe(1 + 3 + (1 + 1 + (3 + 1 + 1)));
  });
  it('sets: the sum of their elements', () => {
    expect(itemSizeBytes({ ss: { SS: ['a', 'bc'] } })).toBe(2 + 1 + 2);
    expect(itemSizeBytes({ ns: { NS: ['1', '123'] } })).toBe(2 + 2 + 3);
    expect(itemSizeBytes({ bs: { BS: ['AA==', 'AAA='] } })).toBe(2 + 1 + 2);
  });
  it('a users-like item', () => {
    const item = {
      user_id: { S: '5b6962dd-3f90-4c93-8f61-eabfbc73c2cf' }, // 7 + 36
      email: { S: 'ada@example.com' }, // 5 + 15
      age: { N: '36' }, // 3 + 2
      tags: { SS: ['admin', 'beta'] }, // 4 + 9
      active: { BOOL: true }, // 6 + 1
    };
    expect(itemSizeBytes(item)).toBe(43 + 20 + 5 + 13 + 7);
    expect(attributeValueSize(item.tags)).toBe(9);
  });
});

describe('writeUnits', () => {
  it('is one unit per started KB, at least one', () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(MAX_ITEM_BYTES)).toBe(400);
  });
});
