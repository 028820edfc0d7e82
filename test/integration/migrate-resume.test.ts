/**
 * A crash at any moment loses nothing: SIGKILL the real binary in the middle of a 60,000-row
 * job, run it again with --resume, and every row is in DynamoDB, exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PACKAGE_ROOT } from '../../src/package-info.js';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';
import { expectExactCopy } from '../helpers/verify-copy.js';

const ROWS = 60_000;
const keyspace = uniqueName('it_resume');
const target = uniqueName('resume');
const dir = mkdtempSync(path.join(os.tmpdir(), 'resume-it-'));
const checkpoint = path.join(dir, 'job.json');
let cql: cassandra.Client;
let ddb: DynamoDBClient;

const args = [
  'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
  '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--checkpoint', checkpoint, '--threads', '2', '--json',
];

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);

afterAll(async () => {
  await dropTable(ddb, target);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrate --resume after SIGKILL', () => {
  it('continues from the checkpoint and ends with every row present and exact', async () => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killedAt = 0;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = [...out.matchAll(/"event":"progress","command":"migrate","done":(\d+)/g)].at(-1);
      if (m !== undefined && Number(m[1]) >= 20_000 && killedAt === 0) {
        killedAt = Number(m[1]);
        child.kill('SIGKILL');
      }
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(20_000);

    // the killed run left a checkpoint part-way through, and part of the table
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { completed: boolean; ranges: Array<{ state: string; resumeAfter?: string }> };
    expect(saved.completed).toBe(false);
    const settled = saved.ranges.filter((r) => r.state === 'done' || r.resumeAfter !== undefined).length;
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(saved.ranges.length);
    const before = (await scanAll(ddb, target)).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(ROWS);

    const resumed = await runInProcess([...args, '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const summary = resumed.events.find((e) => e.event === 'summary')!;
    expect(summary.status).toBe('completed');
    // the second run reads only what the checkpoint did not settle (plus at most a page per range)
    expect(summary.rowsRead as number).toBeLessThan(ROWS);
    expect(resumed.events.find((e) => e.event === 'start')).toMatchObject({ resumed: true });

    await expectExactCopy(cql, ddb, keyspace, 'users', target);
  });
});

describe('migrate on SIGINT', () => {
  it('stops cleanly with exit 4, saves the checkpoint, and --resume completes the job', async () => {
    const target2 = uniqueName('sigint');
    const checkpoint2 = path.join(dir, 'sigint.json');
    const args2 = args.map((a) => (a === target ? target2 : a === checkpoint ? checkpoint2 : a));
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), ...args2], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/"event":"progress","command":"migrate","done":[1-9]\d{3,}/.test(out) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    try {
      expect(code, err).toBe(4);
      expect(err).toContain('SIGINT received, stopping');
      const summary = JSON.parse(out.trim().split('\n').filter((l) => l.includes('"event":"summary"')).pop()!) as Record<string, unknown>;
      expect(summary.status).toBe('interrupted');
      // in-flight pages finish: everything read was written
      expect(summary.rowsUnsettled).toBe(0);
      expect(summary.rowsRead).toBe(summary.itemsWritten);
      expect(summary.rowsRead as number).toBeGreaterThan(0);
      const saved = JSON.parse(readFileSync(checkpoint2, 'utf8')) as { completed: boolean };
      expect(saved.completed).toBe(false);
      const resumed = await runInProcess([...args2, '--resume']);
      expect(resumed.status, resumed.stderr).toBe(0);
      await expectExactCopy(cql, ddb, keyspace, 'users', target2);
    } finally {
      await dropTable(ddb, target2);
    }
  });
});
