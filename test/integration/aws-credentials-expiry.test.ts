/**
 * Credentials that expire mid-run, as a container endpoint hands them out: the built binary in a
 * subprocess whose only AWS setting is AWS_CONTAINER_CREDENTIALS_FULL_URI, pointing at an
 * in-test endpoint that issues a new key on every call, valid a few seconds. DynamoDB Local is
 * reached through the recording proxy (test/fixtures/recording-proxy.ts), which refuses, as
 * DynamoDB does, a request signed with a key it never issued (UnrecognizedClientException) or
 * one past its end (ExpiredTokenException), and counts the items of every batch it forwarded.
 *
 *   binary ── GET /creds ──▶ credentials endpoint: a new key, Expiration = now + LIFE
 *     │
 *     └─ signed requests ──▶ recording proxy: key known, not past its end? ──▶ DynamoDB Local
 *                                             else 400 ExpiredTokenException
 *
 * 1. Honest keys (8 s): migrate (30,000 rows, ~30 s) rotates keys on every thread, and no
 *    request is refused: keys are refreshed before they expire. verify reads the copy the same way.
 * 2. Keys revoked before their stated Expiration (said 60 s, valid 5 s), which only the server
 *    knows: requests are refused, each is sent again on a new key, and nothing is lost or doubled.
 *
 * In both, the items of the BatchWriteItem requests the proxy forwarded and DynamoDB took
 * equal the row count exactly (no batch repeated), and the read-back is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemsTaken, startRecordingProxy, type RecordedRequest, type RecordingProxy } from '../fixtures/recording-proxy.js';
import { runBinary, runInProcess, type CliRun } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { expectExactCopy } from '../helpers/verify-copy.js';

const ROWS = 30_000;
const RUN = randomUUID().slice(0, 6).toUpperCase();
const keyspace = uniqueName('it_creds');
const dir = mkdtempSync(path.join(os.tmpdir(), 'creds-expiry-it-'));
const targets: string[] = [];
let cql: cassandra.Client;
let ddb: DynamoDBClient;
let proxy: RecordingProxy;
let creds: CredentialsEndpoint;
let env: Record<string, string>;

interface IssuedKey {
  readonly token: string;
  readonly issuedAtMs: number;
  /** What the endpoint said (Expiration). */
  readonly expiresAtMs: number;
  /** What the proxy enforces: the stated Expiration, or earlier (keys revoked early). */
  readonly validUntilMs: number;
}

interface CredentialsEndpoint {
  readonly url: string;
  readonly issued: Map<string, IssuedKey>;
  /** Lifetime of the next keys: stated, and as enforced. */
  set(lifeMs: number, validMs?: number): void;
  close(): Promise<void>;
}

