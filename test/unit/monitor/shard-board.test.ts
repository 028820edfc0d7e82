/** ShardBoard: what the main thread knows of each shard, and the per-shard backlog view. */
import { describe, expect, it } from 'vitest';
import { formatBacklog, ShardBoard } from '../../../src/monitor/shard-board.js';
import { ShardSource } from '../../../src/streams/shard-source.js';
import type { ShardInfo } from '../../../src/streams/shards.js';

const NOW = 1_800_000_000_000;
const parent: ShardInfo = { shardId: 'shardId-p', startingSequenceNumber: '100', endingSequenceNumber: '200' };
const child1: ShardInfo = { shardId: 'shardId-c1', parentShardId: 'shardId-p', startingSequenceNumber: '300' };
const child2: ShardInfo = { shardId: 'shardId-c2', parentShardId: 'shardId-p', startingSequenceNumber: '310' };
const other: ShardInfo = { shardId: 'shardId-o', startingSequenceNumber: '50' };

function board(): ShardBoard {
  const b = new ShardBoard(new ShardSource({ initialPosition: 'TRIM_HORIZON' }));
  b.learn([parent, other]);
  return b;
}

describe('ShardBoard', () => {
  it('counts shards open, closed, done and caught up, and the checks they wait for', () => {
    const b = board();
    b.setState('shardId-o', { caughtUp: false, pending: 3, lastRecordAtMs: NOW - 5000 });
    b.setState('shardId-p', { caughtUp: true, pending: 2 });
    expect(b.counts()).toEqual({ known: 2, open: 1, closed: 1, done: 0, caughtUp: 1 });
    expect(b.pendingChecks()).toBe(5);
    b.end('shardId-p');
    expect(b.counts()).toMatchObject({ done: 1, caughtUp: 1 });
    expect(b.pendingChecks()).toBe(3);
  });

  it('a state without a record time keeps the last one known', () => {
    const b = board();
    b.setState('shardId-o', { caughtUp: false, pending: 0, lastRecordAtMs: NOW - 8000 });
    b.setState('shardId-o', { caughtUp: false, pending: 1 });
    expect(b.backlog(NOW).find((l) => l.shardId === 'shardId-o')?.backlogMs).toBe(8000);
  });

  it('children are read once each is done, or caught up with nothing pending', () => {
    const b = board();
    expect(b.childrenRead('shardId-p')).toBe(false); // none listed yet
    b.learn([child1, child2]);
    expect(b.hasChildren('shardId-p')).toBe(true);
    b.end('shardId-c1');
    b.setState('shardId-c2', { caughtUp: true, pending: 1 });
    expect(b.childrenRead('shardId-p')).toBe(false);
    b.setState('shardId-c2', { caughtUp: true, pending: 0 });
    expect(b.childrenRead('shardId-p')).toBe(true);
  });

  it('all caught up only when every shard followed is at its end with nothing pending', () => {
    const b = board();
    expect(b.allCaughtUp()).toBe(false);
    b.setState('shardId-o', { caughtUp: true, pending: 0 });
    b.setState('shardId-p', { caughtUp: true, pending: 1 });
    expect(b.allCaughtUp()).toBe(false);
    b.end('shardId-p');
    expect(b.allCaughtUp()).toBe(true);
    b.learn([child1]); // a new shard nobody has read yet
    expect(b.allCaughtUp()).toBe(false);
  });

  it('the backlog: behind by the age of the last record read, 0 when caught up, null before any record', () => {
    const b = board();
    b.learn([child1]);
    b.setState('shardId-o', { caughtUp: false, pending: 4, lastRecordAtMs: NOW - 12_500 });
    b.setState('shardId-p', { caughtUp: true, pending: 0, lastRecordAtMs: NOW - 60_000 });
    const lines = b.backlog(NOW);
    expect(lines).toEqual([
      { shardId: 'shardId-p', status: 'closed', caughtUp: true, pendingChecks: 0, backlogMs: 0 },
      { shardId: 'shardId-o', status: 'open', caughtUp: false, pendingChecks: 4, backlogMs: 12_500 },
      { shardId: 'shardId-c1', parentShardId: 'shardId-p', status: 'waiting', caughtUp: false, pendingChecks: 0, backlogMs: null },
    ]);
    const text = formatBacklog(lines);
    // the most behind first
    expect(text.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/)[0])).toEqual(['shardId-o', 'shardId-p', 'shardId-c1']);
    expect(text).toContain('12.5 s behind');
    expect(text).toContain('no record yet');
  });
});
