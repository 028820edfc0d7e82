/**
 * Secrets stay secret (ARCHITECTURE.md, Invariants). The built binary runs populate, migrate
 * (real, --dry-run, and failing), verify, monitor --source cassandra and report in subprocesses
 * whose environment and files hold a known, distinct secret in every place one can come from:
 *
 *   AWS      env AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; a profile of the shared credentials
 *            file (aws_secret_access_key, aws_session_token); a credential_process profile
 *            printing JSON; a credential_process that fails with the secret on its stderr; one
 *            that prints the secret as junk instead of JSON
 *   Cassandra --cassandra-password-env VAR; --cassandra-credentials FILE (0600); the ambient
 *            CASSANDRA_PASSWORD; a client key (--cassandra-key)
 *
 * Failures are provoked too: Cassandra unreachable, DynamoDB unreachable, a failing
 * credential_process, and DynamoDB refusing the signature (a recording proxy answers
 * InvalidSignatureException / UnrecognizedClientException echoing the session token the request
 * carried after the first line, as AWS echoes the canonical request). DynamoDB Local is reached
 * through a recording proxy that notes the session tokens requests carried: the AWS secrets
 * were in use, not just lying around.
 *
 * Then every file under the runs' working directory (their cwd and HOME: checkpoints, dead
 * letters, reports, differences), all they printed (--json and human output, error lines) and
 * their process titles (/proc/<pid>/cmdline and comm of the process and of every thread,
 * sampled while they run) are searched as bytes for every secret, URL-encoded, base64 at each
 * alignment, hex, and its random core alone: zero occurrences. The files the secrets come from
 * live in a separate directory that is not searched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { DeleteItemCommand, DescribeTableCommand, PutItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startRecordingProxy, type RecordedRequest, type Refusal, type RecordingProxy } from '../fixtures/recording-proxy.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import {
  fileHaystacks, filesUnder, findLeaks, needlesOf, runHaystacks, runSampled, totalBytes,
  type SampledRun, type Secret,
} from '../helpers/secret-scan.js';

const RUN = randomBytes(4).toString('hex');
const root = mkdtempSync(path.join(os.tmpdir(), 'secrets-it-'));
/** Where the secrets come from (credentials files, credential_process scripts, a client key): not searched. */
const inputs = path.join(root, 'inputs');
/** cwd and HOME of every run: everything in it is searched. */
const work = path.join(root, 'work');
const keyspace = uniqueName('it_secrets');
const TABLE = 'all_types';
const ROWS = 1_000;
const INVALID_EVERY = 50;
const target = `secrets_${RUN}`;
const refusedTarget = `secrets_refused_${RUN}`;
const UNREACHABLE = '127.0.0.1:1';

/** A distinct secret per source; `/`, `+` and `=` make its URL-encoded form differ, as AWS keys' do. */
function secret(purpose: string): Secret {
  const core = randomBytes(12).toString('hex');
  return { purpose, core, value: `S3CR3T-${purpose.replace(/[^a-z0-9]+/gi, '-')}-${core}/${randomBytes(3).toString('hex')}+=` };
}

const S = {
  envSecretKey: secret('aws env secret key'),
  envSessionToken: secret('aws env session token'),
  profileSecretKey: secret('aws profile secret key'),
  profileSessionToken: secret('aws profile session token'),
  processSecretKey: secret('aws credential_process secret key'),
  processSessionToken: secret('aws credential_process session token'),
  failingProcessSecret: secret('aws failing credential_process stderr'),
  junkProcessSecret: secret('aws credential_process junk stdout'),
  processArgument: secret('aws credential_process command-line token'),
  cassandraEnvPassword: secret('cassandra password-env'),
  cassandraFilePassword: secret('cassandra credentials file'),
  cassandraAmbientPassword: secret('cassandra CASSANDRA_PASSWORD'),
};
/** Filled in beforeAll: the client key's private scalar, and the characters of its PEM that encode it. */
const keySecrets: Secret[] = [];
const allSecrets = (): Secret[] => [...Object.values(S), ...keySecrets];

const PW_VAR = 'MY_PW';
const ACCESS_KEY = { env: `AKIAENV${RUN.toUpperCase()}`, profile: `AKIASTAT${RUN.toUpperCase()}`, process: `AKIAPROC${RUN.toUpperCase()}` };

