import { describe, expect, it } from 'vitest';
import type { PlainError } from '../../../src/errors.js';
import { ListSource, type Pull } from '../../../src/engine/work-source.js';

const boom: PlainError = { code: 'DYNAMODB_THROTTLED', message: 'boom', retryable: true };

function ids(source: ListSource<string>): string[] {
  const out: string[] = [];
  for (let pull: Pull<string> = source.next(); pull.kind === 'item'; pull = source.next()) out.push(pull.item.id);
  return out;
}

describe('ListSource', () => {
  it('hands items out once each, in the order given, with their cursors, then says finished', () => {
    const source = new ListSource([
      { id: 'a', task: 'A' },
      { id: 'b', task: 'B', cursor: '42' },
      { id: 'c', task: 'C' },
    ]);
    expect(source.next()).toEqual({ kind: 'item', item: { id: 'a', task: 'A' } });
    expect(source.next()).toEqual({ kind: 'item', item: { id: 'b', task: 'B', cursor: '42' } });
    expect(source.next()).toEqual({ kind: 'item', item: { id: 'c', task: 'C' } });
    expect(source.next()).toEqual({ kind: 'finished' });
    expect(source.next()).toEqual({ kind: 'finished' });
  });

  it('moves items through pending, running, done and failed, and lists them by state in the order given', () => {
    const source = new ListSource(['a', 'b', 'c', 'd'].map((id) => ({ id, task: id })));
    expect(source.ids('pending')).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(source)).toEqual(['a', 'b', 'c', 'd']);
    expect(source.ids('running')).toEqual(['a', 'b', 'c', 'd']);

    source.advance('b', '7');
    source.complete('b');
    source.fail('c', boom);
    source.complete('a');
    expect(source.state('a')).toBe('done');
    expect(source.state('c')).toBe('failed');
    expect(source.state('d')).toBe('running');
    expect(source.state('nope')).toBeUndefined();
    expect(source.ids('done')).toEqual(['a', 'b']);
    expect(source.ids('failed')).toEqual(['c']);
    expect(source.failures).toEqual(new Map([['c', boom]]));
    expect(source.cursor('b')).toBe('7');
    expect(source.cursor('a')).toBeUndefined();
  });

  it('keeps the last cursor of a running item', () => {
    const source = new ListSource([{ id: 'a', task: 'A' }]);
    source.next();
    source.advance('a', '1');
    source.advance('a', '2');
    expect(source.cursor('a')).toBe('2');
  });

  it('release puts a stopped item back to pending and does not hand it out again in this run', () => {
    const source = new ListSource([
      { id: 'a', task: 'A' },
      { id: 'b', task: 'B' },
    ]);
    source.next();
    source.advance('a', '5');
    source.release('a');
    expect(source.state('a')).toBe('pending');
    expect(source.cursor('a')).toBe('5');
    expect(ids(source)).toEqual(['b']);
    expect(source.ids('pending')).toEqual(['a']);
  });

  it('rejects duplicate ids', () => {
    expect(
      () =>
        new ListSource([
          { id: 'a', task: 1 },
          { id: 'b', task: 2 },
          { id: 'a', task: 3 },
        ]),
    ).toThrow('work source: duplicate item id a');
  });

  it('throws when told about an item that is not running', () => {
    const source = new ListSource([
      { id: 'a', task: 'A' },
      { id: 'b', task: 'B' },
    ]);
    expect(() => source.complete('a')).toThrow('work source: item a is pending, not running');
    expect(() => source.advance('a', '1')).toThrow('item a is pending, not running');
    expect(() => source.fail('zz', boom)).toThrow('work source: item zz is unknown, not running');
    source.next();
    source.complete('a');
    expect(() => source.complete('a')).toThrow('item a is done, not running');
    expect(() => source.release('a')).toThrow('item a is done, not running');
    expect(() => source.advance('a', '9')).toThrow('item a is done, not running');
    source.next();
    source.fail('b', boom);
    expect(() => source.fail('b', boom)).toThrow('item b is failed, not running');
    // a refused call changes nothing
    expect(source.state('a')).toBe('done');
    expect(source.cursor('a')).toBeUndefined();
  });
});
