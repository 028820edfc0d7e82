/**
 * Static shards against the real Cassandra and DynamoDB Local: `migrate --shard i/3` for each i,
 * one after the other, into one table. No shard alone copies the table, no shard copies another's
 * rows, and the three together are an exact copy. Each shard keeps its own default checkpoint,
 * one shard's checkpoint is refused for another, and `verify --shard i/3 --check-extra` over the
 * three shards checks every row and scans every item exactly once; a missing item is reported by
 * its own shard only, in that shard's differences file.
 *
 * The runs are the built binary in a temporary folder (run `npm run build` first), so the default
 * file names are the ones a user gets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { DeleteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runBinary, runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';
import { expectExactReadBack } from '../helpers/verify-copy.js';
import { readCheckpoint } from '../../src/engine/checkpoint.js';
import { shardSegment } from '../../src/plan/shards.js';

const ROWS = 20_000;
const keyspace = uniqueName('it_shards');
const target = uniqueName('users_shards');
const dir = mkdtempSync(path.join(os.tmpdir(), 'shards-it-'));
let cql: cassandra.Client;
let ddb: DynamoDBClient;

const tableArgs = ['--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target, '--endpoint-url', DYNAMODB_ENDPOINT, '--threads', '2', '--json'];

/** The binary in `dir`, with nothing of this process's environment but `env`: a loopback endpoint needs no credentials. */
function binary(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runBinary(args, { env: { HOME: dir, ...env }, cwd: dir, timeoutMs: 240_000 });
}

function event(run: CliRun, name: string): Record<string, unknown> {
  const e = run.events.find((x) => x.event === name);
  if (e === undefined) throw new Error(`no ${name} event; stderr: ${run.stderr}`);
  return e;
}

function checkpointFile(i: number): string {
  return path.join(dir, 'cass2ddb-checkpoints', `${keyspace}.users--${target}.shard-${i}-of-3.json`);
}

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--model', 'users', '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(`populate: ${r.stderr}`);
}, 600_000);

