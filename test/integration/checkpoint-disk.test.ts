/**
 * A checkpoint or dead-letter file that cannot be written, for real: a folder the user may not
 * write (the binary runs as `nobody` when the tests run as root, since permission bits do not
 * stop root), a path through a regular file (ENOTDIR), and a full disk as a file-size limit
 * (`ulimit -f`: the write fails with EFBIG). Before the job: one line naming the file and the
 * reason, exit 3, nothing written to DynamoDB. Mid-run: the job stops with exit 3 and a clear
 * line, never claims success, leaves no torn file, and `--resume` finishes the copy exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runBinary, runInProcess, type BinaryOptions, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';
import { expectExactCopy } from '../helpers/verify-copy.js';

const ROWS = 3_000;
/** Rows of the `nums` table; every NAN_EVERY-th has v = NaN, which DynamoDB cannot hold (a dead letter). */
const NUM_ROWS = 2_000;
const NAN_EVERY = 5;
const keyspace = uniqueName('it_ckdisk');
const base = mkdtempSync(path.join(os.tmpdir(), 'checkpoint-disk-it-'));
const targets: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

/** Root is not stopped by permission bits: the binary then runs as nobody. */
const AS_ROOT = process.getuid?.() === 0;
const OTHER_USER: Pick<BinaryOptions, 'uid' | 'gid'> = AS_ROOT ? { uid: 65534, gid: 65534 } : {};

/** A folder the binary's user may write (its own). */
function ownFolder(name: string): string {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  if (AS_ROOT) chownSync(dir, 65534, 65534);
  return dir;
}

/** A folder the binary's user may not write: root's own when it runs as nobody, else read-only. */
function lockedFolder(name: string): string {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, AS_ROOT ? 0o755 : 0o555);
  return dir;
}

beforeAll(async () => {
  // nobody must get into the tests' folder to reach its own
  chmodSync(base, 0o755);
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
  await cql.execute(`CREATE TABLE ${keyspace}.nums (id int PRIMARY KEY, v double, pad text)`);
  const insert = `INSERT INTO ${keyspace}.nums (id, v, pad) VALUES (?, ?, ?)`;
  for (let i = 0; i < NUM_ROWS; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, k) => i + k).map((id) =>
      cql.execute(insert, [id, id % NAN_EVERY === 0 ? Number.NaN : id / 7, `row-${id}-`.padEnd(120, 'x')], { prepare: true })));
  }
}, 300_000);

afterAll(async () => {
  for (const t of targets) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  for (const d of readdirSync(base)) chmodSync(path.join(base, d), 0o755);
  rmSync(base, { recursive: true, force: true });
});

/** A new target table with the users' key, so a run without --create-table may write to it. */
async function newTarget(): Promise<string> {
  const target = uniqueName('ckdisk');
  targets.push(target);
  await createTable(ddb, target, ['id', 'S']);
  return target;
}

function migrateArgs(target: string, checkpoint: string, extra: string[] = [], table = 'users'): string[] {
  return [
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--checkpoint', checkpoint, '--threads', '1', '--splits', '4', '--json', ...extra,
  ];
}

/** The binary with nothing of this process's environment: a loopback endpoint needs no credentials. */
function binary(args: string[], options: Omit<BinaryOptions, 'env'> = {}): Promise<CliRun> {
  return runBinary(args, { env: { HOME: base }, cwd: base, timeoutMs: 120_000, ...options });
}

/** One line on stderr, the tool's, with no stack. */
function expectOneLine(run: CliRun, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0], run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a checkpoint or dead-letter file that cannot be written, found before any item is written', () => {
  it('a checkpoint folder the user may not write: exit 3, the path and EACCES, DynamoDB untouched', async () => {
    const target = await newTarget();
    const checkpoint = path.join(lockedFolder('locked-a'), 'job.json');
    const run = await binary(migrateArgs(target, checkpoint), OTHER_USER);
    expect(run.status, run.stderr).toBe(3);
    expectOneLine(run, new RegExp(`^cass2ddb-fast: cannot write the checkpoint ${escape(checkpoint)}: permission denied \\(EACCES\\); nothing was written to DynamoDB`));
    expect(await scanAll(ddb, target)).toHaveLength(0);
  });

  it('a checkpoint path through a regular file: exit 3, ENOTDIR (or EEXIST for its folder), DynamoDB untouched (in-process)', async () => {
    const target = await newTarget();
    const file = path.join(base, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const [checkpoint, errno] of [[path.join(file, 'sub', 'job.json'), 'ENOTDIR'], [path.join(file, 'job.json'), 'EEXIST']] as const) {
      const run = await runInProcess(migrateArgs(target, checkpoint));
      expect(run.status, run.stderr).toBe(3);
      expectOneLine(run, new RegExp(`^cass2ddb-fast: cannot write the checkpoint ${escape(checkpoint)}: a part of the path is a file, not a folder \\(${errno}\\)`));
    }
    expect(await scanAll(ddb, target)).toHaveLength(0);
  });

  it('a dead-letter folder the user may not write: exit 3, the dead-letter path and EACCES, no checkpoint left, DynamoDB untouched', async () => {
    const target = await newTarget();
    const checkpoint = path.join(ownFolder('own-b'), 'job.json');
    const deadLetters = path.join(lockedFolder('locked-b'), 'dead.jsonl');
    const run = await binary(migrateArgs(target, checkpoint, ['--dead-letters', deadLetters]), OTHER_USER);
    expect(run.status, run.stderr).toBe(3);
    expectOneLine(run, new RegExp(`^cass2ddb-fast: cannot write the dead-letter file ${escape(deadLetters)}: permission denied \\(EACCES\\); nothing was written to DynamoDB`));
    expect(await scanAll(ddb, target)).toHaveLength(0);
    // the checkpoint's own check left nothing behind: the next run is not told of an unfinished job
    expect(readdirSync(path.dirname(checkpoint))).toEqual([]);
  });

  it('a full disk (a file-size limit nothing fits in): exit 3, EFBIG, DynamoDB untouched', async () => {
    const target = await newTarget();
    const checkpoint = path.join(ownFolder('own-c'), 'job.json');
    const run = await binary(migrateArgs(target, checkpoint), { ...OTHER_USER, fileSizeLimitKiB: 0 });
    expect(run.status, run.stderr).toBe(3);
    expectOneLine(run, new RegExp(`^cass2ddb-fast: cannot write the checkpoint ${escape(checkpoint)}: file too large for the file-size limit \\(ulimit -f\\) \\(EFBIG\\)`));
    expect(await scanAll(ddb, target)).toHaveLength(0);
    expect(readdirSync(path.dirname(checkpoint))).toEqual([]);
  });
});

