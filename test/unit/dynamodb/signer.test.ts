import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Js } from '@smithy/core/checksum';
import { createCredentialSource } from '../../../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../../../src/dynamodb/endpoint.js';
import { RequestSigner } from '../../../src/dynamodb/signer.js';

const noProfile = async () => undefined;
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** SigV4 written out from the AWS documentation, independent of the SDK. */
function expectedAuthorization(headers: Record<string, string>, body: Buffer, secret: string, accessKey: string, region: string): string {
  const names = Object.keys(headers).filter((h) => h !== 'authorization').sort();
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha(body)].join('\n');
  const date = headers['x-amz-date'] as string;
  const scope = `${date.slice(0, 8)}/${region}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, date.slice(0, 8));
  for (const part of [region, 'dynamodb', 'aws4_request']) key = hmac(key, part);
  return `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${hmac(key, toSign).toString('hex')}`;
}

describe('RequestSigner', () => {
  it('produces a SigV4 signature that an independent implementation agrees with', async () => {
    const endpoint = await resolveEndpoint({ endpoint: 'http://127.0.0.1:8000', region: 'eu-west-1' }, {}, noProfile);
    const credentials = createCredentialSource({ endpoint, provider: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' }) });
    const signer = new RequestSigner({ endpoint, credentials });
    const body = Buffer.from('{"RequestItems":{"t":[{"PutRequest":{"Item":{"id":{"S":"é"}}}}]}}');
    const headers = await signer.sign('BatchWriteItem', body, new Date('2024-05-06T07:08:09Z'));
    expect(headers).toMatchObject({
      host: '127.0.0.1:8000',
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.BatchWriteItem',
      'x-amz-date': '20240506T070809Z',
    });
    expect(headers['x-amz-content-sha256']).toBeUndefined();
    expect(headers.authorization).toBe(expectedAuthorization(headers, body, 'wJalrXUtnFEMI', 'AKIDEXAMPLE', 'eu-west-1'));
  });

  it('signs the session token of temporary credentials and omits the default port', async () => {
    const endpoint = await resolveEndpoint({ region: 'us-east-1' }, {}, noProfile);
    const credentials = createCredentialSource({
      endpoint,
      provider: async () => ({ accessKeyId: 'ASIA', secretAccessKey: 'S', sessionToken: 'TOKEN', expiration: new Date(Date.now() + 3_600_000) }),
    });
    const headers = await new RequestSigner({ endpoint, credentials }).sign('DescribeTable', Buffer.from('{}'));
    expect(headers.host).toBe('dynamodb.us-east-1.amazonaws.com');
    expect(headers['x-amz-security-token']).toBe('TOKEN');
    expect(headers.authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,');
    expect(headers.authorization).toBe(expectedAuthorization(headers, Buffer.from('{}'), 'S', 'ASIA', 'us-east-1'));
  });

  it('gives the same signature with the pure-JS SHA-256', async () => {
    const endpoint = await resolveEndpoint({ endpoint: 'http://localhost:8000' }, {}, noProfile);
    const credentials = createCredentialSource({ endpoint, provider: async () => ({ accessKeyId: 'A', secretAccessKey: 'B' }) });
    const date = new Date('2025-01-01T00:00:00Z');
    const body = Buffer.from('{"x":1}');
    const node = await new RequestSigner({ endpoint, credentials }).sign('BatchWriteItem', body, date);
    const js = await new RequestSigner({ endpoint, credentials, sha256: Sha256Js }).sign('BatchWriteItem', body, date);
    expect(js.authorization).toBe(node.authorization);
  });
});