afterAll(async () => {
  await dropTable(ddb, target);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrate --shard i/3, then verify --shard i/3', () => {
  it('three shards, one after the other, make an exact copy; none alone does', async () => {
    let copied = 0;
    for (const i of [0, 1, 2]) {
      // the last shard takes its index from the environment, as in a Kubernetes Indexed Job
      const run = i < 2
        ? await binary(['migrate', ...tableArgs, '--create-table', '--shard', `${i}/3`])
        : await binary(['migrate', ...tableArgs, '--create-table', '--shard', 'auto/3'], { JOB_COMPLETION_INDEX: '2' });
      expect(run.status, run.stderr).toBe(0);
      const start = event(run, 'start');
      expect(start.shard).toMatchObject({ index: i, count: 3, indexFrom: i < 2 ? 'flag' : 'JOB_COMPLETION_INDEX' });
      expect((start.shard as { ringShare: number }).ringShare).toBeCloseTo(1 / 3, 9);
      expect(start.checkpoint).toBe(path.join('cass2ddb-checkpoints', path.basename(checkpointFile(i))));
      const summary = event(run, 'summary');
      expect(summary).toMatchObject({ status: 'completed', deadLetters: 0, rowsUnsettled: 0, ringDone: 1, shard: { index: i, count: 3 } });
      const rowsRead = summary.rowsRead as number;
      expect(summary.itemsWritten).toBe(rowsRead);
      // each shard takes about a third (Murmur3 spreads keys evenly), never nothing
      expect(rowsRead).toBeGreaterThan(ROWS / 3 / 2);
      expect(rowsRead).toBeLessThan(ROWS / 3 * 2);
      copied += rowsRead;
      const items = (await scanAll(ddb, target)).length;
      // no shard copies rows of another: the table holds exactly what the shards so far read
      expect(items).toBe(copied);
      if (i < 2) {
        expect(items).toBeGreaterThan(0);
        expect(items).toBeLessThan(ROWS);
      }
    }
    expect(copied).toBe(ROWS);
    const r = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
    expect(r.rows).toBe(ROWS);

    // each shard its own checkpoint, completed, with its own plan and key
    const keys = new Set<string>();
    for (const i of [0, 1, 2]) {
      const c = readCheckpoint(checkpointFile(i))!;
      expect(c.completed).toBe(true);
      expect(c.job.shard).toBe(`${i}/3`);
      expect(c.totals.itemsWritten).toBeGreaterThan(0);
      keys.add(c.jobKey);
    }
    expect(keys.size).toBe(3);
    expect(readdirSync(path.join(dir, 'cass2ddb-checkpoints')).filter((f) => f.endsWith('.json')).sort())
      .toEqual([0, 1, 2].map((i) => path.basename(checkpointFile(i))));
  });

  it('--resume of shard 1/3 with the checkpoint of shard 0/3 is refused', async () => {
    const run = await runInProcess(['migrate', ...tableArgs, '--shard', '1/3', '--resume', '--checkpoint', checkpointFile(0)]);
    expect(run.status, run.stderr).toBe(64);
    const line = run.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/--resume: checkpoint .*shard-0-of-3\.json belongs to another job \(.*, shard 0\/3\); this one is .*, shard 1\/3$/);
    // without --shard the same checkpoint is another job too
    const whole = await runInProcess(['migrate', ...tableArgs, '--resume', '--checkpoint', checkpointFile(0)]);
    expect(whole.status, whole.stderr).toBe(64);
    expect(whole.stderr).toMatch(/belongs to another job/);
  });

  it('verify --shard i/3 --check-extra: each shard identical, together every row checked and every item scanned once', async () => {
    let rowsChecked = 0;
    let itemsScanned = 0;
    for (const i of [0, 1, 2]) {
      const run = await binary(['verify', ...tableArgs, '--check-extra', '--shard', `${i}/3`]);
      expect(run.status, run.stderr).toBe(0);
      const start = event(run, 'start');
      expect(start.shard).toMatchObject({ index: i, count: 3 });
      // 2 threads × 4 scan segments: shard i scans segments i, i+3, i+6
      expect(start).toMatchObject({ totalSegments: 8, segments: i < 2 ? 3 : 2 });
      const summary = event(run, 'summary');
      expect(summary).toMatchObject({ status: 'identical', missing: 0, mismatched: 0, extra: 0, shard: { index: i, count: 3 } });
      // the share checked is of the shard's own segment: all of it
      expect(summary.ringChecked).toBeCloseTo(1, 9);
      expect(summary.differencesFile).toBe(path.join('verify-differences', `${keyspace}.users--${target}.shard-${i}-of-3.jsonl`));
      rowsChecked += summary.rowsChecked as number;
      itemsScanned += summary.itemsScanned as number;
      expect(summary.rowsChecked as number).toBeLessThan(ROWS);
    }
    expect(rowsChecked).toBe(ROWS);
    expect(itemsScanned).toBe(ROWS);
  });

  it('verify --shard: a missing item is reported by the shard that owns its token, in that shard\'s own differences file', async () => {
    const row = (await cql.execute(`SELECT id, token(id) AS t FROM ${keyspace}.users LIMIT 1`)).rows[0]!;
    const id = String(row.get('id'));
    const token = BigInt(String(row.get('t')));
    const owner = [0, 1, 2].find((i) => token > shardSegment(i, 3).start && token <= shardSegment(i, 3).end)!;
    await ddb.send(new DeleteItemCommand({ TableName: target, Key: { id: { S: id } } }));
    for (const i of [0, 1, 2]) {
      const file = path.join(dir, 'verify-differences', `${keyspace}.users--${target}.shard-${i}-of-3.jsonl`);
      const run = await binary(['verify', ...tableArgs, '--shard', `${i}/3`]);
      const summary = event(run, 'summary');
      if (i === owner) {
        expect(run.status, run.stderr).toBe(1);
        expect(summary).toMatchObject({ status: 'different', missing: 1 });
        const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({ kind: 'missing' });
        expect(JSON.stringify(lines[0]!.key)).toContain(id);
      } else {
        expect(run.status, run.stderr).toBe(0);
        expect(summary).toMatchObject({ status: 'identical', missing: 0 });
        expect(existsSync(file)).toBe(false);
      }
    }
  });
});
