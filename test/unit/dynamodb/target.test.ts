/**
 * The target checks of src/dynamodb/target.ts against an in-process server that answers
 * DescribeTable as scripted: each command's messages for a missing table and a key schema that
 * does not fit, and an unreachable endpoint named by its identity.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeySchema } from '../../../src/dynamodb/table-admin.js';
import { checkTargetTable, describeTarget, ensureTargetTable, openTargetHttpClient, withAdminClient, type TargetDescription } from '../../../src/dynamodb/target.js';

/** table name → its key schema; absent: ResourceNotFoundException. */
const tables = new Map<string, KeySchema>([
  ['fits', { hashKey: { name: 'id', type: 'S' } }],
  ['other_keys', { hashKey: { name: 'pk', type: 'S' }, rangeKey: { name: 'sk', type: 'N' } }],
  ['provisioned', { hashKey: { name: 'id', type: 'S' } }],
]);
/** table name → the capacity fields of its DescribeTable answer. */
const capacities = new Map<string, Record<string, unknown>>([
  ['provisioned', {
    BillingModeSummary: { BillingMode: 'PROVISIONED' },
    ProvisionedThroughput: { ReadCapacityUnits: 300, WriteCapacityUnits: 500, NumberOfDecreasesToday: 0 },
    GlobalSecondaryIndexes: [{ IndexName: 'by_email', IndexStatus: 'ACTIVE', ProvisionedThroughput: { ReadCapacityUnits: 50, WriteCapacityUnits: 200 } }],
  }],
]);
const operations: string[] = [];
let server: http.Server;
let url: string;
let target: TargetDescription;

function describeAnswer(name: string): { status: number; body: unknown } {
  const k = tables.get(name);
  if (k === undefined) {
    return { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: `Requested resource not found: Table: ${name} not found` } };
  }
  const keys = [k.hashKey, ...(k.rangeKey ? [k.rangeKey] : [])];
  return {
    status: 200,
    body: {
      Table: {
        TableName: name,
        TableStatus: 'ACTIVE',
        KeySchema: keys.map((a, i) => ({ AttributeName: a.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        AttributeDefinitions: keys.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
        ...capacities.get(name),
      },
    },
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
      operations.push(operation);
      const answer = operation === 'DescribeTable'
        ? describeAnswer((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { TableName: string }).TableName)
        : { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#UnknownOperationException', message: operation } };
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target = await describeTarget({ endpoint: url });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const mappingKeys: KeySchema = { hashKey: { name: 'id', type: 'S' }, rangeKey: null };

describe('describeTarget and openTargetHttpClient', () => {
  it('names a loopback target by origin and signing region', () => {
    expect(target.identity).toBe(`${url} us-east-1`);
    expect(target.region).toBe('us-east-1');
  });

  it('opens the keep-alive client on the same endpoint', async () => {
    const client = await openTargetHttpClient({ endpoint: url, region: 'us-east-1', table: 't', connections: 2, maxRetries: 1, requestTimeoutMs: 5_000 });
    try {
      expect(client.endpoint.url.origin).toBe(url);
      expect(client.endpoint.signingRegion).toBe('us-east-1');
    } finally {
      await client.close();
    }
  });
});

describe('checkTargetTable (a job that reads the target)', () => {
  it('passes a table whose key schema fits', async () => {
    // The test double's answer states no capacity.
    await expect(checkTargetTable(target, { table: 'fits', keySchema: mappingKeys })).resolves.toEqual({ created: false, capacity: { write: null, read: null } });
  });

  it('keeps what the same DescribeTable answer says the table takes at once', async () => {
    const before = operations.length;
    await expect(checkTargetTable(target, { table: 'provisioned', keySchema: mappingKeys })).resolves.toEqual({
      created: false,
      capacity: {
        write: { unitsPerSec: 200, reason: "provisioned 200 WCU on index 'by_email', 500 on the table" },
        read: { unitsPerSec: 300, reason: 'provisioned 300 RCU' },
      },
    });
    expect(operations.slice(before)).toEqual(['DescribeTable']);
  });

  it('refuses a missing table', async () => {
    await expect(checkTargetTable(target, { table: 'nope', keySchema: mappingKeys })).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      message: `target table 'nope' does not exist at ${url} us-east-1`,
    });
  });

  it('refuses a table with other keys, naming the difference', async () => {
    await expect(checkTargetTable(target, { table: 'other_keys', keySchema: mappingKeys })).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      message: "target table 'other_keys' does not fit the mapping: partition key is pk (S), expected id (S); sort key is sk (N), expected none",
    });
  });
});

describe('ensureTargetTable (a job that writes the target)', () => {
  it('says nothing was created for a table that fits', async () => {
    const before = operations.length;
    await expect(ensureTargetTable(target, { table: 'fits', keySchema: mappingKeys, create: false })).resolves.toMatchObject({ created: false });
    expect(operations.slice(before)).toEqual(['DescribeTable']);
  });

  it('names --create-table and the key for a missing table', async () => {
    await expect(ensureTargetTable(target, { table: 'nope', keySchema: mappingKeys, create: false })).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      message: `target table 'nope' does not exist at ${url} us-east-1; add --create-table to create it with key id (S) HASH`,
    });
  });

  it('shows the table\'s keys on a mismatch and says nothing was written', async () => {
    await expect(ensureTargetTable(target, { table: 'other_keys', keySchema: mappingKeys, create: true })).rejects.toMatchObject({
      code: 'DYNAMODB_SCHEMA',
      message:
        "target table 'other_keys' does not fit the mapping: partition key is pk (S), expected id (S); sort key is sk (N), expected none " +
        '(the table has pk (S) HASH, sk (N) RANGE); nothing was written',
    });
  });
});

describe('withAdminClient', () => {
  it('names an unreachable target by its identity', async () => {
    const dead = await describeTarget({ endpoint: 'http://127.0.0.1:1' });
    await expect(checkTargetTable(dead, { table: 'fits', keySchema: mappingKeys, requestTimeoutMs: 2_000 })).rejects.toMatchObject({
      code: 'DYNAMODB_UNREACHABLE',
      message: expect.stringMatching(/^cannot reach DynamoDB at http:\/\/127\.0\.0\.1:1 us-east-1: /) as unknown,
    });
  });

  it('destroys the client however the function ends', async () => {
    const destroyed: boolean[] = [];
    const watch = (client: { destroy(): void }): void => {
      const destroy = client.destroy.bind(client);
      client.destroy = () => {
        destroyed.push(true);
        destroy();
      };
    };
    await expect(withAdminClient(target, async (client) => {
      watch(client);
      return 'answer';
    })).resolves.toBe('answer');
    await expect(withAdminClient(target, async (client) => {
      watch(client);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(destroyed).toEqual([true, true]);
  });
});
