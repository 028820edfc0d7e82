/**
 * A mapping file end to end: key attribute names, include/exclude, rename, per-column timestamp
 * format, TTL carried into a DynamoDB TTL attribute, WRITETIME into an attribute.
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

const keyspace = uniqueName('it_mapping');
const target = uniqueName('profiles');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mapping-it-'));
let cql: cassandra.Client;
let ddb: DynamoDBClient;
const WRITTEN_AT = 1_700_000_000_123_456n; // µs, above 2^53: must arrive exactly

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  await cql.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await cql.execute(`CREATE TABLE ${keyspace}.profiles (
    id int, region text, name text, email text, notes text, created_at timestamp, updated_at timestamp,
    PRIMARY KEY ((id), region))`);
  const insert = `INSERT INTO ${keyspace}.profiles (id, region, name, email, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`;
  for (let i = 0; i < 30; i++) {
    const params = [i, i % 2 ? 'eu' : 'us', `name ${i}`, `u${i}@example.com`, `secret ${i}`, new Date(Date.UTC(2024, 0, 1) + i * 1000), new Date(Date.UTC(2025, 0, 1) + i)];
    // rows 0..9 expire in an hour; the rest never
    const using = i < 10 ? ` USING TTL 3600 AND TIMESTAMP ${WRITTEN_AT + BigInt(i)}` : ` USING TIMESTAMP ${WRITTEN_AT + BigInt(i)}`;
    await cql.execute(insert + using, params, { prepare: true });
  }
}, 120_000);

afterAll(async () => {
  await dropTable(ddb, target);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('migrate --mapping', () => {
  it('applies every setting of the mapping file', async () => {
    const mapping = path.join(dir, 'profiles.yaml');
    writeFileSync(mapping, [
      'key:',
      '  hash: pk',
      '  range: sk',
      'columns:',
      '  exclude: [notes]',
      '  rename: { email: email_address }',
      '  types: { created_at: epoch-millis }',
      'ttl:',
      '  attribute: expires_at',
      'writetime:',
      '  attribute: written_at_us',
      '',
    ].join('\n'));
    const started = Math.floor(Date.now() / 1000);
    const run = await runInProcess([
      'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'profiles', '--target-table', target,
      '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--mapping', mapping, '--json', '--checkpoint', path.join(dir, 'c.json'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const items = await scanAll(ddb, target);
    expect(items).toHaveLength(30);
    for (const item of items) {
      const i = Number(item.pk!.N);
      expect(item.sk).toEqual({ S: i % 2 ? 'eu' : 'us' });
      // key columns under their new names only; the excluded column is gone; the renamed one moved
      expect(item.id).toBeUndefined();
      expect(item.region).toBeUndefined();
      expect(item.notes).toBeUndefined();
      expect(item.email).toBeUndefined();
      expect(item.email_address).toEqual({ S: `u${i}@example.com` });
      expect(item.name).toEqual({ S: `name ${i}` });
      expect(item.created_at).toEqual({ N: String(Date.UTC(2024, 0, 1) + i * 1000) });
      expect(item.updated_at).toEqual({ S: new Date(Date.UTC(2025, 0, 1) + i).toISOString() });
      expect(item.written_at_us).toEqual({ N: (WRITTEN_AT + BigInt(i)).toString() });
      if (i < 10) {
        const expires = Number(item.expires_at!.N);
        expect(expires).toBeGreaterThanOrEqual(started + 3600 - 120);
        expect(expires).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
      } else {
        expect(item.expires_at).toBeUndefined();
      }
    }
  });
});