let cql: cassandra.Client;
let ddb: DynamoDBClient;
/** Forwards everything; notes the session token of each request. */
let pass: RecordingProxy;
/** Refuses every request: InvalidSignatureException, the canonical request (with the token) from line 2 on. */
let refuseAll: RecordingProxy;
/** Forwards control-plane calls, refuses data-plane ones: UnrecognizedClientException, the token from line 2 on. */
let refuseData: RecordingProxy;
const tokensSeen = new Map<string, Set<string>>();
let env: Record<string, string>;
let files: { credentials: string; cassandraCredentials: string; cert: string; key: string };
const runs: SampledRun[] = [];

/** Two items deleted from the copy and one altered, so verify has differences to write. */
async function makeDifferences(): Promise<void> {
  const described = await ddb.send(new DescribeTableCommand({ TableName: target }));
  const keyNames = (described.Table?.KeySchema ?? []).map((k) => k.AttributeName!);
  const items = (await ddb.send(new ScanCommand({ TableName: target, Limit: 3 }))).Items ?? [];
  expect(items).toHaveLength(3);
  const keyOf = (item: Record<string, AttributeValue>) => Object.fromEntries(keyNames.map((k) => [k, item[k]!]));
  for (const item of items.slice(0, 2)) await ddb.send(new DeleteItemCommand({ TableName: target, Key: keyOf(item) }));
  await ddb.send(new PutItemCommand({ TableName: target, Item: { ...items[2]!, not_in_cassandra: { S: 'altered' } } }));
}

const DATA_PLANE = /\.(BatchWriteItem|BatchGetItem|Scan|GetShardIterator|GetRecords)$/;

function tokenOf(headers: http.IncomingHttpHeaders): string {
  return String(headers['x-amz-security-token'] ?? '');
}

/** What AWS answers a request whose signature does not match: the canonical request, token included, after the first line. */
function invalidSignature(r: RecordedRequest, headers: http.IncomingHttpHeaders): Refusal {
  return {
    status: 400,
    body: {
      __type: 'com.amazon.coral.service#InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\n'
        + `The Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:${String(headers.host)}\n`
        + `x-amz-security-token:${tokenOf(headers)}\nx-amz-target:${r.target}\n'`,
    },
  };
}

function unrecognizedClient(headers: http.IncomingHttpHeaders): Refusal {
  return {
    status: 400,
    body: { __type: 'com.amazon.coral.service#UnrecognizedClientException', message: `The security token included in the request is invalid.\ntoken: ${tokenOf(headers)}` },
  };
}

