import { describe, expect, it } from 'vitest';
import type { Item } from '../../../src/mapping/attribute-value.js';
import {
  batchBodyPrefix,
  buildBatchBody,
  buildBatchBodyFromItems,
  matchUnprocessed,
  sameValue,
  unprocessedItems,
} from '../../../src/dynamodb/batch-body.js';

const items: Item[] = [
  { id: { S: 'a"b\u2028é' }, n: { N: '-1.5E+10' }, b: { B: 'AAEC' }, ok: { BOOL: true }, nil: { NULL: true } },
  { id: { S: 'x' }, l: { L: [{ S: 'y' }, { N: '1' }, { M: { z: { SS: ['p', 'q'] } } }] }, ns: { NS: ['1', '2'] }, bs: { BS: ['AA=='] } },
];

describe('BatchWriteItem body', () => {
  it('is exactly the JSON.stringify of the request shape', () => {
    const expected = JSON.stringify({ RequestItems: { 'my.table-1': items.map((Item) => ({ PutRequest: { Item } })) } });
    expect(buildBatchBodyFromItems('my.table-1', items).toString('utf8')).toBe(expected);
    expect(JSON.parse(buildBatchBody(batchBodyPrefix('t'), []).toString())).toEqual({ RequestItems: { t: [] } });
  });

  it('is UTF-8 bytes', () => {
    const body = buildBatchBodyFromItems('t', [{ id: { S: 'é' } }]);
    expect(Buffer.isBuffer(body)).toBe(true);
    expect(body.byteLength).toBe(Buffer.byteLength(body.toString('utf8')));
  });
});

describe('unprocessedItems', () => {
  it('fast-paths the all-processed answer and tolerates other tables / missing keys', () => {
    expect(unprocessedItems('{"UnprocessedItems":{}}', 't')).toEqual([]);
    expect(unprocessedItems('{ "UnprocessedItems" : { } }', 't')).toEqual([]);
    expect(unprocessedItems('{}', 't')).toEqual([]);
    expect(unprocessedItems('{"UnprocessedItems":{"other":[]}}', 't')).toEqual([]);
  });

  it('returns the unprocessed put items of the table', () => {
    const body = JSON.stringify({ UnprocessedItems: { t: [{ PutRequest: { Item: items[0] } }] } });
    expect(unprocessedItems(body, 't')).toEqual([items[0]]);
  });

  it('returns undefined for bodies it does not understand', () => {
    expect(unprocessedItems('not json', 't')).toBeUndefined();
    expect(unprocessedItems('null', 't')).toBeUndefined();
    expect(unprocessedItems('{"UnprocessedItems":{"t":{}}}', 't')).toBeUndefined();
    expect(unprocessedItems('{"UnprocessedItems":{"t":[{"DeleteRequest":{}}]}}', 't')).toBeUndefined();
  });
});

describe('matchUnprocessed', () => {
  const sent = items.map((item) => ({ item, json: JSON.stringify(item) }));

  it('matches by JSON, or regardless of attribute and set order', () => {
    expect(matchUnprocessed(sent, [items[1], items[0]])).toEqual([1, 0]);
    const reordered = { bs: { BS: ['AA=='] }, ns: { NS: ['2', '1'] }, l: items[1]?.l, id: { S: 'x' } };
    expect(matchUnprocessed(sent, [reordered])).toEqual([1]);
  });

  it('gives up (undefined) when a returned item matches nothing sent', () => {
    expect(matchUnprocessed(sent, [{ id: { S: 'nope' } }])).toBeUndefined();
    expect(matchUnprocessed(sent, [items[0], items[0]])).toBeUndefined();
    expect(matchUnprocessed(sent.slice(0, 1), [items[0], items[1]])).toBeUndefined();
  });
});

describe('sameValue', () => {
  it('is strict about types and list order', () => {
    expect(sameValue({ N: '1' }, { S: '1' })).toBe(false);
    expect(sameValue({ N: '1' }, { N: '1.0' })).toBe(false);
    expect(sameValue({ L: [{ S: 'a' }, { S: 'b' }] }, { L: [{ S: 'b' }, { S: 'a' }] })).toBe(false);
    expect(sameValue({ M: { a: { S: 'x' } } }, { M: { a: { S: 'x' }, b: { S: 'y' } } })).toBe(false);
    expect(sameValue({ SS: ['a', 'b'] }, { SS: ['b', 'a'] })).toBe(true);
    expect(sameValue({ NULL: true }, { NULL: true })).toBe(true);
    expect(sameValue({ S: 'a' }, null)).toBe(false);
  });
});
