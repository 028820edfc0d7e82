import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointedShards, MonitorCheckpoint, readMonitorCheckpoint } from '../../../src/monitor/checkpoint.js';
import { ShardSource } from '../../../src/streams/shard-source.js';
import type { ShardInfo } from '../../../src/streams/shards.js';
import { ToolError } from '../../../src/errors.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mon-ckpt-'));
  dirs.push(dir);
  return path.join(dir, 'sub', 'monitor.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2026-01-01T00:00:00.000';
const shards: ShardInfo[] = [
  { shardId: 'p', startingSequenceNumber: '100', endingSequenceNumber: '900' },
  { shardId: 'c', parentShardId: 'p', startingSequenceNumber: '1000' },
  { shardId: 'o', startingSequenceNumber: '1100' },
];

describe('MonitorCheckpoint', () => {
  it('saves cursors and finished shards atomically, and a resumed run starts from them', () => {
    const file = tempFile();
    const first = new MonitorCheckpoint(file, ARN, 'users_copy (http://x us-east-1)');
    const source = new ShardSource({ initialPosition: 'TRIM_HORIZON' });
    source.update(shards);
    const work = new CheckpointedShards(source, first);
    const a = work.next();
    expect(a.kind === 'item' && a.item.id).toBe('p');
    work.advance('p', '500');
    work.complete('p'); // saved at once
    const saved = readMonitorCheckpoint(file)!;
    expect(saved.finished).toEqual(['p']);
    expect(saved.cursors).toEqual({});
    const b = work.next();
    const c = work.next();
    const ids = [b, c].map((x) => (x.kind === 'item' ? x.item.id : x.kind)).sort();
    expect(ids).toEqual(['c', 'o']);
    work.advance('o', '1200');
    work.advance('o', '1150'); // never backwards
    first.save();
    expect(readMonitorCheckpoint(file)).toMatchObject({ streamArn: ARN, runs: 1, cursors: { o: '1200' }, finished: ['p'] });

    // a second run: p is not handed out, o continues after 1200, c from its start
    const again = new MonitorCheckpoint(file, ARN, 'users_copy (http://x us-east-1)', readMonitorCheckpoint(file));
    const resumed = new ShardSource({ initialPosition: 'LATEST', resume: again.resume() });
    resumed.update(shards);
    const handed = [resumed.next(), resumed.next(), resumed.next()].filter((x) => x.kind === 'item').map((x) => (x.kind === 'item' ? x.item : undefined)!);
    expect(handed.map((i) => i.id).sort()).toEqual(['c', 'o']);
    expect(handed.find((i) => i.id === 'o')).toMatchObject({ cursor: '1200', task: { iterator: 'TRIM_HORIZON' } });
    expect(handed.find((i) => i.id === 'c')?.cursor).toBeUndefined();
    again.save(true);
    expect(readMonitorCheckpoint(file)?.runs).toBe(2);
  });

  it('refuses another job\'s checkpoint, and a file that is not one, with a usage error', () => {
    const file = tempFile();
    const cp = new MonitorCheckpoint(file, ARN, 'users_copy');
    cp.save(true);
    expect(() => new MonitorCheckpoint(file, ARN, 'other_table', readMonitorCheckpoint(file))).toThrow(/belongs to another job/);
    expect(() => new MonitorCheckpoint(file, `${ARN}x`, 'users_copy', readMonitorCheckpoint(file))).toThrow(ToolError);
    writeFileSync(file, '{"format":"something else"}');
    expect(() => readMonitorCheckpoint(file)).toThrow(/is not a cass2ddb-fast monitor checkpoint/);
    writeFileSync(file, '{');
    expect(() => readMonitorCheckpoint(file)).toThrow(/is not valid JSON/);
    expect(readMonitorCheckpoint(`${file}.missing`)).toBeUndefined();
  });

  it('keeps the shards a LATEST start skipped as finished', () => {
    const file = tempFile();
    const cp = new MonitorCheckpoint(file, ARN, 't');
    const source = new ShardSource({ initialPosition: 'LATEST' });
    source.update(shards);
    new CheckpointedShards(source, cp);
    cp.save(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).finished).toEqual(['p']);
  });
});
