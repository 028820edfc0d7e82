/**
 * `migrate --dry-run` checks what the real run would need, with read-only calls only: the
 * endpoint answers, the credentials resolve and are accepted, the target table exists with the
 * mapping's key schema (or, with --create-table, is missing or fits). A failed check ends the dry
 * run with exit 3 and one line per failed check; whatever the outcome, nothing is written: no
 * table, no item, no checkpoint. DynamoDB Local is reached through the recording proxy
 * (test/fixtures/recording-proxy.ts), which shows that only DescribeTable was signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startRecordingProxy, type RecordingProxy } from '../fixtures/recording-proxy.js';
import { runBinary, runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, createTable, dropTable, scanAll, testDynamo } from '../helpers/dynamodb.js';

const ROWS = 2_000;
const keyspace = uniqueName('it_dry');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dry-run-it-'));
const tables: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;
let proxy: RecordingProxy;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  proxy = await startRecordingProxy({ upstream: DYNAMODB_ENDPOINT });
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  if (ddb !== undefined) for (const t of tables) await dropTable(ddb, t);
  if (cql !== undefined) {
    await dropKeyspace(cql, keyspace);
    await cql.shutdown();
  }
  ddb?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const checkpointOf = (target: string) => path.join(dir, `${target}.json`);

function dryRunArgs(target: string, extra: string[] = [], endpoint = proxy.url): string[] {
  tables.push(target);
  return [
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', endpoint, '--checkpoint', checkpointOf(target), '--dry-run', ...extra,
  ];
}

type Check = { name: string; status: string; detail: string };
const checksOf = (run: CliRun): Check[] => (run.events.find((e) => e.event === 'dry-run')?.checks ?? []) as Check[];
const statuses = (run: CliRun): Record<string, string> => Object.fromEntries(checksOf(run).map((c) => [c.name, c.status]));
/** stderr's lines, each one a failed check. */
const failedLines = (run: CliRun): string[] => run.stderr.split('\n').filter((l) => l !== '');

async function tableExists(table: string): Promise<boolean> {
  return scanAll(ddb, table).then(() => true, (e: { name?: string }) => {
    if (e.name === 'ResourceNotFoundException') return false;
    throw e;
  });
}

async function expectNothingWritten(target: string, table: 'absent' | 'empty'): Promise<void> {
  if (table === 'absent') expect(await tableExists(target)).toBe(false);
  else expect(await scanAll(ddb, target)).toEqual([]);
  expect(existsSync(checkpointOf(target))).toBe(false);
  // only reads were signed
  const signed = proxy.requests().filter((r) => r.accessKeyId !== undefined).map((r) => r.target);
  expect(new Set(signed)).toEqual(new Set(['DynamoDB_20120810.DescribeTable']));
}

describe('migrate --dry-run checks the target', () => {
  it('a table that fits: every check ok, exit 0, no item and no checkpoint written', async () => {
    const target = uniqueName('dry_fits');
    await createTable(ddb, target, ['id', 'S']);
    proxy.clear();
    const run = await runInProcess([...dryRunArgs(target), '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.events.find((e) => e.event === 'dry-run')).toMatchObject({ ok: true });
    expect(statuses(run)).toEqual({ endpoint: 'ok', credentials: 'ok', table: 'ok' });
    expect(checksOf(run).find((c) => c.name === 'credentials')?.detail).toMatch(/accepted by DynamoDB/);
    await expectNothingWritten(target, 'empty');
  });

  it('a missing table with --create-table: ok, said in the human output, and not created', async () => {
    const target = uniqueName('dry_create');
    proxy.clear();
    const run = await runInProcess(dryRunArgs(target, ['--create-table']));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/checks +the target is ready for the real run/);
    expect(run.stdout).toMatch(/^ {4}endpoint +ok +/m);
    expect(run.stdout).toMatch(/^ {4}credentials +ok +none configured: the dummy pair/m);
    expect(run.stdout).toMatch(/^ {4}table +ok +'dry_create_\w+' does not exist yet: --create-table would create it \(on demand\) with key id \(S\) HASH/m);
    await expectNothingWritten(target, 'absent');
  });

  it('a missing table without --create-table: exit 3, one line saying so', async () => {
    const target = uniqueName('dry_missing');
    proxy.clear();
    const run = await runInProcess(dryRunArgs(target));
    expect(run.status).toBe(3);
    expect(run.stdout).toMatch(/checks +1 failed: the real run would stop/);
    expect(run.stdout).toMatch(/^ {4}table +FAILED +target table/m);
    expect(failedLines(run)).toEqual([expect.stringMatching(/^cass2ddb-fast: dry run: table: target table 'dry_missing_\w+' does not exist at .*; add --create-table to create it with key id \(S\) HASH$/)]);
    await expectNothingWritten(target, 'absent');
  });

  it('a table with another key schema: exit 3 naming the difference, with or without --create-table', async () => {
    const target = uniqueName('dry_wrongkey');
    await createTable(ddb, target, ['pk', 'N'], ['sk', 'S']);
    for (const extra of [[], ['--create-table']]) {
      proxy.clear();
      const run = await runInProcess([...dryRunArgs(target, extra), '--json']);
      expect(run.status).toBe(3);
      expect(statuses(run)).toEqual({ endpoint: 'ok', credentials: 'ok', table: 'failed' });
      expect(failedLines(run)).toEqual([
        expect.stringMatching(/^cass2ddb-fast: dry run: table: target table '\w+' does not fit the mapping: partition key is pk \(N\), expected id \(S\); sort key is sk \(S\), expected none/),
      ]);
      await expectNothingWritten(target, 'empty');
    }
  });

  it('an unreachable endpoint: exit 3, the table not checked', async () => {
    const target = uniqueName('dry_unreachable');
    const run = await runInProcess([...dryRunArgs(target, ['--create-table'], 'http://127.0.0.1:1'), '--json']);
    expect(run.status).toBe(3);
    expect(statuses(run)).toEqual({ endpoint: 'failed', credentials: 'ok', table: 'skipped' });
    expect(failedLines(run)).toEqual([expect.stringMatching(/^cass2ddb-fast: dry run: endpoint: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:1 us-east-1: ECONNREFUSED/)]);
    expect(existsSync(checkpointOf(target))).toBe(false);
  });

  it('an unknown profile (the built binary, with only a config file that lacks it): exit 3 naming the profile', async () => {
    const target = uniqueName('dry_profile');
    const home = path.join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const config = path.join(dir, 'config');
    writeFileSync(config, '[profile other]\nregion = eu-west-1\n');
    const credentials = path.join(dir, 'credentials');
    writeFileSync(credentials, '[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    proxy.clear();
    const run = await runBinary([...dryRunArgs(target, ['--create-table', '--profile', 'nosuch'])], { env, cwd: dir });
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/^ {4}credentials +FAILED +no AWS credentials for 127\.0\.0\.1:\d+ \(profile 'nosuch'\)/m);
    expect(run.stdout).toMatch(/^ {4}table +skipped +not checked: needs credentials/m);
    expect(failedLines(run)).toEqual([expect.stringMatching(/^cass2ddb-fast: dry run: credentials: no AWS credentials for 127\.0\.0\.1:\d+ \(profile 'nosuch'\)/)]);
    expect(run.stdout + run.stderr).not.toContain('other-secret');
    // nothing signed at all, nothing written
    expect(proxy.requests().filter((r) => r.accessKeyId !== undefined)).toEqual([]);
    expect(await tableExists(target)).toBe(false);
    expect(existsSync(checkpointOf(target))).toBe(false);
  });
});
