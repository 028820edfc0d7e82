/**
 * Cassandra security end to end, against a real secured node (scripts/services.mjs `up --secure`:
 * PasswordAuthenticator, TLS only, client certificate required, a throw-away CA): populate,
 * migrate and verify with the password from a variable the flags name and from a credentials
 * file, each copy read back independently; then every way a login or a handshake fails ends
 * with one line, exit 3 (or 64 before any connection), and the password nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureSecureNode, secureNodeState, stopSecureNode, type SecureNodeAddresses } from '../../scripts/services.mjs';
import { runBinary, runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { expectExactCopy } from '../helpers/verify-copy.js';
import { makeUnrelatedCa, startTcpProxy, type TcpProxy } from '../fixtures/tls-ca.js';

const keyspace = uniqueName('it_secure');
const role = uniqueName('migrator');
const password = `pw-${randomBytes(12).toString('hex')}`;
const PW_VAR = 'IT_SECURE_CASSANDRA_PW';
const ROWS = 3000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cassandra-security-it-'));
const secretsDir = mkdtempSync(path.join(os.tmpdir(), 'cassandra-security-secrets-'));
const credentialsFile = path.join(secretsDir, 'credentials');
const tables: string[] = [];
const outputs: CliRun[] = [];

let node: SecureNodeAddresses;
let admin: cassandra.Client;
let ddb: DynamoDBClient;
let proxy: TcpProxy;
/** The node is left as found: stopped again when this file started it (it costs a JVM). */
let startedHere = false;
const log = (line: string) => process.stderr.write(`[secure] ${line}\n`);

const tlsFlags = (): string[] => ['--cassandra-ca', node.caFile, '--cassandra-cert', node.clientCertFile, '--cassandra-key', node.clientKeyFile];
const envLogin = (): string[] => ['--cassandra-username', role, '--cassandra-password-env', PW_VAR];

/** In-process run with the password in PW_VAR; every run's output is checked for the password at the end. */
async function run(args: string[], env: Record<string, string | undefined> = { [PW_VAR]: password }): Promise<CliRun> {
  const r = await runInProcess(args, env);
  outputs.push(r);
  return r;
}

function expectOneLine(r: CliRun, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('Run '));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cass2ddb-fast: /);
  expect(lines[0]).toMatch(pattern);
}

function expectNoPassword(r: CliRun, secret = password): void {
  expect(r.stdout.includes(secret), 'password in stdout').toBe(false);
  expect(r.stderr.includes(secret), 'password in stderr').toBe(false);
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(root, f))
    .filter((f) => statSync(f).isFile());
}

const populateArgs = (table: string, extra: string[]): string[] => [
  'populate', '--contact-points', node.contactPoint, '--keyspace', keyspace, '--model', 'users', '--table', table,
  '--rows', String(ROWS), '--threads', '2', ...extra,
];

function migrateArgs(table: string, target: string, extra: string[]): string[] {
  tables.push(target);
  return [
    'migrate', '--contact-points', node.contactPoint, '--keyspace', keyspace, '--table', table, '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--json', '--threads', '2',
    '--checkpoint', path.join(dir, `${target}.checkpoint.json`), '--report-dir', path.join(dir, `${target}-report`), ...extra,
  ];
}

const verifyArgs = (table: string, target: string, contactPoint: string, extra: string[]): string[] => [
  'verify', '--contact-points', contactPoint, '--keyspace', keyspace, '--table', table, '--target-table', target,
  '--endpoint-url', DYNAMODB_ENDPOINT, '--json', '--threads', '2', '--differences', path.join(dir, `${target}-${outputs.length}.differences.jsonl`), ...extra,
];

const summaryOf = (r: CliRun) => r.events.find((e) => e.event === 'summary');

