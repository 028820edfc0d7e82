/** ShardSource over plain shard listings: lineage, LATEST only at the first listing, trimmed parents, resume. */
import { describe, expect, it } from 'vitest';
import type { Pull } from '../../../src/engine/work-source.js';
import { ShardSource, type ShardTask } from '../../../src/streams/shard-source.js';
import type { ShardInfo } from '../../../src/streams/shards.js';

const open = (shardId: string, parentShardId?: string): ShardInfo => ({ shardId, startingSequenceNumber: '100', ...(parentShardId === undefined ? {} : { parentShardId }) });
const closed = (shardId: string, parentShardId?: string): ShardInfo => ({ ...open(shardId, parentShardId), endingSequenceNumber: '200' });

function take(pull: Pull<ShardTask>): { id: string; iterator: string; cursor?: string } {
  if (pull.kind !== 'item') throw new Error(`expected an item, got ${pull.kind}`);
  const { item } = pull;
  return item.cursor === undefined ? { id: item.id, iterator: item.task.iterator } : { id: item.id, iterator: item.task.iterator, cursor: item.cursor };
}

/** Everything ready now, in order. */
function drain(source: ShardSource): string[] {
  const out: string[] = [];
  for (let p = source.next(); p.kind === 'item'; p = source.next()) out.push(p.item.id);
  return out;
}

describe('ShardSource', () => {
  it('TRIM_HORIZON: a child waits for its parent to be read to its end, then starts at TRIM_HORIZON', () => {
    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    expect(source.update([closed('p'), open('c1', 'p'), open('c2', 'p')])).toEqual(['p', 'c1', 'c2']);
    expect(take(source.next())).toEqual({ id: 'p', iterator: 'TRIM_HORIZON' });
    expect(source.next().kind).toBe('wait');
    expect(source.blocked()).toEqual(['c1', 'c2']);
    source.complete('p');
    expect([take(source.next()), take(source.next())]).toEqual([
      { id: 'c1', iterator: 'TRIM_HORIZON' },
      { id: 'c2', iterator: 'TRIM_HORIZON' },
    ]);
  });

  it('LATEST: open shards of the first listing start at LATEST, closed ones are skipped, later children start at TRIM_HORIZON', () => {
    const source = new ShardSource({ initialPosition: 'LATEST' });
    expect(source.update([closed('old'), open('a', 'old'), open('b')])).toEqual(['a', 'b']);
    expect(source.skipped()).toEqual(['old']);
    expect([take(source.next()), take(source.next())]).toEqual([
      { id: 'a', iterator: 'LATEST' },
      { id: 'b', iterator: 'LATEST' },
    ]);
    // a splits: its children are discovered later, and wait for a's end.
    expect(source.update([closed('old'), closed('a', 'old'), open('b'), open('a1', 'a'), open('a2', 'a')])).toEqual(['a1', 'a2']);
    expect(source.next().kind).toBe('wait');
    source.complete('a');
    expect(drain(source)).toEqual(['a1', 'a2']);
    source.complete('a1');
    // A grandchild found later: TRIM_HORIZON too, and no wait (its parent is finished).
    source.update([closed('a1', 'a'), open('a11', 'a1')]);
    expect(take(source.next())).toEqual({ id: 'a11', iterator: 'TRIM_HORIZON' });
  });

  it('a parent gone from the listing was trimmed away: its children start at once', () => {
    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    source.update([open('c1', 'gone'), open('c2', 'gone')]);
    expect(drain(source)).toEqual(['c1', 'c2']);
    expect(source.blocked()).toEqual([]);
  });

  it('children wait for a parent that is listed, whatever the listing order', () => {
    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    source.update([open('c', 'p'), closed('p')]);
    expect(drain(source)).toEqual(['p']);
    source.complete('p');
    expect(drain(source)).toEqual(['c']);
  });

  it('repeated listings add nothing twice, and a finished shard is never handed out again', () => {
    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    source.update([closed('p')]);
    expect(drain(source)).toEqual(['p']);
    source.complete('p');
    expect(source.update([closed('p'), open('c', 'p')])).toEqual(['c']);
    expect(source.update([closed('p'), open('c', 'p')])).toEqual([]);
    expect(drain(source)).toEqual(['c']);
  });

  it('resume: cursors ride on the items, finished shards are not read, and LATEST does not apply', () => {
    const source = new ShardSource({
      initialPosition: 'LATEST',
      resume: { cursors: new Map([['p', '150']]), finished: ['old'] },
    });
    expect(source.update([closed('old'), closed('p', 'old'), open('c1', 'p'), open('x', 'old')])).toEqual(['p', 'c1', 'x']);
    expect(source.skipped()).toEqual([]);
    expect([take(source.next()), take(source.next())]).toEqual([
      { id: 'p', iterator: 'TRIM_HORIZON', cursor: '150' },
      { id: 'x', iterator: 'TRIM_HORIZON' },
    ]);
    source.advance('p', '199');
    source.release('p'); // interrupted: handed out again from its newest cursor
    expect(take(source.next())).toEqual({ id: 'p', iterator: 'TRIM_HORIZON', cursor: '199' });
    source.complete('p');
    expect(take(source.next())).toEqual({ id: 'c1', iterator: 'TRIM_HORIZON' });
  });

  it('a failed parent keeps its children blocked, never dropped; seal() finishes the source once nothing runs', () => {
    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    source.update([closed('p'), open('c', 'p')]);
    drain(source);
    source.fail('p', { code: 'DYNAMODB_THROTTLED', message: 'still throttled', retryable: true });
    expect(source.failures.get('p')?.code).toBe('DYNAMODB_THROTTLED');
    expect(source.blocked()).toEqual(['c']);
    source.seal();
    expect(source.next().kind).toBe('finished');
    expect(source.state('c')).toBe('pending');
  });
});
