import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Checkpoint, CheckpointError, defaultCheckpointPath, jobKey, readCheckpoint, type JobIdentity } from '../../src/engine/checkpoint.js';
import { planRanges, MIN_TOKEN, MAX_TOKEN } from '../../src/plan/token-ranges.js';

const job: JobIdentity = { keyspace: 'app', table: 'users', targetTable: 'users', target: 'http://127.0.0.1:8000 us-east-1', mappingDigest: 'abc' };
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('checkpoint', () => {
  it('round-trips ranges, positions and totals', () => {
    const file = path.join(tmp(), 'sub', 'job.json');
    const plan = planRanges([{ start: MIN_TOKEN, end: MAX_TOKEN, replicas: ['h:1'] }], 4);
    const c = new Checkpoint(file, job, plan.map((r) => ({ ...r, state: 'pending' })));
    c.advance('r1', '-5');
    c.complete('r2');
    c.addTotals({ rowsRead: 10, itemsWritten: 9, deadLetters: 1 });
    c.save();
    const read = readCheckpoint(file)!;
    expect(read.jobKey).toBe(jobKey(job));
    expect(read.ranges.find((r) => r.id === 'r1')?.resumeAfter).toBe('-5');
    expect(read.ranges.find((r) => r.id === 'r2')?.state).toBe('done');
    expect(read.totals).toEqual({ rowsRead: 10, itemsWritten: 9, deadLetters: 1 });
    expect(read.completed).toBe(false);
    expect(read.runs).toBe(1);
    // a resumed run continues the totals and counts runs
    const again = new Checkpoint(file, job, read.ranges, read);
    expect(again.pending().map((r) => r.id)).toEqual(['r0', 'r1', 'r3']);
    again.addTotals({ rowsRead: 1 });
    again.save();
    expect(readCheckpoint(file)!.runs).toBe(2);
    expect(readCheckpoint(file)!.totals.rowsRead).toBe(11);
    // no temporary file is left behind
    expect(readdirSync(path.dirname(file))).toEqual(['job.json']);
  });

  it('refuses a file that is not a checkpoint', () => {
    const file = path.join(tmp(), 'x.json');
    writeFileSync(file, '{"hello": 1}');
    expect(() => readCheckpoint(file)).toThrow(CheckpointError);
    writeFileSync(file, '{not json');
    expect(() => readCheckpoint(file)).toThrow(/not valid JSON/);
    expect(readCheckpoint(path.join(tmp(), 'missing.json'))).toBeUndefined();
  });

  it('names jobs apart and keeps credentials out', () => {
    expect(jobKey(job)).not.toBe(jobKey({ ...job, targetTable: 'other' }));
    expect(defaultCheckpointPath(job)).toBe(path.join('cass2ddb-checkpoints', 'app.users--users.json'));
    const file = path.join(tmp(), 'c.json');
    new Checkpoint(file, job, []).save(true);
    expect(readFileSync(file, 'utf8')).not.toMatch(/secret|password|AKIA/i);
  });

  it('a shard is a job of its own; a job without one keeps the key checkpoints were saved with', () => {
    // the key of the five fields, as before shards existed
    const before = createHash('sha256').update(JSON.stringify([job.keyspace, job.table, job.targetTable, job.target, job.mappingDigest])).digest('hex').slice(0, 16);
    expect(jobKey(job)).toBe(before);
    const keys = ['0/3', '1/3', '2/3', '0/2'].map((shard) => jobKey({ ...job, shard }));
    expect(new Set([before, ...keys]).size).toBe(5);
    expect(defaultCheckpointPath({ ...job, shard: '1/3' })).toBe(path.join('cass2ddb-checkpoints', 'app.users--users.shard-1-of-3.json'));
  });
});
