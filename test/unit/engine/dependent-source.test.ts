import { describe, expect, it } from 'vitest';
import type { PlainError } from '../../../src/errors.js';
import { DependentSource } from '../../../src/engine/dependent-source.js';
import type { Pull } from '../../../src/engine/work-source.js';

const boom: PlainError = { code: 'DYNAMODB_THROTTLED', message: 'boom', retryable: true };

function item(id: string): { id: string; task: string } {
  return { id, task: `task ${id}` };
}

function takeId(pull: Pull<string>): string {
  if (pull.kind !== 'item') throw new Error(`expected an item, got ${pull.kind}`);
  return pull.item.id;
}

function until(pull: Pull<string>): Promise<void> {
  if (pull.kind !== 'wait') throw new Error(`expected wait, got ${pull.kind}`);
  return pull.until;
}

/** Whether `p` has settled once pending callbacks ran. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('DependentSource', () => {
  it('hands out items added while running, in the order they became ready', () => {
    const source = new DependentSource<string>();
    source.add(item('a'));
    expect(takeId(source.next())).toBe('a');
    source.add(item('b'));
    source.add(item('c'));
    expect(takeId(source.next())).toBe('b');
    expect(source.next()).toEqual({ kind: 'item', item: item('c') });
    expect(['a', 'b', 'c'].map((id) => source.state(id))).toEqual(['running', 'running', 'running']);
  });

  it('hands a child out only after its parent completes', async () => {
    const source = new DependentSource<string>();
    source.add(item('parent'));
    source.add(item('child'), ['parent']);
    expect(takeId(source.next())).toBe('parent');
    const waiting = until(source.next());
    expect(source.blocked()).toEqual(['child']);
    expect(await settled(waiting)).toBe(false);

    source.complete('parent');
    expect(await settled(waiting)).toBe(true);
    expect(source.blocked()).toEqual([]);
    expect(takeId(source.next())).toBe('child');
  });

  it('keeps the child of a failed parent blocked, and finishes without it once sealed', () => {
    const source = new DependentSource<string>();
    source.add(item('parent'));
    source.add(item('child'), ['parent']);
    source.next();
    source.fail('parent', boom);
    expect(source.state('parent')).toBe('failed');
    expect(source.failures).toEqual(new Map([['parent', boom]]));
    expect(source.next().kind).toBe('wait');
    expect(source.blocked()).toEqual(['child']);
    source.seal();
    expect(source.next()).toEqual({ kind: 'finished' });
    expect(source.blocked()).toEqual(['child']);
    expect(source.state('child')).toBe('pending');
  });

  it('keeps a child whose parent was never added blocked, and releases it when that parent appears and completes', () => {
    const source = new DependentSource<string>();
    source.add(item('child'), ['late']);
    expect(source.next().kind).toBe('wait');
    expect(source.blocked()).toEqual(['child']);
    source.add(item('late'));
    expect(takeId(source.next())).toBe('late');
    source.complete('late');
    expect(takeId(source.next())).toBe('child');
  });

  it('waits for every parent of a child', () => {
    const source = new DependentSource<string>();
    source.add(item('p1'));
    source.add(item('p2'));
    source.add(item('child'), ['p1', 'p2']);
    expect([takeId(source.next()), takeId(source.next())]).toEqual(['p1', 'p2']);
    source.complete('p2');
    expect(source.next().kind).toBe('wait');
    expect(source.blocked()).toEqual(['child']);
    source.complete('p1');
    expect(takeId(source.next())).toBe('child');
  });

  it('hands out at once a child whose parents are already complete', () => {
    const source = new DependentSource<string>();
    source.add(item('p'));
    source.next();
    source.complete('p');
    source.add(item('child'), ['p']);
    expect(takeId(source.next())).toBe('child');
  });

  it.each<[string, (s: DependentSource<string>) => void]>([
    ['an item is added', (s) => s.add(item('new'))],
    ['an item completes', (s) => s.complete('running')],
    ['an item fails', (s) => s.fail('running', boom)],
    ['the source is sealed', (s) => s.seal()],
  ])('answers wait, and the wait ends when %s', async (_, change) => {
    const source = new DependentSource<string>();
    source.add(item('running'));
    source.next();
    const first = until(source.next());
    // asking again while nothing changed gives the same wait
    expect(until(source.next())).toBe(first);
    expect(await settled(first)).toBe(false);
    change(source);
    expect(await settled(first)).toBe(true);
  });

  it('is finished only once sealed and nothing runs', () => {
    const source = new DependentSource<string>();
    expect(source.next().kind).toBe('wait');
    source.add(item('a'));
    source.seal();
    expect(takeId(source.next())).toBe('a');
    expect(source.next().kind).toBe('wait');
    source.complete('a');
    expect(source.next()).toEqual({ kind: 'finished' });
  });

  it('ignores an item added twice (the first parents hold), and refuses items after seal', () => {
    const source = new DependentSource<string>();
    expect(source.add(item('p'))).toBe(true);
    expect(source.add(item('c'), ['p'])).toBe(true);
    expect(source.add({ id: 'c', task: 'other' }, [])).toBe(false);
    expect(source.add(item('p'))).toBe(false);
    expect(takeId(source.next())).toBe('p');
    expect(source.next().kind).toBe('wait');
    source.complete('p');
    expect(source.next()).toEqual({ kind: 'item', item: item('c') });
    expect(source.next().kind).toBe('wait');
    source.seal();
    expect(() => source.add(item('x'))).toThrow('work source: add(x) after seal()');
  });

  it('release puts an item back with its last cursor', () => {
    const source = new DependentSource<string>();
    source.add(item('a'));
    source.add(item('b'));
    expect(takeId(source.next())).toBe('a');
    source.advance('a', 'seq-1');
    source.advance('a', 'seq-2');
    source.release('a');
    expect(source.state('a')).toBe('pending');
    expect(source.blocked()).toEqual([]);
    expect(takeId(source.next())).toBe('b');
    expect(source.next()).toEqual({ kind: 'item', item: { ...item('a'), cursor: 'seq-2' } });
  });

  it('throws when told about an item that is not running', () => {
    const source = new DependentSource<string>();
    source.add(item('a'));
    expect(() => source.complete('a')).toThrow('work source: item a is pending, not running');
    expect(() => source.advance('zz', '1')).toThrow('work source: item zz is unknown, not running');
    source.next();
    source.complete('a');
    expect(() => source.release('a')).toThrow('item a is done, not running');
    expect(() => source.fail('a', boom)).toThrow('item a is done, not running');
  });
});
