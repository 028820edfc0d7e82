/**
 * Files a job's correctness rests on (src/engine/durable-file.ts, checkpoint.ts, dead-letters.ts):
 * every failure to write one is the same one line (file, reason, errno) with a stable code, a
 * failed save leaves the old checkpoint and no temporary file, a failed append no torn line.
 * The real kernel errors (EACCES as another user, EFBIG under ulimit -f) are in
 * test/integration/checkpoint-disk.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Checkpoint, writeFileAtomic, type JobIdentity } from '../../src/engine/checkpoint.js';
import { DeadLetterFile, JsonlFile } from '../../src/engine/dead-letters.js';
import { fileWriteError, writeFailureReason } from '../../src/engine/durable-file.js';
import { ToolError } from '../../src/errors.js';
import { PACKAGE_ROOT } from '../../src/package-info.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'durable-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job: JobIdentity = { keyspace: 'ks', table: 't', targetTable: 't', target: 'http://127.0.0.1:8000 us-east-1', mappingDigest: 'd' };
const errno = (code: string) => Object.assign(new Error(`${code}: raw message`), { code });
/** A path that can never be a file's: its folder is a regular file. */
function underAFile(name: string): string {
  const file = path.join(dir, `file-${name}`);
  writeFileSync(file, 'x');
  return path.join(file, 'sub', name);
}

describe('write failures', () => {
  it('name the reason in words and the errno, for a full, limited, read-only or forbidden place', () => {
    expect(writeFailureReason(errno('ENOSPC'))).toBe('no space left on the device (ENOSPC)');
    expect(writeFailureReason(errno('EDQUOT'))).toBe('disk quota exceeded (EDQUOT)');
    expect(writeFailureReason(errno('EFBIG'))).toBe('file too large for the file-size limit (ulimit -f) (EFBIG)');
    expect(writeFailureReason(errno('EROFS'))).toBe('read-only file system (EROFS)');
    expect(writeFailureReason(errno('EACCES'))).toBe('permission denied (EACCES)');
    expect(writeFailureReason(errno('EPERM'))).toBe('operation not permitted (EPERM)');
    expect(writeFailureReason(errno('ENOTDIR'))).toBe('a part of the path is a file, not a folder (ENOTDIR)');
    // anything else: its own first line
    expect(writeFailureReason(new Error('odd\nsecond line'))).toBe('odd');
  });

  it('are one-line ToolErrors with the file and errno in their context', () => {
    const e = fileWriteError('CHECKPOINT_UNWRITABLE', 'save', 'checkpoint', '/x/job.json', errno('ENOSPC'), 'the job stopped');
    expect(e).toBeInstanceOf(ToolError);
    expect(e.message).toBe('cannot save the checkpoint /x/job.json: no space left on the device (ENOSPC); the job stopped');
    expect(e.toPlain()).toEqual({ code: 'CHECKPOINT_UNWRITABLE', message: e.message, retryable: false, context: { file: '/x/job.json', errno: 'ENOSPC' } });
  });
});

describe('checkpoint', () => {
  it('a failed save leaves the old file whole; probe() writes nothing it keeps', () => {
    const file = path.join(dir, 'ck', 'job.json');
    const checkpoint = new Checkpoint(file, job, [{ id: 'r0', start: '-1', end: '1', replicas: ['127.0.0.1:9042'], estimatedRows: 10, state: 'pending' }]);
    checkpoint.probe();
    expect(readdirSync(path.dirname(file))).toEqual([]);
    checkpoint.save(true);
    const before = readFileSync(file, 'utf8');
    // a folder where the temporary file goes: the open fails (EISDIR) as it would on a full disk
    const tmp = `${file}.tmp-${process.pid}`;
    mkdirSync(tmp);
    checkpoint.advance('r0', '0');
    expect(() => checkpoint.save()).toThrow(/^cannot save the checkpoint .*job\.json: the path is a folder \(EISDIR\); the job stopped; .*--resume$/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    rmdirSync(tmp);
    expect(readdirSync(path.dirname(file))).toEqual(['job.json']);
    checkpoint.save();
    expect(readFileSync(file, 'utf8')).toContain('"resumeAfter":"0"');
  });

  it('probe() and writeFileAtomic name the path and the reason', () => {
    const file = underAFile('job.json');
    expect(() => new Checkpoint(file, job, []).probe()).toThrow(
      expect.objectContaining({ code: 'CHECKPOINT_UNWRITABLE', message: expect.stringMatching(/^cannot write the checkpoint .*: a part of the path is a file, not a folder \(ENOTDIR\); nothing was written to DynamoDB/) }),
    );
    expect(() => writeFileAtomic(file, '{}')).toThrow(/^cannot save the checkpoint .*\(ENOTDIR\); the file saved before stands$/);
  });
});

describe('dead letters', () => {
  it('probe names the dead-letter file; an append that cannot open it too', () => {
    const file = underAFile('dead.jsonl');
    expect(() => DeadLetterFile.probeFile(file)).toThrow(
      expect.objectContaining({ code: 'OUTPUT_UNWRITABLE', message: expect.stringMatching(/^cannot write the dead-letter file .*\(ENOTDIR\); nothing was written to DynamoDB/) }),
    );
    expect(() => new DeadLetterFile(file, true)).toThrow(/^cannot replace the dead-letter file .*\(ENOTDIR\)$/);
    const letters = new DeadLetterFile(file);
    expect(() => letters.append([{ key: {}, reason: 'R', message: 'm', range: 'r0', row: {} }])).toThrow(/^cannot open the dead-letter file .*\(ENOTDIR\)/);
    expect(new JsonlFile(path.join(dir, 'other.jsonl')).what).toBe('output file');
  });

  it('an append cut short by a file-size limit is taken back: whole lines only (ulimit -f, a child process)', () => {
    const file = path.join(dir, 'limited.jsonl');
    const module = path.join(PACKAGE_ROOT, 'dist', 'src', 'engine', 'dead-letters.js');
    // 1 KiB limit: the first append fits, the second is cut short by the kernel, then refused
    const script = `
      import { JsonlFile } from ${JSON.stringify(module)};
      const f = new JsonlFile(${JSON.stringify(file)}, true, 'dead-letter file');
      f.append([{ pad: 'a'.repeat(600) }]);
      try { f.append([{ pad: 'b'.repeat(600) }]); } catch (e) { console.log(e.code + ' ' + e.message); }
      f.close();`;
    // the built module (npx tsc -p tsconfig.build.json), as the binary runs it
    const r = spawnSync('/bin/bash', ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^OUTPUT_UNWRITABLE cannot append to the dead-letter file .*: file too large for the file-size limit \(ulimit -f\) \(EFBIG\); the job stopped/);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ pad: 'a'.repeat(600) });
    expect(lines[1]).toBe('');
  });
});
