/**
 * monitor's credentials, as the AWS CLI's: the built binary in a subprocess whose only AWS
 * setting is a throw-away config and credentials file (AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE; no AWS_ACCESS_KEY_ID, AWS_PROFILE or AWS_REGION), with three
 * profiles `src`, `dst`, `strm` of distinct access keys and regions. DynamoDB Local is reached
 * through a recording proxy (test/fixtures/recording-proxy.ts) that notes who signed each request:
 * every stream call must carry strm's key, every read of the checked table dst's (or src's with
 * `--verify-on target`), the stream table's DescribeTable its own profile's; and the run's counts
 * must be right. A missing profile, a credential_process that returns expired credentials and an
 * expired SSO token each end the run with exit 3 and one line naming the profile, having written
 * nothing. No secret key of any profile appears in what a run printed or wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../fixtures/recording-proxy.js';
import { runBinary, type CliRun } from '../helpers/cli.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { createStreamTable, replicate, writeChanges } from '../helpers/monitor-tables.js';

const RUN = randomUUID().slice(0, 8);
const dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-profiles-'));
const home = path.join(dir, 'home');
const source = `mon_prof_src_${RUN}`;
const target = `mon_prof_dst_${RUN}`;

interface Profile {
  readonly accessKeyId: string;
  readonly secret: string;
  readonly region: string;
}
const profile = (name: string, region: string): Profile => ({
  accessKeyId: `AKIA${name.toUpperCase()}${RUN.toUpperCase()}`,
  secret: `${name}-secret-${randomUUID()}`,
  region,
});
const SRC = profile('src', 'eu-west-1');
const DST = profile('dst', 'us-west-2');
const STRM = profile('strm', 'ap-southeast-2');
/** What the expired credential_process hands out (expired an hour ago). */
const EXPIRED_SECRET = `expired-secret-${randomUUID()}`;
const SSO_START_URL = `https://cass2ddb-${RUN}.awsapps.com/start`;
const SECRETS = [SRC.secret, DST.secret, STRM.secret, EXPIRED_SECRET];

let ddb: DynamoDBClient;
let proxy: RecordingProxy;
/** A few changes are enough to see who signs what: 40 inserts, 16 modifies, 8 removes. */
const KEYS = 40;
let written: { inserts: number; modifies: number; removes: number };

/** The config and credentials files, an expired credential_process and an expired SSO token cache. */
function writeAwsFiles(): Record<string, string> {
  const script = path.join(dir, 'expired-credentials.cjs');
  const issued = { Version: 1, AccessKeyId: `AKIAEXPIRED${RUN.toUpperCase()}`, SecretAccessKey: EXPIRED_SECRET, SessionToken: 'token' };
  writeFileSync(script, `process.stdout.write(JSON.stringify({ ...${JSON.stringify(issued)}, Expiration: new Date(Date.now() - 3600e3).toISOString() }));\n`);
  const config = path.join(dir, 'config');
  writeFileSync(config, [
    '[profile src]', `region = ${SRC.region}`,
    '[profile dst]', `region = ${DST.region}`,
    '[profile strm]', `region = ${STRM.region}`,
    '[profile expired]', 'region = eu-north-1', `credential_process = "${process.execPath}" "${script}"`,
    '[profile sso-expired]', 'region = eu-south-1', `sso_start_url = ${SSO_START_URL}`, 'sso_region = us-east-1', 'sso_account_id = 111122223333', 'sso_role_name = ReadOnly',
    '',
  ].join('\n'));
  const credentials = path.join(dir, 'credentials');
  writeFileSync(credentials, [['src', SRC], ['dst', DST], ['strm', STRM]].flatMap(([name, p]) => {
    const { accessKeyId, secret } = p as Profile;
    return [`[${name as string}]`, `aws_access_key_id = ${accessKeyId}`, `aws_secret_access_key = ${secret}`];
  }).join('\n') + '\n');
  // What `aws sso login` leaves for a legacy SSO profile, expired an hour ago.
  const cache = path.join(home, '.aws', 'sso', 'cache');
  mkdirSync(cache, { recursive: true });
  writeFileSync(path.join(cache, `${createHash('sha1').update(SSO_START_URL).digest('hex')}.json`), JSON.stringify({
    accessToken: 'sso-token', expiresAt: new Date(Date.now() - 3600e3).toISOString().replace(/\.\d+Z$/, 'Z'), region: 'us-east-1', startUrl: SSO_START_URL,
  }));
  // Only these: no AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, and a HOME with no ~/.aws of the user's.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
}