/** The ECS container credentials endpoint: a new key on every GET, valid `lifeMs` from now. */
async function startCredentialsEndpoint(): Promise<CredentialsEndpoint> {
  const issued = new Map<string, IssuedKey>();
  let lifeMs = 8_000;
  let validMs = lifeMs;
  let n = 0;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/creds') {
      res.writeHead(404).end();
      return;
    }
    const now = Date.now();
    const accessKeyId = `ASIA${RUN}${String(++n).padStart(5, '0')}`;
    const key: IssuedKey = { token: `token-${randomUUID()}`, issuedAtMs: now, expiresAtMs: now + lifeMs, validUntilMs: now + validMs };
    issued.set(accessKeyId, key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ AccessKeyId: accessKeyId, SecretAccessKey: `secret-${randomUUID()}`, Token: key.token, Expiration: new Date(key.expiresAtMs).toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/creds`,
    issued,
    set(life, valid = life) {
      lifeMs = life;
      validMs = valid;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const CORAL = 'com.amazon.coral.service#';

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', String(ROWS), '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
  creds = await startCredentialsEndpoint();
  proxy = await startRecordingProxy({
    upstream: DYNAMODB_ENDPOINT,
    // DynamoDB's authentication, as far as keys go: issued, with their own token, and not past their end.
    refuse: (req, headers) => {
      const key = req.accessKeyId === undefined ? undefined : creds.issued.get(req.accessKeyId);
      if (key === undefined || headers['x-amz-security-token'] !== key.token) {
        return { status: 400, body: { __type: `${CORAL}UnrecognizedClientException`, message: 'The security token included in the request is invalid.' } };
      }
      if (Date.now() >= key.validUntilMs) {
        return { status: 400, body: { __type: `${CORAL}ExpiredTokenException`, message: 'The security token included in the request is expired' } };
      }
      return undefined;
    },
  });
  const home = path.join(dir, 'home');
  mkdirSync(home);
  // Only the container endpoint: no AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, no ~/.aws.
  env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, AWS_CONTAINER_CREDENTIALS_FULL_URI: creds.url };
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  await creds?.close();
  if (ddb !== undefined) for (const t of targets) await dropTable(ddb, t);
  if (cql !== undefined) {
    await dropKeyspace(cql, keyspace);
    await cql.shutdown();
  }
  ddb?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Observed {
  readonly run: CliRun;
  readonly requests: readonly RecordedRequest[];
  /** Keys the endpoint issued during the run. */
  readonly keysIssued: number;
  readonly durationMs: number;
}

async function observe(args: string[]): Promise<Observed> {
  proxy.clear();
  const issuedBefore = creds.issued.size;
  const started = Date.now();
  const run = await runBinary(args, { env, cwd: dir, timeoutMs: 240_000 });
  return { run, requests: proxy.requests(), keysIssued: creds.issued.size - issuedBefore, durationMs: Date.now() - started };
}

async function migrate(target: string, extra: string[]): Promise<Observed> {
  targets.push(target);
  return observe([
    'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', proxy.url, '--create-table', '--checkpoint', path.join(dir, `${target}.json`),
    '--threads', '2', '--splits', '8', '--json', ...extra,
  ]);
}

const of = (requests: readonly RecordedRequest[], op: string) => requests.filter((r) => r.target === `DynamoDB_20120810.${op}`);
const keysOf = (requests: readonly RecordedRequest[]) => new Set(requests.map((r) => r.accessKeyId));
const refused = (requests: readonly RecordedRequest[], type?: string) => requests.filter((r) => r.refused !== undefined && (type === undefined || r.refused === type));

function expectCompleted(o: Observed): Record<string, unknown> {
  expect(o.run.status, o.run.stderr).toBe(0);
  const summary = o.run.events.find((e) => e.event === 'summary')!;
  expect(summary).toMatchObject({ status: 'completed', rowsRead: ROWS, itemsWritten: ROWS, deadLetters: 0 });
  return summary;
}

describe('credentials that expire every few seconds', () => {
  let target: string;

  it('migrate keeps going on refreshed keys: never sends an expiring key, loses and repeats no batch', async () => {
    const LIFE_MS = 8_000;
    creds.set(LIFE_MS);
    target = uniqueName('creds');
    // ~30 s at 1,000 items per second: each thread goes through several keys
    const o = await migrate(target, ['--rate', '1000']);
    const summary = expectCompleted(o);
    const writes = of(o.requests, 'BatchWriteItem');
    const writers = keysOf(writes);
    console.log(`migrate: ${o.durationMs} ms, ${o.keysIssued} keys issued, ${writers.size} keys signed ${writes.length} BatchWriteItem requests, ` +
      `${refused(o.requests).length} refused, ${itemsTaken(o.requests)} items taken`);
    expect(writers.size).toBeGreaterThanOrEqual(3);
    // refreshed before they expire: DynamoDB refused nothing, for any call (DescribeTable, CreateTable too)
    expect(refused(o.requests)).toEqual([]);
    // each key lives 8 s and is refreshed at half of that: about one fetch per 4 s per process
    // (main thread and 2 workers), not one per request
    expect(o.keysIssued).toBeLessThanOrEqual(3 * (o.durationMs / (LIFE_MS / 2) + 3));
    expect(o.keysIssued).toBeLessThan(writes.length / 10);
    // what DynamoDB took: every row exactly once
    expect(itemsTaken(o.requests)).toBe(ROWS);
    expect(summary.itemsWritten).toBe(ROWS);
    await expectExactCopy(cql, ddb, keyspace, 'users', target);
  }, 300_000);

  it('verify reads on refreshed keys, with nothing refused', async () => {
    creds.set(6_000);
    const o = await observe([
      'verify', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
      '--endpoint-url', proxy.url, '--threads', '2', '--max-rcu', '2500', '--json', '--differences', path.join(dir, 'differences.jsonl'),
    ]);
    expect(o.run.status, o.run.stderr).toBe(0);
    expect(o.run.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'identical', rowsChecked: ROWS, matched: ROWS });
    const reads = of(o.requests, 'BatchGetItem');
    console.log(`verify: ${o.durationMs} ms, ${o.keysIssued} keys issued, ${keysOf(reads).size} keys signed ${reads.length} BatchGetItem requests, ${refused(o.requests).length} refused`);
    expect(keysOf(reads).size).toBeGreaterThanOrEqual(3);
    expect(refused(o.requests)).toEqual([]);
  }, 300_000);
});

describe('keys the server expires before their stated Expiration', () => {
  it('each refused request is sent again on a new key; the job completes with every row exactly once', async () => {
    // said to live 60 s; DynamoDB (the proxy) takes them for 5 s only: clock skew, early revocation
    creds.set(60_000, 5_000);
    const target = uniqueName('creds_revoked');
    const o = await migrate(target, ['--rate', '2000']);
    if (o.run.status !== 0) {
      const t0 = o.requests.length === 0 ? 0 : creds.issued.get(o.requests[0]!.accessKeyId ?? '')?.issuedAtMs ?? 0;
      console.log(JSON.stringify(o.requests.filter((r) => r.refused !== undefined || !r.target.endsWith('BatchWriteItem')).map((r) => ({ t: r.target.slice(18), k: r.accessKeyId?.slice(-3), s: r.status, ref: r.refused, age: (creds.issued.get(r.accessKeyId ?? '')?.issuedAtMs ?? 0) - t0 }))));
      console.log(o.run.stdout.split('\n').filter((l) => l.includes('warning')).slice(0, 5).join('\n'));
    }
    expectCompleted(o);
    const writes = of(o.requests, 'BatchWriteItem');
    const expired = refused(o.requests, 'ExpiredTokenException');
    console.log(`revoked early: ${o.durationMs} ms, ${o.keysIssued} keys issued, ${keysOf(writes).size} keys signed ${writes.length} BatchWriteItem requests, ` +
      `${expired.length} refused as expired, ${itemsTaken(o.requests)} items taken`);
    expect(expired.length).toBeGreaterThan(0);
    expect(refused(o.requests, 'UnrecognizedClientException')).toEqual([]);
    expect(keysOf(writes).size).toBeGreaterThanOrEqual(3);
    // each refusal costs one resend on a new key, not a new key per request refused
    expect(o.keysIssued).toBeLessThanOrEqual(expired.length + 5);
    expect(itemsTaken(o.requests)).toBe(ROWS);
    await expectExactCopy(cql, ddb, keyspace, 'users', target);
  }, 300_000);
});