beforeAll(async () => {
  startedHere = !(await secureNodeState()).ready;
  node = await ensureSecureNode({ log });
  admin = new cassandra.Client({
    contactPoints: [node.contactPoint],
    localDataCenter: node.localDataCenter,
    credentials: node.superuser,
    sslOptions: { ca: [readFileSync(node.caFile)], cert: readFileSync(node.clientCertFile), key: readFileSync(node.clientKeyFile), rejectUnauthorized: true },
    socketOptions: { readTimeout: 60_000 },
  });
  await admin.connect();
  // A role of its own, with a password no other text contains, so a leak cannot hide.
  await admin.execute(`CREATE ROLE ${role} WITH PASSWORD = '${password}' AND LOGIN = true`);
  await admin.execute(`GRANT ALL PERMISSIONS ON ALL KEYSPACES TO ${role}`);
  writeFileSync(credentialsFile, `# test credentials\nusername = ${role}\npassword = ${password}\n`, { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);
  ddb = testDynamo();
  proxy = await startTcpProxy('127.0.0.1', { host: node.host, port: node.port });
  // The role (and its grants) may take a cache period to count everywhere.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const p = await run(populateArgs('users', [...envLogin(), ...tlsFlags()]));
  expect(p.status, p.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  for (const t of tables) await dropTable(ddb, t).catch(() => undefined);
  if (admin !== undefined) {
    await dropKeyspace(admin, keyspace).catch(() => undefined);
    await admin.execute(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.shutdown();
  }
  ddb?.destroy();
  rmSync(dir, { recursive: true, force: true });
  rmSync(secretsDir, { recursive: true, force: true });
  if (startedHere) await stopSecureNode({ log });
});

describe('a secured node (password + TLS with a client certificate)', () => {
  it('populate, migrate and verify with the password from the variable --cassandra-password-env names: exact copy', async () => {
    const target = uniqueName('sec_env');
    const m = await run(migrateArgs('users', target, [...envLogin(), ...tlsFlags()]));
    expect(m.status, m.stderr).toBe(0);
    expect(summaryOf(m)).toMatchObject({ status: 'completed', rowsRead: ROWS, itemsWritten: ROWS, deadLetters: 0 });
    await expectExactCopy(admin, ddb, keyspace, 'users', target);
    const v = await run(verifyArgs('users', target, node.contactPoint, [...envLogin(), ...tlsFlags(), '--check-extra']));
    expect(v.status, v.stderr).toBe(0);
    expect(summaryOf(v)).toMatchObject({ status: 'identical', rowsChecked: ROWS, matched: ROWS, missing: 0, mismatched: 0 });
  });

  it('migrate and verify with a --cassandra-credentials file (mode 600): exact copy', async () => {
    const target = uniqueName('sec_file');
    const m = await run(migrateArgs('users', target, ['--cassandra-credentials', credentialsFile, ...tlsFlags()]), {});
    expect(m.status, m.stderr).toBe(0);
    expect(summaryOf(m)).toMatchObject({ status: 'completed', rowsRead: ROWS, itemsWritten: ROWS });
    await expectExactCopy(admin, ddb, keyspace, 'users', target);
    const v = await run(verifyArgs('users', target, node.contactPoint, ['--cassandra-credentials', credentialsFile, ...tlsFlags()]), {});
    expect(v.status, v.stderr).toBe(0);
    expect(summaryOf(v)).toMatchObject({ status: 'identical', matched: ROWS });
  });

  it('a credentials file that others may read is refused before any connection (64)', async () => {
    const loose = path.join(secretsDir, 'loose');
    writeFileSync(loose, `username=${role}\npassword=${password}\n`);
    chmodSync(loose, 0o644);
    const r = await run(populateArgs('never', ['--cassandra-credentials', loose, ...tlsFlags()]), {});
    expect(r.status, r.stderr).toBe(64);
    expectOneLine(r, new RegExp(`--cassandra-credentials ${loose}: group or others may read .*mode 0644.*chmod 600`));
  });

  it('the client certificate is required: without --cassandra-cert the handshake fails (3) and says so', async () => {
    const r = await run(populateArgs('never', [...envLogin(), '--cassandra-ca', node.caFile]));
    expect(r.status, r.stderr).toBe(3);
    expectOneLine(r, /TLS: the node requires a client certificate .*--cassandra-cert FILE and --cassandra-key FILE/);
  });

  it('a wrong password: exit 3, one line naming the user and the variable, never the password (real process)', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const r = await runBinary(populateArgs('never', [...envLogin(), ...tlsFlags()]), { env: { [PW_VAR]: wrong }, timeoutMs: 60_000 });
    outputs.push(r);
    expect(r.status, r.stderr).toBe(3);
    expectOneLine(r, new RegExp(`127\\.0\\.0\\.5:${node.port} rejected the credentials of user "${role}" \\(password from env ${PW_VAR}\\)`));
    expectNoPassword(r, wrong);
  });

  it('no login at all on a node that requires one: exit 3 naming the flags', async () => {
    const r = await run(populateArgs('never', tlsFlags()), { CASSANDRA_USERNAME: undefined, CASSANDRA_PASSWORD: undefined });
    expect(r.status, r.stderr).toBe(3);
    expectOneLine(r, /requires a login .*--cassandra-username NAME/);
  });

  it('a CA that did not sign the node certificate: exit 3 naming --cassandra-ca', async () => {
    const other = makeUnrelatedCa(dir);
    const r = await run(populateArgs('never', [...envLogin(), '--cassandra-ca', other, '--cassandra-cert', node.clientCertFile, '--cassandra-key', node.clientKeyFile]));
    expect(r.status, r.stderr).toBe(3);
    expectOneLine(r, /TLS: the node's certificate is not signed by a trusted CA .*--cassandra-ca FILE/);
  });

  it('hostname verification is on: through another address the certificate does not list, exit 3; --cassandra-no-verify-hostname connects', async () => {
    const via = `${proxy.host}:${proxy.port}`;
    const target = uniqueName('sec_proxy');
    const m = await run(migrateArgs('users', target, [...envLogin(), ...tlsFlags()]));
    expect(m.status, m.stderr).toBe(0);

    const refused = await run(verifyArgs('users', target, via, [...envLogin(), ...tlsFlags()]));
    expect(refused.status, refused.stderr).toBe(3);
    expectOneLine(refused, /does not match the address connected to \(IP: 127\.0\.0\.1 is not in the cert's list: 127\.0\.0\.5\).*--cassandra-no-verify-hostname/);

    const accepted = await run(verifyArgs('users', target, via, [...envLogin(), ...tlsFlags(), '--cassandra-no-verify-hostname']));
    expect(accepted.status, accepted.stderr).toBe(0);
    expect(summaryOf(accepted)).toMatchObject({ status: 'identical', matched: ROWS });
  });

  it('plain TCP to the TLS-only node: exit 3 suggesting --cassandra-tls', async () => {
    const r = await run(populateArgs('never', envLogin()));
    expect(r.status, r.stderr).toBe(3);
    expectOneLine(r, /closed the connection .*--cassandra-tls and --cassandra-ca FILE/);
  });

  it('TLS to the plain node: exit 3, the port does not speak TLS', async () => {
    const r = await run(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', '10', '--cassandra-tls', '--cassandra-ca', node.caFile]);
    expect(r.status, r.stderr).toBe(3);
    expectOneLine(r, /TLS: the port does not speak TLS/);
  });

  it.each([
    ['--cassandra-ca', (p: string) => ['--cassandra-ca', p]],
    ['--cassandra-cert', (p: string) => ['--cassandra-cert', p, '--cassandra-key', node.clientKeyFile]],
    ['--cassandra-key', (p: string) => ['--cassandra-cert', node.clientCertFile, '--cassandra-key', p]],
    ['--cassandra-credentials', (p: string) => ['--cassandra-credentials', p, '--cassandra-tls']],
  ])('a missing %s file: 64 naming the flag and the path, before any connection', async (flag, args) => {
    const missing = path.join(dir, 'no-such-dir', 'missing.pem');
    // Port 1 answers nothing: a connection attempt would end with 3, not 64.
    const r = await run(['populate', '--contact-points', '127.0.0.1:1', '--keyspace', keyspace, '--rows', '10', ...args(missing)]);
    expect(r.status, r.stderr).toBe(64);
    expectOneLine(r, new RegExp(`${flag} ${missing}: cannot read it \\(ENOENT\\)`));
  });

  it('--cassandra-password-env naming an unset variable: 64', async () => {
    const r = await run(['populate', '--contact-points', '127.0.0.1:1', '--keyspace', keyspace, '--cassandra-username', role, '--cassandra-password-env', 'IT_SECURE_UNSET_VAR']);
    expect(r.status, r.stderr).toBe(64);
    expectOneLine(r, /--cassandra-password-env IT_SECURE_UNSET_VAR: the variable IT_SECURE_UNSET_VAR is not set/);
  });

  it('the password is in no output, checkpoint, report or differences file', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) expectNoPassword(r);
    const written = filesUnder(dir);
    expect(written.some((f) => f.endsWith('.checkpoint.json'))).toBe(true);
    expect(written.some((f) => f.includes('-report'))).toBe(true);
    for (const f of written) expect(readFileSync(f, 'utf8').includes(password), f).toBe(false);
  });
});