function writeInputs(): void {
  mkdirSync(inputs, { recursive: true });
  mkdirSync(work, { recursive: true });
  const credentials = path.join(inputs, 'aws-credentials');
  writeFileSync(credentials, [
    '[stat]', `aws_access_key_id = ${ACCESS_KEY.profile}`, `aws_secret_access_key = ${S.profileSecretKey.value}`, `aws_session_token = ${S.profileSessionToken.value}`, '',
  ].join('\n'));
  const processScript = path.join(inputs, 'credentials-ok.cjs');
  const issued = { Version: 1, AccessKeyId: ACCESS_KEY.process, SecretAccessKey: S.processSecretKey.value, SessionToken: S.processSessionToken.value };
  writeFileSync(processScript, `process.stdout.write(JSON.stringify({ ...${JSON.stringify(issued)}, Expiration: new Date(Date.now() + 3600e3).toISOString() }));\n`);
  const failingScript = path.join(inputs, 'credentials-fail.cjs');
  writeFileSync(failingScript, `process.stderr.write('cannot issue credentials: secret is ${S.failingProcessSecret.value}\\n');\nprocess.exit(1);\n`);
  const junkScript = path.join(inputs, 'credentials-junk.cjs');
  writeFileSync(junkScript, `process.stdout.write('SecretAccessKey=${S.junkProcessSecret.value} (not JSON)\\n');\n`);
  const config = path.join(inputs, 'aws-config');
  // A token on the command line of the process, as helpers such as a vault client take one.
  const run = (script: string) => `credential_process = "${process.execPath}" "${script}" "--token=${S.processArgument.value}"`;
  writeFileSync(config, [
    '[profile stat]', 'region = eu-west-1',
    '[profile proc]', 'region = eu-west-1', run(processScript),
    '[profile procfail]', 'region = eu-west-1', run(failingScript),
    '[profile procjunk]', 'region = eu-west-1', run(junkScript),
    '',
  ].join('\n'));
  const cassandraCredentials = path.join(inputs, 'cassandra-credentials');
  writeFileSync(cassandraCredentials, `username=u\npassword=${S.cassandraFilePassword.value}\n`, { mode: 0o600 });
  chmodSync(cassandraCredentials, 0o600);
  // A client certificate and its key: the key's body lines are secrets as much as a password.
  const cert = path.join(inputs, 'client.pem');
  const key = path.join(inputs, 'client.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=secrets test client'], { stdio: 'ignore' });
  // Only what encodes the private scalar counts: the rest of the key (its header, the public
  // point) is no secret and is also in the certificate.
  const pem = readFileSync(key, 'utf8');
  const lines = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  const body = lines.join('');
  const d = Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url');
  const at = Buffer.from(body, 'base64').indexOf(d);
  if (at < 0) throw new Error('the private scalar is not in the key file');
  keySecrets.push({ purpose: 'cassandra client key (private scalar)', value: d.toString('base64url'), core: d.toString('hex') });
  const [from, to] = [Math.ceil(at / 3) * 4, Math.floor((at + d.length) / 3) * 4];
  let pos = 0;
  for (const [i, line] of lines.entries()) {
    const [a, b] = [Math.max(from, pos), Math.min(to, pos + line.length)];
    if (b - a >= 12) keySecrets.push({ purpose: `cassandra client key (PEM line ${i + 1})`, value: body.slice(a, b), core: body.slice(a, b) });
    pos += line.length;
  }
  if (keySecrets.length < 2) throw new Error('the client key has no PEM line to look for');
  files = { credentials: config, cassandraCredentials, cert, key };
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: work,
    AWS_ACCESS_KEY_ID: ACCESS_KEY.env,
    AWS_SECRET_ACCESS_KEY: S.envSecretKey.value,
    AWS_SESSION_TOKEN: S.envSessionToken.value,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_CONFIG_FILE: config,
    CASSANDRA_USERNAME: 'u',
    CASSANDRA_PASSWORD: S.cassandraAmbientPassword.value,
    [PW_VAR]: S.cassandraEnvPassword.value,
    // Stack traces of internal errors on: what a user chasing a failure would turn on.
    CASS2DDB_DEBUG: '1',
  };
}

beforeAll(async () => {
  writeInputs();
  cql = await testClient();
  ddb = testDynamo();
  pass = await startRecordingProxy({
    upstream: DYNAMODB_ENDPOINT,
    refuse: (r, headers) => {
      const seen = tokensSeen.get(r.accessKeyId ?? '') ?? new Set<string>();
      seen.add(tokenOf(headers));
      tokensSeen.set(r.accessKeyId ?? '', seen);
      return undefined;
    },
  });
  refuseAll = await startRecordingProxy({ upstream: DYNAMODB_ENDPOINT, refuse: invalidSignature });
  refuseData = await startRecordingProxy({ upstream: DYNAMODB_ENDPOINT, refuse: (r, headers) => (DATA_PLANE.test(r.target) ? unrecognizedClient(headers) : undefined) });
}, 60_000);

afterAll(async () => {
  for (const p of [pass, refuseAll, refuseData]) await p?.close();
  if (ddb !== undefined) for (const t of [target, refusedTarget]) await dropTable(ddb, t);
  ddb?.destroy();
  if (cql !== undefined) {
    await dropKeyspace(cql, keyspace);
    await cql.shutdown();
  }
  rmSync(root, { recursive: true, force: true });
});

/** The built binary with the secrets' environment, in `work`; its output is searched at the end. */
async function run(name: string, args: string[]): Promise<SampledRun> {
  const r = await runSampled(name, args, { env, cwd: work, timeoutMs: 60_000 });
  runs.push(r);
  process.stderr.write(`[secrets] ${name}: exit ${r.status} in ${r.durationMs} ms, ${r.samples.length} samples\n`);
  return r;
}

const w = (...parts: string[]) => path.join(work, ...parts);
const source = (contactPoint = CONTACT_POINT): string[] => ['--contact-points', contactPoint, '--keyspace', keyspace, '--table', TABLE];
const envLogin = ['--cassandra-username', 'u', '--cassandra-password-env', PW_VAR];
const fileLogin = (): string[] => ['--cassandra-credentials', files.cassandraCredentials];
const summaryOf = (r: SampledRun): Record<string, unknown> => {
  const s = r.events.find((e) => e.event === 'summary');
  expect(s, `${r.name}: ${r.stderr}`).toBeDefined();
  return s!;
};
/** Runs the tasks, at most `limit` at a time; results in the tasks' order. */
async function inParallel<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/** The run's one error line on stderr (a failed run says what failed in one line). */
const errorLine = (r: SampledRun): string => r.stderr.split('\n').filter((l) => l.startsWith('cass2ddb-fast: ')).join('\n');

