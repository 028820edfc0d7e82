/**
 * What an operator and a machine do to a long migration, on the real binary:
 *
 * - kill -9 at five random moments of a 200,000-row job, resumed each time, one of the
 *   resumed runs with another --threads, then a last --resume to the end;
 * - a double Ctrl-C: the second SIGINT ends the process at once, and --resume finishes.
 *
 * Each ends with an independent read-back (Cassandra against a full DynamoDB scan) that counts
 * missing, mismatched, duplicated and extra items, all 0, and with the last run's summary
 * showing read = written + dead-lettered. The kill moments come from a seeded random draw: the
 * seed is printed, and CASS2DDB_FAULT_SEED=<seed> replays it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { summaryOf, watchedRun } from '../helpers/watched-run.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';
import { expectExactReadBack } from '../helpers/verify-copy.js';
import { rng } from '../unit/mapping/key-gen.js';

const ROWS = 200_000;
const SMALL_ROWS = 20_000;
const KILLS = 5;
/** --threads of the first run and of each resumed run that is killed; the 4th run differs. */
const THREADS = ['2', '2', '2', '4', '2'] as const;
const seed = Number(process.env.CASS2DDB_FAULT_SEED ?? Date.now() % 1_000_000_007);
const log = (line: string) => process.stderr.write(`[crashes] ${line}\n`);

const keyspace = uniqueName('it_crash');
const small = uniqueName('it_ctrlc');
const dir = mkdtempSync(path.join(os.tmpdir(), 'crashes-it-'));
const targets: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

interface SavedCheckpoint {
  completed: boolean;
  ranges: Array<{ state: string; resumeAfter?: string }>;
}
const readCheckpoint = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as SavedCheckpoint;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  for (const [ks, rows] of [[keyspace, ROWS], [small, SMALL_ROWS]] as const) {
    const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', ks, '--rows', String(rows), '--threads', '2']);
    if (r.status !== 0) throw new Error(r.stderr);
  }
}, 600_000);

afterAll(async () => {
  for (const t of targets) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await dropKeyspace(cql, small);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function migrateArgs(ks: string, target: string, checkpoint: string, threads: string): string[] {
  return [
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', ks, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--checkpoint', checkpoint, '--threads', threads, '--json',
  ];
}

describe(`kill -9 at ${KILLS} random moments of a ${ROWS.toLocaleString('en')}-row migration`, () => {
  it('resumes each time, once with another --threads, and ends with every row exact', async () => {
    log(`seed ${seed} (CASS2DDB_FAULT_SEED=${seed} replays these kill moments)`);
    const draw = rng(seed);
    const target = uniqueName('crash');
    targets.push(target);
    const checkpoint = path.join(dir, 'crash.json');
    const moments: string[] = [];
    let readInAll = 0;
    for (let k = 0; k < KILLS; k++) {
      const threads = THREADS[k]!;
      // A share of the rows still to copy, then a random part of a second: the kill lands between
      // progress events, wherever reads, writes and checkpoint saves happen to be.
      const left = ROWS - (k === 0 ? 0 : doneShareOf(checkpoint) * ROWS);
      const threshold = Math.max(1, Math.floor(draw() * 0.3 * left));
      const afterMs = Math.floor(draw() * 600);
      const args = [...migrateArgs(keyspace, target, checkpoint, threads), ...(k === 0 ? [] : ['--resume'])];
      const run = await watchedRun(args, { signals: (done) => (done >= threshold ? { signals: ['SIGKILL'], afterMs } : undefined) });
      expect(run.signal, `run ${k + 1} ended by itself: ${run.stderr}`).toBe('SIGKILL');
      const saved = readCheckpoint(checkpoint);
      expect(saved.completed).toBe(false);
      readInAll += Math.max(0, run.doneAtSignal);
      const line = `kill ${k + 1}: --threads ${threads}, after ≥ ${threshold.toLocaleString('en')} rows + ${afterMs} ms; this run had read ${run.doneAtSignal.toLocaleString('en')}; ring settled ${(100 * doneShareOf(checkpoint)).toFixed(1)} %`;
      moments.push(line);
      log(line);
    }
    const before = (await scanAll(ddb, target)).length;
    log(`after ${KILLS} kills: ${before.toLocaleString('en')} items in the table, ${readInAll.toLocaleString('en')} rows read by the killed runs (at their last progress event)`);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(ROWS);

    const last = await watchedRun([...migrateArgs(keyspace, target, checkpoint, '2'), '--resume']);
    expect(last.code, last.stderr).toBe(0);
    const summary = summaryOf(last)!;
    expect(summary.status).toBe('completed');
    expect(summary.rowsRead).toBe((summary.itemsWritten as number) + (summary.deadLetters as number));
    expect(summary.deadLetters).toBe(0);
    expect(summary.rowsUnsettled).toBe(0);
    expect(readCheckpoint(checkpoint).completed).toBe(true);
    const counts = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
    log(`last --resume read ${String(summary.rowsRead)} rows; read-back: ${JSON.stringify(counts)}`);
    expect(counts.rows).toBe(ROWS);
  });
});

/** Share of the ring the checkpoint has settled (done ranges), 0 to 1. */
function doneShareOf(file: string): number {
  const saved = readCheckpoint(file);
  return saved.ranges.filter((r) => r.state === 'done').length / saved.ranges.length;
}

describe('a double Ctrl-C', () => {
  it('the second SIGINT exits at once with status 4, and --resume finishes exactly', async () => {
    const target = uniqueName('ctrlc');
    targets.push(target);
    const checkpoint = path.join(dir, 'ctrlc.json');
    const args = migrateArgs(small, target, checkpoint, '2');
    const run = await watchedRun(args, { signals: (done) => (done >= 2_000 ? { signals: ['SIGINT', 'SIGINT'], afterMs: 0, gapMs: 50 } : undefined) });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain('SIGINT received, stopping (press Ctrl-C again to exit at once)');
    expect(run.stderr).toContain('SIGINT again, exiting now');
    // "at once": not after in-flight pages drain and workers close
    expect(run.exitAfterSignalMs).toBeGreaterThan(0);
    expect(run.exitAfterSignalMs).toBeLessThan(1_000);
    log(`double Ctrl-C: exited ${run.exitAfterSignalMs.toFixed(0)} ms after the second SIGINT, ${run.doneAtSignal} rows read`);
    // no summary: the process did not wait for one; the checkpoint on disk is whole JSON
    expect(summaryOf(run)).toBeUndefined();
    expect(readCheckpoint(checkpoint).completed).toBe(false);

    const resumed = await watchedRun([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = summaryOf(resumed)!;
    expect(summary.status).toBe('completed');
    expect(summary.rowsRead).toBe((summary.itemsWritten as number) + (summary.deadLetters as number));
    const counts = await expectExactReadBack(cql, ddb, small, 'users', target);
    expect(counts.rows).toBe(SMALL_ROWS);
  });
});
