/**
 * `monitor` counts exactly and says what it sees, on DynamoDB Local:
 * - a reader whose thread dies after counting a batch (a failpoint) is replaced and reads the
 *   batch again: every change is still counted once, every difference reported once;
 * - streams without NewImage: KEYS_ONLY is refused unless `--read-stream-table`, OLD_IMAGE reads
 *   the stream's table by itself; either way exactly the replicator's faults are found;
 * - `--report-dir` writes a report `cass2ddb-fast report` reads, `--shard-stats` each shard's backlog;
 * - a table whose stream is replaced while the monitor runs is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FAILPOINTS_ENV } from '../../src/engine/failpoints.js';
import { runInProcess, type CliRun } from '../helpers/cli.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { createStreamTable, replicate, writeChanges } from '../helpers/monitor-tables.js';

const RUN = randomUUID().slice(0, 8);
const dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-exact-'));
const tables: string[] = [];
let ddb: DynamoDBClient;

beforeAll(() => {
  ddb = testDynamo();
});

afterAll(async () => {
  for (const t of tables) await dropTable(ddb, t);
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A source with a stream of `viewType` holding 320 changes, and a copy with `drop` left out and `alter` changed. */
async function pair(name: string, viewType: Parameters<typeof createStreamTable>[2], drop: ReadonlySet<string>, alter: ReadonlySet<string>) {
  const source = `mx_${name}_src_${RUN}`;
  const target = `mx_${name}_dst_${RUN}`;
  tables.push(source, target);
  await createStreamTable(ddb, source, viewType);
  await createTable(ddb, target, ['pk', 'S'], ['sk', 'N']);
  const written = await writeChanges(ddb, source);
  await replicate(ddb, source, target, drop, alter);
  return { source, target, written, differences: path.join(dir, `${target}.jsonl`) };
}

function monitor(source: string, target: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliRun> {
  return runInProcess(['monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--source-table', source, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--until-caught-up', '--threads', '2', '--json', '--stats-interval', '1',
    '--recheck-after', '100', '--max-rechecks', '1',
    '--differences', path.join(dir, `${target}.jsonl`), '--checkpoint', path.join(dir, `${target}-${randomUUID()}.json`), ...extra], env);
}

function summaryOf(run: CliRun): Record<string, unknown> {
  const s = run.events.find((e) => e.event === 'summary');
  expect(s, run.stderr).toBeDefined();
  return s!;
}

const lines = (file: string): Array<{ kind: string; key: { sk: { N: string } } }> =>
  readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; key: { sk: { N: string } } });

describe('monitor: exactly once', () => {
  it('a reader whose thread dies after counting a batch is replaced: changes counted once, differences reported once', async () => {
    const drop = new Set(['100', '7']);
    const alter = new Set(['101', '8', '9']);
    const t = await pair('crash', 'NEW_AND_OLD_IMAGES', drop, alter);
    const run = await monitor(t.source, t.target, [], { [FAILPOINTS_ENV]: 'monitor.batch-read=crash*1' });
    expect(run.status, run.stderr).toBe(1);
    const s = summaryOf(run);
    const all = t.written.inserts + t.written.modifies + t.written.removes;
    expect(s).toMatchObject({ events: all, inserts: t.written.inserts, modifies: t.written.modifies, removes: t.written.removes, missing: drop.size, mismatched: alter.size, stillPresent: 0 });
    // The replaced reader read the batch again: seen twice, counted once.
    expect(s.replayedEvents as number).toBeGreaterThan(0);
    expect(run.events.filter((e) => e.event === 'warning' && e.attempt === 1), run.stdout).toHaveLength(1);
    // Every sampled change has exactly one outcome: 200 keys, each judged once on its latest change.
    expect((s.sampled as number) - (s.superseded as number)).toBe(200);
    expect((s.matched as number) + (s.missing as number) + (s.mismatched as number)).toBe(200);
    const ds = lines(t.differences);
    expect(ds).toHaveLength(drop.size + alter.size);
    expect(new Set(ds.filter((d) => d.kind === 'missing').map((d) => d.key.sk.N))).toEqual(drop);
    expect(new Set(ds.filter((d) => d.kind === 'mismatched').map((d) => d.key.sk.N))).toEqual(alter);
  });
});

