/**
 * A request refused as expired (ExpiredTokenException) is sent once more on new credentials, by
 * the lean client, against a real in-process HTTP server that refuses the keys it is told to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialSource } from '../../../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../../../src/dynamodb/endpoint.js';
import { DynamoDbHttpClient } from '../../../src/dynamodb/http-client.js';

const EXPIRED = JSON.stringify({ __type: 'com.amazon.coral.service#ExpiredTokenException', message: 'The security token included in the request is expired' });
const refused = new Set<string>();
const seen: string[] = [];
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = /Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '';
      seen.push(key);
      const [status, body] = refused.has(key) ? [400, EXPIRED] : [200, '{}'];
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function client(): Promise<{ client: DynamoDbHttpClient; issued: string[] }> {
  const endpoint = await resolveEndpoint({ endpoint: url }, {}, async () => undefined);
  const issued: string[] = [];
  const provider = async () => {
    const accessKeyId = `ASIA${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
    issued.push(accessKeyId);
    return { accessKeyId, secretAccessKey: 'SK', sessionToken: 'T', expiration: new Date(Date.now() + 3_600_000) };
  };
  return { client: new DynamoDbHttpClient(endpoint, createCredentialSource({ endpoint, provider })), issued };
}

describe('a request refused as expired', () => {
  it('is sent once more, on new credentials, and later requests use them', async () => {
    const { client: c, issued } = await client();
    try {
      const first = (await c.credentials.get()).accessKeyId;
      refused.add(first);
      seen.length = 0;
      const body = Buffer.from('{}');
      expect((await c.call('DescribeTable', body)).status).toBe(200);
      expect((await c.call('DescribeTable', body)).status).toBe(200);
      expect(issued).toHaveLength(2);
      expect(seen).toEqual([first, issued[1], issued[1]]);
    } finally {
      await c.close();
    }
  });

  it('is answered as refused when the new credentials are refused too: no loop', async () => {
    const { client: c } = await client();
    try {
      refused.add((await c.credentials.get()).accessKeyId);
      const realGet = c.credentials.get.bind(c.credentials);
      // every new key refused as well
      c.credentials.get = async () => {
        const k = await realGet();
        refused.add(k.accessKeyId);
        return k;
      };
      seen.length = 0;
      const res = await c.call('DescribeTable', Buffer.from('{}'));
      expect(res.status).toBe(400);
      expect(res.body).toContain('ExpiredTokenException');
      expect(seen).toHaveLength(2);
    } finally {
      await c.close();
    }
  });
});
