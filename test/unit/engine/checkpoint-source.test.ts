import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlainError } from '../../../src/errors.js';
import { Checkpoint, readCheckpoint, type JobIdentity, type RangeProgress } from '../../../src/engine/checkpoint.js';
import { CheckpointSource } from '../../../src/engine/checkpoint-source.js';

const job: JobIdentity = { keyspace: 'app', table: 'users', targetTable: 'users', target: 'http://127.0.0.1:8000 us-east-1', mappingDigest: 'abc' };
const boom: PlainError = { code: 'RETRIES_EXHAUSTED', message: 'boom', retryable: true };

function range(id: string, start: string, end: string, more: Partial<RangeProgress> = {}): RangeProgress {
  return { id, start, end, replicas: ['127.0.0.1:9042'], estimatedRows: 10, state: 'pending', ...more };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A checkpoint in a fresh temp folder, never saved yet: r0, r1 (resumed at -50), r2 done, r3. */
function setup(): { file: string; checkpoint: Checkpoint; source: CheckpointSource<{ kind: 'range'; rangeId: string; start: string }> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ckpt-source-'));
  dirs.push(dir);
  const file = path.join(dir, 'job.json');
  const checkpoint = new Checkpoint(file, job, [
    range('r0', '-100', '-60'),
    range('r1', '-60', '0', { resumeAfter: '-50' }),
    range('r2', '0', '50', { state: 'done' }),
    range('r3', '50', '100'),
  ]);
  const source = new CheckpointSource(checkpoint, (r) => ({ kind: 'range' as const, rangeId: r.id, start: r.start }));
  return { file, checkpoint, source };
}

function progress(checkpoint: Checkpoint, id: string): RangeProgress | undefined {
  return checkpoint.all().find((r) => r.id === id);
}

describe('CheckpointSource', () => {
  it('hands out the pending ranges in order, a resumed one with its saved position as the cursor', () => {
    const { source } = setup();
    expect(source.next()).toEqual({ kind: 'item', item: { id: 'r0', task: { kind: 'range', rangeId: 'r0', start: '-100' } } });
    expect(source.next()).toEqual({ kind: 'item', item: { id: 'r1', task: { kind: 'range', rangeId: 'r1', start: '-60' }, cursor: '-50' } });
    expect(source.next()).toEqual({ kind: 'item', item: { id: 'r3', task: { kind: 'range', rangeId: 'r3', start: '50' } } });
    expect(source.next()).toEqual({ kind: 'finished' });
  });

  it('advance moves the range’s resume position in the checkpoint', () => {
    const { source, checkpoint } = setup();
    source.next();
    source.advance('r0', '-90');
    source.advance('r0', '-75');
    expect(progress(checkpoint, 'r0')).toMatchObject({ state: 'pending', resumeAfter: '-75' });
  });

  it('complete marks the range done and saves the checkpoint to disk at once', () => {
    const { source, checkpoint, file } = setup();
    source.next();
    source.next();
    source.advance('r0', '-90');
    expect(readCheckpoint(file)).toBeUndefined();

    source.complete('r1');
    expect(progress(checkpoint, 'r1')).toEqual(range('r1', '-60', '0', { state: 'done' }));
    const saved = readCheckpoint(file);
    expect(saved?.ranges.find((r) => r.id === 'r1')).toEqual(range('r1', '-60', '0', { state: 'done' }));
    // the save holds every range as it is now, the running one at its position
    expect(saved?.ranges.find((r) => r.id === 'r0')).toMatchObject({ state: 'pending', resumeAfter: '-90' });
    expect(saved?.completed).toBe(false);
  });

  it('fail and release leave the range pending at its last position, for --resume', () => {
    const { source, checkpoint, file } = setup();
    source.next();
    source.next();
    source.advance('r0', '-80');
    source.advance('r1', '-20');
    source.fail('r0', boom);
    source.release('r1');
    expect(source.failures).toEqual(new Map([['r0', boom]]));
    expect(progress(checkpoint, 'r0')).toMatchObject({ state: 'pending', resumeAfter: '-80' });
    expect(progress(checkpoint, 'r1')).toMatchObject({ state: 'pending', resumeAfter: '-20' });
    expect(checkpoint.pending().map((r) => r.id)).toEqual(['r0', 'r1', 'r3']);
    // neither saves: the job's cadence (or its end) does
    expect(readCheckpoint(file)).toBeUndefined();
    checkpoint.save();
    const resumed = new CheckpointSource(new Checkpoint(file, job, readCheckpoint(file)!.ranges), (r) => r.id);
    expect(resumed.next()).toEqual({ kind: 'item', item: { id: 'r0', task: 'r0', cursor: '-80' } });
    expect(resumed.next()).toEqual({ kind: 'item', item: { id: 'r1', task: 'r1', cursor: '-20' } });
  });

  it('refuses to move a range that is not running, and leaves the checkpoint alone', () => {
    const { source, checkpoint } = setup();
    expect(() => source.advance('r0', '-90')).toThrow('item r0 is pending, not running');
    expect(() => source.complete('r2')).toThrow('item r2 is unknown, not running');
    expect(progress(checkpoint, 'r0')?.resumeAfter).toBeUndefined();
    expect(progress(checkpoint, 'r2')?.state).toBe('done');
  });
});