describe('secrets stay secret', () => {
  it('populate, migrate, dry runs, verify, monitor and report succeed with the secrets set', async () => {
    const populate = await run('populate --json (password-env)', ['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--model', 'all-types',
      '--rows', String(ROWS), '--invalid-every', String(INVALID_EVERY), '--threads', '2', ...envLogin, '--json']);
    expect(populate.status, populate.stderr).toBe(0);

    const migrate = await run('migrate --json (env keys, credentials file)', ['migrate', ...source(), '--target-table', target, '--endpoint-url', pass.url,
      '--create-table', '--stream-view-type', 'NEW_AND_OLD_IMAGES', '--checkpoint', w('checkpoints', 'migrate.json'),
      '--report-dir', w('reports', 'migrate'), '--threads', '2', ...fileLogin(), '--json']);
    // The invalid rows are dead letters: exit 1.
    expect(migrate.status, migrate.stderr).toBe(1);
    const ms = summaryOf(migrate);
    expect(ms.deadLetters).toBe(ROWS / INVALID_EVERY);
    expect(ms.rowsRead).toBe(ROWS);
    expect(existsSync(String(ms.deadLetterFile)) || existsSync(w(String(ms.deadLetterFile))), String(ms.deadLetterFile)).toBe(true);

    const dryHuman = await run('migrate --dry-run (credential_process profile, password-env)', ['migrate', ...source(), '--target-table', target, '--endpoint-url', pass.url,
      '--checkpoint', w('checkpoints', 'dry-run.json'), '--profile', 'proc', ...envLogin, '--dry-run']);
    expect(dryHuman.status, dryHuman.stderr).toBe(0);
    const dryJson = await run('migrate --dry-run --json (shared credentials profile, credentials file)', ['migrate', ...source(), '--target-table', target,
      '--endpoint-url', pass.url, '--profile', 'stat', ...fileLogin(), '--dry-run', '--json']);
    expect(dryJson.status, dryJson.stderr).toBe(0);

    const monitor = await run('monitor --source cassandra --json (credential_process profile, credentials file)', ['monitor', '--source', 'cassandra', ...source(),
      '--target-table', target, '--endpoint-url', pass.url, '--target-profile', 'proc', ...fileLogin(), '--iterator-type', 'trim-horizon',
      '--until-caught-up', '--duration', '20', '--recheck-after', '100', '--max-rechecks', '1', '--stats-interval', '1', '--threads', '2', '--report-dir', w('reports', 'monitor'),
      '--checkpoint', w('monitor', 'checkpoint.json'), '--differences', w('monitor', 'differences.jsonl'), '--json']);
    expect(monitor.status, monitor.stderr).toBe(0);
    expect(summaryOf(monitor)).toBeDefined();

    await makeDifferences();
    const verify = await run('verify (shared credentials profile, ambient CASSANDRA_PASSWORD)', ['verify', ...source(), '--target-table', target, '--endpoint-url', pass.url,
      '--profile', 'stat', '--report-dir', w('reports', 'verify'), '--differences', w('verify', 'differences.jsonl'), '--threads', '2', '--check-extra']);
    // Two items deleted, one altered: differences (written to the differences file), exit 1.
    expect(verify.status, verify.stderr).toBe(1);
    expect(verify.stdout).toMatch(/2 missing, 1 different/);

    const report = await run('report --html', ['report', w('reports', 'migrate'), '--html', w('reports', 'migrate-page.html')]);
    expect(report.status, report.stderr).toBe(0);
    const reportJson = await run('report --json', ['report', w('reports', 'migrate'), '--json']);
    expect(reportJson.status, reportJson.stderr).toBe(0);

    // The AWS secrets were in use: each run signed with the credentials it was given.
    expect(tokensSeen.get(ACCESS_KEY.env)).toEqual(new Set([S.envSessionToken.value]));
    expect(tokensSeen.get(ACCESS_KEY.profile)).toEqual(new Set([S.profileSessionToken.value]));
    expect(tokensSeen.get(ACCESS_KEY.process)).toEqual(new Set([S.processSessionToken.value]));
  }, 150_000);

  it('failed connections, failing credential processes and refused signatures say so in one line', async () => {
    // Each ends with exit 3 and one error line saying what failed; at most 4 at once (two cores, shared with the databases).
    const failures: Array<[string, string[], number, RegExp]> = [
      ['migrate --json, Cassandra unreachable (password-env)', ['migrate', ...source(UNREACHABLE), '--target-table', target, '--endpoint-url', pass.url,
        ...envLogin, '--outage-limit', '1', '--json'], 3, /cannot reach Cassandra/],
      ['verify, Cassandra unreachable (credentials file)', ['verify', ...source(UNREACHABLE), '--target-table', target, '--endpoint-url', pass.url,
        ...fileLogin(), '--outage-limit', '1'], 3, /cannot reach Cassandra/],
      ['populate --json, Cassandra unreachable (ambient password)', ['populate', '--contact-points', UNREACHABLE, '--keyspace', keyspace, '--rows', '10', '--json'], 3, /Cassandra/],
      ['monitor --json, Cassandra unreachable (password-env)', ['monitor', '--source', 'cassandra', ...source(UNREACHABLE), '--target-table', target,
        '--endpoint-url', pass.url, ...envLogin, '--iterator-type', 'trim-horizon', '--until-caught-up', '--json'], 3, /Cassandra/],
      ['migrate --json, Cassandra unreachable over TLS (client key)', ['migrate', ...source(UNREACHABLE), '--target-table', target, '--endpoint-url', pass.url,
        ...envLogin, '--cassandra-ca', files.cert, '--cassandra-cert', files.cert, '--cassandra-key', files.key, '--outage-limit', '1', '--json'], 3, /Cassandra/],
      ['migrate --json, DynamoDB unreachable (env keys)', ['migrate', ...source(), '--target-table', target, '--endpoint-url', `http://${UNREACHABLE}`,
        ...envLogin, '--outage-limit', '1', '--json'], 3, /DynamoDB/],
      ['migrate, DynamoDB unreachable (shared credentials profile)', ['migrate', ...source(), '--target-table', target, '--endpoint-url', `http://${UNREACHABLE}`,
        '--profile', 'stat', '--outage-limit', '1'], 3, /DynamoDB/],
      ['monitor --json, DynamoDB unreachable (credential_process profile)', ['monitor', '--source', 'cassandra', ...source(), '--target-table', target,
        '--endpoint-url', `http://${UNREACHABLE}`, '--target-profile', 'proc', ...fileLogin(), '--until-caught-up', '--json'], 3, /DynamoDB|ECONNREFUSED/],
      ['migrate --json, credential_process fails with the secret on stderr', ['migrate', ...source(), '--target-table', target, '--endpoint-url', pass.url,
        '--profile', 'procfail', '--json'], 3, /procfail/],
      ['verify, credential_process fails with the secret on stderr', ['verify', ...source(), '--target-table', target, '--endpoint-url', pass.url, '--profile', 'procfail'], 3, /procfail/],
      ['monitor --json, credential_process prints the secret as junk', ['monitor', '--source', 'cassandra', ...source(), '--target-table', target,
        '--endpoint-url', pass.url, '--target-profile', 'procjunk', '--until-caught-up', '--json'], 3, /procjunk/],
      ['migrate --dry-run, credential_process fails', ['migrate', ...source(), '--target-table', target, '--endpoint-url', pass.url, '--profile', 'procfail', '--dry-run'], 3, /procfail/],
      ['migrate --json, signature refused on DescribeTable (env keys)', ['migrate', ...source(), '--target-table', target, '--endpoint-url', refuseAll.url,
        '--checkpoint', w('checkpoints', 'refused-all.json'), '--json'], 3, /InvalidSignatureException/],
      ['migrate --dry-run --json, signature refused (shared credentials profile)', ['migrate', ...source(), '--target-table', target, '--endpoint-url', refuseAll.url,
        '--profile', 'stat', '--dry-run', '--json'], 3, /InvalidSignatureException/],
      ['migrate --json, BatchWriteItem refused (credential_process profile)', ['migrate', ...source(), '--target-table', refusedTarget, '--endpoint-url', refuseData.url,
        '--create-table', '--profile', 'proc', '--threads', '2', '--json'], 3, /UnrecognizedClientException/], // default checkpoint path, in cwd
      ['verify --json, BatchGetItem refused (env keys)', ['verify', ...source(), '--target-table', target, '--endpoint-url', refuseData.url,
        '--differences', w('verify', 'refused.jsonl'), '--threads', '2', '--json'], 3, /UnrecognizedClientException/],
      ['monitor --json, GetShardIterator refused (shared credentials profile)', ['monitor', '--source', 'cassandra', ...source(), '--target-table', target,
        '--endpoint-url', refuseData.url, '--target-profile', 'stat', '--iterator-type', 'trim-horizon', '--until-caught-up', '--threads', '2',
        '--checkpoint', w('monitor', 'refused-checkpoint.json'), '--json'], 3, /UnrecognizedClientException/],
    ];
    const failed = await inParallel(failures.map(([name, args]) => () => run(name, args)), 4);
    for (const [i, r] of failed.entries()) {
      const [, , status, pattern] = failures[i]!;
      expect({ run: r.name, status: r.status }, r.stderr).toEqual({ run: r.name, status });
      expect(errorLine(r), `${r.name}\n${r.stderr}`).toMatch(pattern);
    }
  }, 120_000);

  it('no secret in any file written, anything printed or any process title', () => {
    const written = filesUnder(work);
    const rel = written.map((f) => path.relative(work, f));
    // What the jobs must have written, so an empty search cannot pass.
    for (const f of [
      'checkpoints/migrate.json', 'checkpoints/migrate.dead-letters.jsonl',
      'reports/migrate/summary.json', 'reports/migrate/report.html', 'reports/migrate-page.html',
      'reports/verify/summary.json', 'reports/verify/report.html', 'verify/differences.jsonl',
      'monitor/checkpoint.json', 'reports/monitor/summary.json', 'reports/monitor/report.html',
    ]) expect(rel, f).toContain(f);
    // A run without --checkpoint writes to the default path, under its cwd.
    expect(rel, 'default checkpoint path').toContain(`cass2ddb-checkpoints/${keyspace}.${TABLE}--${refusedTarget}.json`);
    expect(statSync(w('checkpoints', 'migrate.dead-letters.jsonl')).size).toBeGreaterThan(0);

    const needles = allSecrets().flatMap(needlesOf);
    // The search finds what it looks for: every secret that lives in a file is found in the inputs,
    // and each encoded form is found at each alignment.
    const inFiles = findLeaks(fileHaystacks(inputs), needles);
    const fileSecrets = [S.profileSecretKey, S.profileSessionToken, S.processSecretKey, S.processSessionToken, S.failingProcessSecret,
      S.junkProcessSecret, S.processArgument, S.cassandraFilePassword, ...keySecrets.filter((k) => k.purpose.includes('PEM'))];
    for (const s of fileSecrets) expect(inFiles.some((l) => l.purpose === s.purpose && l.form === 'plain'), s.purpose).toBe(true);
    for (const prefix of ['', 'a', 'ab']) {
      const probe = `{"x":"${Buffer.from(`${prefix}${S.envSessionToken.value}"}`).toString('base64')}","y":"${encodeURIComponent(`${prefix}${S.envSessionToken.value}`)}"}`;
      const forms = findLeaks([{ where: 'probe', bytes: Buffer.from(probe) }], needlesOf(S.envSessionToken)).map((l) => l.form);
      expect(forms, prefix).toEqual(expect.arrayContaining([expect.stringMatching(/^base64 /), 'url-encoded']));
    }

    const haystacks = [...fileHaystacks(work), ...runs.flatMap(runHaystacks)];
    const leaks = findLeaks(haystacks, needles);
    const printed = runs.reduce((n, r) => n + r.stdout.length + r.stderr.length, 0);
    const samples = runs.reduce((n, r) => n + r.samples.length, 0);
    process.stderr.write(
      `[secrets] ${allSecrets().length} secrets, ${needles.length} needles; searched ${written.length} files (${totalBytes(written)} bytes), `
      + `${runs.length} runs' output (${printed} chars), ${samples} process-title samples (up to ${Math.max(...runs.map((r) => r.maxThreads))} threads)\n`
      + rel.map((f) => `  ${f}\n`).join(''),
    );
    // Every run was seen running at least once (a run that ended before the first look proves nothing of its titles).
    for (const r of runs) expect(r.samples.length, r.name).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});