describe('a checkpoint or dead-letter file that cannot be written mid-run', () => {
  it('a checkpoint save that fails after items were written stops the job (exit 3, no success claimed); --resume finishes it exact', async () => {
    const target = await newTarget();
    const folder = ownFolder('own-d');
    const checkpoint = path.join(folder, 'job.json');
    let lockedAtItems = -1;
    // slow enough (300 items/s) that the folder is made read-only while the job runs, after a save
    const run = await binary(migrateArgs(target, checkpoint, ['--rate', '300', '--fetch-size', '100']), {
      ...OTHER_USER,
      onStdout: (_chunk, all) => {
        if (lockedAtItems >= 0 || !existsSync(checkpoint)) return;
        const written = [...all.matchAll(/"event":"progress".*?"itemsWritten":(\d+)/g)].at(-1);
        if (written === undefined || Number(written[1]) === 0) return;
        lockedAtItems = Number(written[1]);
        chmodSync(folder, 0o555);
      },
    });
    chmodSync(folder, 0o755);
    expect(lockedAtItems, run.stdout).toBeGreaterThan(0);
    expect(run.status, run.stderr).toBe(3);
    expectOneLine(run, new RegExp(`^cass2ddb-fast: cannot save the checkpoint ${escape(checkpoint)}: permission denied \\(EACCES\\); the job stopped;.*--resume`));
    const summary = run.events.find((e) => e.event === 'summary')!;
    expect(summary).toMatchObject({ status: 'failed', exitStatus: 3, error: { code: 'CHECKPOINT_UNWRITABLE' } });
    const written = summary.itemsWritten as number;
    expect(written).toBeGreaterThanOrEqual(lockedAtItems);
    expect(written).toBeLessThan(ROWS);
    expect((await scanAll(ddb, target)).length).toBe(written);
    // the last save that worked stands, whole, and says the job is unfinished
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { completed: boolean };
    expect(saved.completed).toBe(false);
    expect(readdirSync(folder)).toEqual(['job.json']);

    const resumed = await runInProcess([...migrateArgs(target, checkpoint), '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'completed' });
    await expectExactCopy(cql, ddb, keyspace, 'users', target);
  });

  it('a dead-letter file that hits a file-size limit mid-run: exit 3, whole lines only, no position past a lost letter; --resume dead-letters every bad row', async () => {
    const target = uniqueName('ckdisk_nums');
    targets.push(target);
    await createTable(ddb, target, ['id', 'N']);
    const folder = ownFolder('own-e');
    const checkpoint = path.join(folder, 'nums.json');
    const deadLetters = path.join(folder, 'nums.dead-letters.jsonl');
    const LIMIT_KIB = 24;
    const run = await binary(migrateArgs(target, checkpoint, ['--fetch-size', '100'], 'nums'), { ...OTHER_USER, fileSizeLimitKiB: LIMIT_KIB });
    expect(run.status, run.stderr).toBe(3);
    expectOneLine(run, new RegExp(`^cass2ddb-fast: cannot append to the dead-letter file ${escape(deadLetters)}: file too large for the file-size limit \\(ulimit -f\\) \\(EFBIG\\)`));
    expect(run.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'failed', exitStatus: 3, error: { code: 'OUTPUT_UNWRITABLE' } });
    // cut back to the last whole append: every line is a whole dead letter
    const text = readFileSync(deadLetters, 'utf8');
    expect(statSync(deadLetters).size).toBeLessThanOrEqual(LIMIT_KIB * 1024);
    expect(text.endsWith('\n')).toBe(true);
    const first = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { key: { id: number }; reason: string });
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((l) => l.reason === 'NUMBER_NOT_FINITE')).toBe(true);

    const resumed = await runInProcess([...migrateArgs(target, checkpoint, [], 'nums'), '--resume']);
    expect(resumed.status, resumed.stderr).toBe(1);
    expect(resumed.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'completed-with-errors' });
    // every bad row is dead-lettered (a page redone after the stop may repeat a few), every good one written
    const all = readFileSync(deadLetters, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { key: { id: number } });
    const nanIds = Array.from({ length: NUM_ROWS }, (_, i) => i).filter((i) => i % NAN_EVERY === 0);
    expect([...new Set(all.map((l) => l.key.id))].sort((a, b) => a - b)).toEqual(nanIds);
    expect((await scanAll(ddb, target)).length).toBe(NUM_ROWS - nanIds.length);
  });
});
