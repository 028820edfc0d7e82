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

  describe('the lean path gives the very headers of the SDK\'s SignatureV4', () => {
    const cases = [
      { name: 'static keys, custom port', endpoint: { endpoint: 'http://127.0.0.1:8000', region: 'eu-west-1' }, creds: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY' } },
      { name: 'session token, AWS endpoint', endpoint: { region: 'ap-southeast-2' }, creds: { accessKeyId: 'ASIAXXX', secretAccessKey: 's3cr3t', sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==' } },
      { name: 'empty session token, https with port', endpoint: { endpoint: 'https://dynamodb.example.test:8443', region: 'us-west-2' }, creds: { accessKeyId: 'A', secretAccessKey: 'B', sessionToken: '' } },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const endpoint = await resolveEndpoint(c.endpoint, {}, noProfile);
        const credentials = createCredentialSource({ endpoint, provider: async () => ({ ...c.creds, expiration: new Date(Date.now() + 3_600_000) }) });
        const lean = new RequestSigner({ endpoint, credentials });
        const sdk = new RequestSigner({ endpoint, credentials, lean: false });
        const streams = [new RequestSigner({ endpoint, credentials, targetPrefix: 'DynamoDBStreams_20120810.' }), new RequestSigner({ endpoint, credentials, targetPrefix: 'DynamoDBStreams_20120810.', lean: false })] as const;
        for (const [i, date] of [new Date('2024-05-06T07:08:09.123Z'), new Date('2024-05-06T23:59:59.999Z'), new Date('2024-05-07T00:00:00Z'), new Date('2031-12-31T12:00:00Z')].entries()) {
          const body = Buffer.from(JSON.stringify({ RequestItems: { t: [{ PutRequest: { Item: { id: { S: `é ${i} ${'x'.repeat(i * 4000)}` } } } }] } }));
          const got = await lean.sign('BatchWriteItem', body, date);
          expect(got).toEqual(await sdk.sign('BatchWriteItem', body, date));
          expect(got.authorization).toBe(expectedAuthorization(got, body, c.creds.secretAccessKey, c.creds.accessKeyId, endpoint.signingRegion));
          expect(await streams[0].sign('GetRecords' as never, body, date)).toEqual(await streams[1].sign('GetRecords' as never, body, date));
        }
      });
    }

    it('derives a new signing key when the credentials change on the same day', async () => {
      const endpoint = await resolveEndpoint({ endpoint: 'http://127.0.0.1:8000', region: 'us-east-1' }, {}, noProfile);
      // Keys rotate at every call; the signer must not sign with the previous keys' signing key.
      let n = 0;
      const rotating = { get: async () => ({ accessKeyId: `AK${++n}`, secretAccessKey: `secret-${n}` }) } as unknown as ReturnType<typeof createCredentialSource>;
      const lean = new RequestSigner({ endpoint, credentials: rotating });
      const date = new Date('2025-03-03T03:03:03Z');
      const body = Buffer.from('{}');
      for (let i = 1; i <= 3; i++) {
        const h = await lean.sign('DescribeTable', body, date);
        expect(h.authorization).toContain(`Credential=AK${i}/`);
        expect(h.authorization).toBe(expectedAuthorization(h, body, `secret-${i}`, `AK${i}`, 'us-east-1'));
      }
    });

    it('leaves an endpoint with a path to the SDK signer', async () => {
      const endpoint = await resolveEndpoint({ endpoint: 'http://127.0.0.1:8000/prefix', region: 'us-east-1' }, {}, noProfile);
      const credentials = createCredentialSource({ endpoint, provider: async () => ({ accessKeyId: 'A', secretAccessKey: 'B' }) });
      const date = new Date('2025-01-01T00:00:00Z');
      const h = await new RequestSigner({ endpoint, credentials }).sign('BatchWriteItem', Buffer.from('{}'), date);
      expect(h).toEqual(await new RequestSigner({ endpoint, credentials, lean: false }).sign('BatchWriteItem', Buffer.from('{}'), date));
    });
  });
});