let env: Record<string, string>;

beforeAll(async () => {
  env = writeAwsFiles();
  ddb = testDynamo();
  proxy = await startRecordingProxy({ upstream: DYNAMODB_ENDPOINT });
  // Both tables have a stream: --verify-on target follows the target's.
  await createStreamTable(ddb, source);
  await createStreamTable(ddb, target);
  written = await writeChanges(ddb, source, KEYS);
  await replicate(ddb, source, target, new Set(), new Set());
});

afterAll(async () => {
  await proxy?.close();
  if (ddb !== undefined) for (const t of [source, target]) await dropTable(ddb, t);
  ddb?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface MonitorRun extends CliRun {
  readonly differences: string;
  readonly checkpoint: string;
}

/** monitor through the proxy, from the start of the stream until caught up; the proxy's record cleared first. */
async function monitor(extra: string[]): Promise<MonitorRun> {
  const differences = path.join(dir, `differences-${randomUUID()}.jsonl`);
  const checkpoint = path.join(dir, `checkpoint-${randomUUID()}.json`);
  proxy.clear();
  const run = await runBinary(['monitor', '--endpoint-url', proxy.url, '--source-table', source, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--until-caught-up', '--sample-rate', '100', '--threads', '2', '--json',
    '--differences', differences, '--checkpoint', checkpoint, ...extra], { env, cwd: dir });
  return { ...run, differences, checkpoint };
}

/** `access key id @ region` of everyone who signed these requests. */
const signers = (requests: readonly RecordedRequest[]): string[] => [...new Set(requests.map((r) => `${r.accessKeyId}@${r.region}`))].sort();
const signer = (p: Profile): string => `${p.accessKeyId}@${p.region}`;
const operations = (requests: readonly RecordedRequest[]): string[] => [...new Set(requests.map((r) => r.target))].sort();
const isStreamCall = (r: RecordedRequest): boolean => r.target.startsWith('DynamoDBStreams_20120810.');
const onTable = (table: string) => (r: RecordedRequest): boolean => r.target.startsWith('DynamoDB_20120810.') && r.tables.includes(table);

function summaryOf(run: CliRun): Record<string, unknown> {
  const s = run.events.find((e) => e.event === 'summary');
  expect(s, run.stderr).toBeDefined();
  return s!;
}

/** No secret key in what the run printed or in the files it wrote. */
function expectNoSecret(run: MonitorRun): void {
  const written = [run.differences, run.checkpoint].filter(existsSync).map((f) => readFileSync(f, 'utf8'));
  for (const text of [run.stdout, run.stderr, ...written]) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** Exit 3, one line naming the profile, nothing written, no request signed with the loopback dummy key. */
function expectFailedOnProfile(run: MonitorRun, name: string, reason: RegExp): void {
  expect(run.status, run.stderr).toBe(3);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`profile '${name}'`);
  expect(lines[0]).toMatch(reason);
  expect(existsSync(run.differences)).toBe(false);
  expect(existsSync(run.checkpoint)).toBe(false);
  expect(proxy.requests().filter((r) => r.accessKeyId === 'local' || r.accessKeyId === undefined)).toEqual([]);
  expectNoSecret(run);
}

describe('monitor: credentials as the AWS CLI', () => {
  it('three profiles in one run: the stream with --stream-profile, each table with its own', async () => {
    const run = await monitor(['--source-profile', 'src', '--target-profile', 'dst', '--stream-profile', 'strm']);
    expect(run.status, run.stderr).toBe(0);
    const events = written.inserts + written.modifies + written.removes;
    expect(summaryOf(run)).toMatchObject({ status: 'clean', ended: 'caught-up', events, ...written, matched: KEYS, missing: 0, mismatched: 0, stillPresent: 0 });
    const requests = proxy.requests();
    const streamCalls = requests.filter(isStreamCall);
    // the main thread lists the shards, the workers read them: both sign with strm's key
    expect(operations(streamCalls)).toEqual(expect.arrayContaining(['DynamoDBStreams_20120810.DescribeStream', 'DynamoDBStreams_20120810.GetShardIterator', 'DynamoDBStreams_20120810.GetRecords']));
    expect(signers(streamCalls)).toEqual([signer(STRM)]);
    const targetCalls = requests.filter(onTable(target));
    expect(operations(targetCalls)).toEqual(['DynamoDB_20120810.BatchGetItem', 'DynamoDB_20120810.DescribeTable']);
    expect(signers(targetCalls)).toEqual([signer(DST)]);
    const sourceCalls = requests.filter(onTable(source));
    expect(operations(sourceCalls)).toEqual(['DynamoDB_20120810.DescribeTable']);
    expect(signers(sourceCalls)).toEqual([signer(SRC)]);
    // nothing else went out, signed or not
    expect(streamCalls.length + targetCalls.length + sourceCalls.length).toBe(requests.length);
    expect(existsSync(run.checkpoint)).toBe(true);
    expectNoSecret(run);
  });

  it('--verify-on target: the target\'s stream with --stream-profile, checks read the source with src\'s key', async () => {
    const run = await monitor(['--source-profile', 'src', '--target-profile', 'dst', '--stream-profile', 'strm', '--verify-on', 'target']);
    expect(run.status, run.stderr).toBe(0);
    // the replicator put the items left in the source: one insert each in the target's stream
    const copied = KEYS - written.removes;
    expect(summaryOf(run)).toMatchObject({ status: 'clean', ended: 'caught-up', events: copied, inserts: copied, modifies: 0, removes: 0, matched: copied, missing: 0, mismatched: 0 });
    const requests = proxy.requests();
    const streamCalls = requests.filter(isStreamCall);
    expect(operations(streamCalls)).toContain('DynamoDBStreams_20120810.GetRecords');
    expect(signers(streamCalls)).toEqual([signer(STRM)]);
    const sourceCalls = requests.filter(onTable(source));
    expect(operations(sourceCalls)).toEqual(['DynamoDB_20120810.BatchGetItem', 'DynamoDB_20120810.DescribeTable']);
    expect(signers(sourceCalls)).toEqual([signer(SRC)]);
    const targetCalls = requests.filter(onTable(target));
    expect(operations(targetCalls)).toEqual(['DynamoDB_20120810.DescribeTable']);
    expect(signers(targetCalls)).toEqual([signer(DST)]);
    expect(streamCalls.length + targetCalls.length + sourceCalls.length).toBe(requests.length);
    expect(existsSync(run.checkpoint)).toBe(true);
    expectNoSecret(run);
  });

  it('without --stream-profile the stream is read with the profile of the table whose stream it is', async () => {
    const run = await monitor(['--source-profile', 'src', '--target-profile', 'dst', '--verify-on', 'target']);
    expect(run.status, run.stderr).toBe(0);
    expect(summaryOf(run)).toMatchObject({ status: 'clean', matched: KEYS - written.removes });
    const streamCalls = proxy.requests().filter(isStreamCall);
    expect(operations(streamCalls)).toContain('DynamoDBStreams_20120810.GetRecords');
    expect(signers(streamCalls)).toEqual([signer(DST)]);
  });

  it.each([
    ['--target-profile', 'target'],
    ['--source-profile', 'source'],
    ['--stream-profile', 'stream'],
  ])('a missing profile (%s nosuch): exit 3, one line naming it, nothing written', async (flag) => {
    const profiles = { '--source-profile': 'src', '--target-profile': 'dst', '--stream-profile': 'strm', [flag]: 'nosuch' };
    const run = await monitor(Object.entries(profiles).flat());
    expectFailedOnProfile(run, 'nosuch', /: Could not resolve credentials using profile: \[nosuch\] in configuration\/credentials file/);
  });

  it('an expired profile (credential_process, or SSO token cache): exit 3, one line naming it, nothing written', async () => {
    const fromProcess = await monitor(['--source-profile', 'src', '--target-profile', 'expired']);
    expectFailedOnProfile(fromProcess, 'expired', /: Profile expired credential_process returned expired credentials/);
    const sso = await monitor(['--source-profile', 'sso-expired', '--target-profile', 'dst']);
    expectFailedOnProfile(sso, 'sso-expired', /: The SSO session associated with this profile has expired/);
  });
});
