/**
 * The plan of a coordinated job and what `status` shows of it, against the real Cassandra and
 * DynamoDB Local:
 *
 * - a coordination table that holds a job refuses another one (another source table, another
 *   --mapping): exit 64, one line naming the coordination table, nothing written to the target;
 *   --resume with --coordinator is refused too;
 * - `status --coordinator … --json` during a run of two processes (items add up to the plan's
 *   total, both processes listed and alive) and after it (every item done, both finished);
 *   the text form is one block; a missing coordination table is exit 3 with one line.
 *
 * `npm run build` first: the two processes of the status test run dist/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';
import { expectExactReadBack } from '../helpers/verify-copy.js';
import { leaseItems, startProcess, type CoordProcess } from '../helpers/coord-procs.js';

const ROWS = 3_000;
const OTHER_ROWS = 300;
const STATUS_ROWS = 8_000;
const keyspace = uniqueName('it_coord_plan');
const dir = mkdtempSync(path.join(os.tmpdir(), 'coord-plan-it-'));
const tables: string[] = [];
const procs: CoordProcess[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  for (const [table, rows] of [['users', ROWS], ['other', OTHER_ROWS], ['watched', STATUS_ROWS]] as const) {
    const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--rows', String(rows), '--threads', '2']);
    if (r.status !== 0) throw new Error(`populate: ${r.stderr}`);
  }
}, 300_000);

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  for (const t of tables) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const migrateArgs = (table: string, target: string, coord: string, extra: string[] = []): string[] => [
  'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--target-table', target,
  '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--threads', '2', '--coordinator', `dynamodb:${coord}`, '--json',
  '--dead-letters', path.join(dir, `${uniqueName('dl')}.jsonl`), ...extra,
];

describe('a coordination table that holds a job', () => {
  const target = uniqueName('coord_plan');
  const coord = uniqueName('coord_plan_lease');
  tables.push(target, coord);

  beforeAll(async () => {
    const first = await runInProcess(migrateArgs('users', target, coord, ['--process-id', 'first']));
    if (first.status !== 0) throw new Error(`the first job: ${first.stderr}`);
  }, 120_000);

  /** One line naming the coordination table; nothing written to the target (still exactly the first job's copy). */
  async function expectRefused(args: string[]): Promise<string> {
    const run = await runInProcess(args);
    expect(run.status, run.stderr).toBe(64);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`dynamodb:${coord}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.events.filter((e) => e.event === 'start' || e.event === 'summary')).toEqual([]);
    const counts = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
    expect(counts.items).toBe(ROWS);
    return lines[0]!;
  }

  it('refuses another source table: exit 64, one line, nothing written', async () => {
    const line = await expectRefused(migrateArgs('other', target, coord, ['--process-id', 'second']));
    expect(line).toMatch(/holds another migrate job/);
    expect(line).toContain(`${keyspace}.users`);
    expect(line).toContain(`${keyspace}.other`);
  });

  it('refuses another --mapping: exit 64, one line, nothing written', async () => {
    const mapping = path.join(dir, 'rename.yaml');
    writeFileSync(mapping, 'columns:\n  rename: { email: email_address }\n');
    const line = await expectRefused(migrateArgs('users', target, coord, ['--process-id', 'third', '--mapping', mapping]));
    expect(line).toMatch(/holds another migrate job/);
  });

  it('refuses --resume with --coordinator: exit 64, one line naming --resume', async () => {
    const run = await runInProcess(migrateArgs('users', target, coord, ['--resume']));
    expect(run.status, run.stderr).toBe(64);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^cass2ddb-fast: --resume /);
    // the error, then at most the --help hint
    expect(lines.length, run.stderr).toBeLessThanOrEqual(2);
    if (lines.length === 2) expect(lines[1]).toMatch(/--help/);
    expect((await scanAll(ddb, target)).length).toBe(ROWS);
  });

  it('the same job again joins the finished plan and writes nothing new', async () => {
    const again = await runInProcess(migrateArgs('users', target, coord, ['--process-id', 'late']));
    expect(again.status, again.stderr).toBe(0);
    expect(again.events.find((e) => e.event === 'start')).toMatchObject({ planCreated: false, pendingRanges: 0 });
    expect(again.events.find((e) => e.event === 'summary')).toMatchObject({ rowsRead: 0, itemsWritten: 0 });
  });
});

interface StatusJob {
  job: string;
  planId: string;
  items: { total: number; done: number; inProgress: number; free: number; givenUp: number };
  ringDone?: number;
  inProgress: Array<{ id: string; owner: string }>;
  totals: { rowsRead: number; itemsWritten: number; deadLetters: number };
  processes: Array<{ processId: string; state: string; alive: boolean; exitStatus?: number }>;
  budgets: Record<string, number>;
  etaSec: number | null;
}

describe('status --coordinator', () => {
  const target = uniqueName('coord_status');
  const coord = uniqueName('coord_status_lease');
  tables.push(target, coord);
  const statusArgs = ['status', '--coordinator', `dynamodb:${coord}`, '--endpoint-url', DYNAMODB_ENDPOINT, '--lease-seconds', '3'];

  async function status(): Promise<StatusJob> {
    const run = await runInProcess([...statusArgs, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const e = run.events.find((x) => x.event === 'status') as { coordinator: string; jobs: StatusJob[] } | undefined;
    expect(e?.coordinator).toBe(`dynamodb:${coord}`);
    expect(e!.jobs.map((j) => j.job)).toEqual(['migrate']);
    return e!.jobs[0]!;
  }

  it('during a run of two processes and after it: items add up to the plan, processes listed, then every item done', async () => {
    const run = (name: string) => {
      const p = startProcess(name, [...migrateArgs('watched', target, coord, ['--process-id', name, '--lease-seconds', '3', '--max-wcu', '1000', '--splits', '24'])], { cwd: dir });
      procs.push(p);
      return p;
    };
    const [s1, s2] = [run('S1'), run('S2')];
    const start = await s1.waitFor((e) => e.event === 'start', 60_000, 'its start line');
    await Promise.all([s1, s2].map((p) => p.waitFor((e) => e.event === 'progress' && Number(e.itemsWritten) > 0, 60_000, 'items written')));

    const during = await status();
    const { plan } = await leaseItems(ddb, coord);
    const planCount = Number(plan!.itemCount!.N);
    expect(planCount).toBe(start.e.ranges);
    expect(during.items.total).toBe(planCount);
    expect(during.items.done + during.items.inProgress + during.items.free).toBe(during.items.total);
    expect(during.items.done).toBeLessThan(during.items.total);
    expect(during.items.inProgress).toBeGreaterThanOrEqual(1);
    expect(during.budgets).toEqual({ wcu: 1000 });
    expect(new Set(during.inProgress.map((r) => r.owner)).size).toBeGreaterThanOrEqual(1);
    for (const r of during.inProgress) expect(['S1', 'S2']).toContain(r.owner);
    expect(during.processes.map((p) => p.processId).sort()).toEqual(['S1', 'S2']);
    for (const p of during.processes) {
      expect(['running', 'waiting']).toContain(p.state);
      expect(p.alive).toBe(true);
    }

    // the text form: one block for the one job, naming it, its items and both processes
    const text = await runInProcess(statusArgs);
    expect(text.status, text.stderr).toBe(0);
    const block = text.stdout.trimEnd();
    expect(block.split('\n\n')).toHaveLength(1);
    expect(block.split('\n')[0]).toMatch(new RegExp(`^migrate job in dynamodb:${coord}: ${keyspace}\\.watched → ${target}`));
    expect(block).toMatch(new RegExp(`items +\\d+ done, \\d+ in progress, \\d+ free, of ${planCount}`));
    expect(block).toMatch(/\n +S1 +/);
    expect(block).toMatch(/\n +S2 +/);

    const [e1, e2] = await Promise.all([s1.exited, s2.exited]);
    expect(e1, s1.stderr()).toBe(0);
    expect(e2, s2.stderr()).toBe(0);
    const after = await status();
    expect(after.items).toEqual({ total: planCount, done: planCount, inProgress: 0, free: 0, givenUp: 0 });
    expect(after.ringDone).toBe(1);
    expect(after.etaSec).toBe(0);
    expect(after.totals).toMatchObject({ rowsRead: STATUS_ROWS, itemsWritten: STATUS_ROWS, deadLetters: 0 });
    expect(after.processes.map((p) => [p.processId, p.state, p.exitStatus, p.alive]).sort()).toEqual([['S1', 'finished', 0, false], ['S2', 'finished', 0, false]]);
    const textAfter = await runInProcess(statusArgs);
    expect(textAfter.stdout).toMatch(new RegExp(`items +${planCount} done, 0 in progress, 0 free, of ${planCount}; 100\\.0 % of the ring`));

    const counts = await expectExactReadBack(cql, ddb, keyspace, 'watched', target);
    expect(counts.rows).toBe(STATUS_ROWS);
  }, 180_000);

  it('a coordination table that does not exist: exit 3, one line naming it', async () => {
    const missing = uniqueName('coord_missing');
    const run = await runInProcess(['status', '--coordinator', `dynamodb:${missing}`, '--endpoint-url', DYNAMODB_ENDPOINT, '--json']);
    expect(run.status, run.stderr).toBe(3);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(missing);
    expect(lines[0]).toMatch(/does not exist/);
  });
});