describe('monitor: streams without NewImage', () => {
  it('KEYS_ONLY is refused (3, one line naming the way out); with --read-stream-table exactly the faults are found', async () => {
    const drop = new Set(['120', '3']);
    const alter = new Set(['121', '4']);
    const t = await pair('keys', 'KEYS_ONLY', drop, alter);
    const refused = await monitor(t.source, t.target);
    expect(refused.status).toBe(3);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/KEYS_ONLY.*--read-stream-table/)]);
    expect(existsSync(t.differences)).toBe(false);

    const run = await monitor(t.source, t.target, ['--read-stream-table']);
    expect(run.status, run.stderr).toBe(1);
    expect(run.events.find((e) => e.event === 'start')).toMatchObject({ viewType: 'KEYS_ONLY', readStreamTable: true });
    const s = summaryOf(run);
    expect(s).toMatchObject({ events: 320, missing: drop.size, mismatched: alter.size, stillPresent: 0 });
    expect((s.matched as number) + (s.missing as number) + (s.mismatched as number)).toBe(200);
    const ds = lines(t.differences);
    expect(new Set(ds.filter((d) => d.kind === 'missing').map((d) => d.key.sk.N))).toEqual(drop);
    expect(new Set(ds.filter((d) => d.kind === 'mismatched').map((d) => d.key.sk.N))).toEqual(alter);
  });

  it('OLD_IMAGE reads the stream\'s own table without being asked; a faithful copy is clean (exit 0)', async () => {
    const t = await pair('old', 'OLD_IMAGE', new Set(), new Set());
    const run = await monitor(t.source, t.target);
    expect(run.status, run.stderr).toBe(0);
    expect(run.events.find((e) => e.event === 'start')).toMatchObject({ viewType: 'OLD_IMAGE', readStreamTable: true });
    expect(summaryOf(run)).toMatchObject({ status: 'clean', events: 320, matched: 200, missing: 0, mismatched: 0 });
  });
});

describe('monitor: reports, per-shard backlog, a replaced stream', () => {
  it('--report-dir writes histograms `report` reads; --shard-stats prints each shard', async () => {
    const t = await pair('report', 'NEW_AND_OLD_IMAGES', new Set(), new Set());
    const reportDir = path.join(dir, 'report-run');
    const run = await monitor(t.source, t.target, ['--report-dir', reportDir, '--shard-stats']);
    expect(run.status, run.stderr).toBe(0);
    for (const f of ['summary.json', 'histograms.json', 'timeline.jsonl', 'report.html']) expect(existsSync(path.join(reportDir, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as { command: string; summary: { matched: number } };
    expect(summary.command).toBe('monitor');
    expect(summary.summary.matched).toBe(200);
    const phases = Object.keys(JSON.parse(readFileSync(path.join(reportDir, 'histograms.json'), 'utf8')) as object);
    expect(phases).toEqual(expect.arrayContaining(['replication-lag', 'source-to-target-lag', 'batch-get']));
    const report = await runInProcess(['report', reportDir]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toContain('source-to-target-lag');
    const shards = run.events.filter((e) => e.event === 'shards');
    expect(shards.length).toBeGreaterThan(0);
    const last = shards.at(-1) as { shards: Array<{ shardId: string; status: string; backlogMs: number | null }> };
    expect(last.shards.length).toBeGreaterThan(0);
    for (const s of last.shards) expect(s.shardId).toMatch(/^shardId-/);
  });

  it('a --report-dir that cannot hold a report is refused before anything runs: 64, one line', async () => {
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const run = await runInProcess(['monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--target-table', 'never_read', '--report-dir', file]);
    expect(run.status).toBe(64);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/cannot write a report to .*not-a-dir/)]);
  });

  it('a stream replaced on its table while the monitor runs is reported, in a warning and the summary', async () => {
    const t = await pair('replaced', 'NEW_AND_OLD_IMAGES', new Set(), new Set());
    const before = (await ddb.send(new DescribeTableCommand({ TableName: t.source }))).Table?.LatestStreamArn;
    // No --until-caught-up: the run goes on while the stream is replaced (DynamoDB Local keeps the
    // disabled stream's shard open, so the run ends at --duration; AWS closes it: 'stream-ended').
    const running = runInProcess(['monitor', '--endpoint-url', DYNAMODB_ENDPOINT, '--source-table', t.source, '--target-table', t.target,
      '--iterator-type', 'trim-horizon', '--duration', '4', '--json', '--differences', t.differences, '--checkpoint', path.join(dir, `${t.target}.json`)]);
    await new Promise((r) => setTimeout(r, 1000));
    await ddb.send(new UpdateTableCommand({ TableName: t.source, StreamSpecification: { StreamEnabled: false } }));
    await ddb.send(new UpdateTableCommand({ TableName: t.source, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }));
    const after = (await ddb.send(new DescribeTableCommand({ TableName: t.source }))).Table?.LatestStreamArn;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const run = await running;
    expect(run.status, run.stderr).toBe(0);
    expect(summaryOf(run)).toMatchObject({ streamArn: before, streamChange: after, matched: 200 });
    expect(['duration', 'stream-ended']).toContain(summaryOf(run).ended);
    expect(run.events.some((e) => e.event === 'warning' && e.streamChanged === after), run.stdout).toBe(true);
  });
});
