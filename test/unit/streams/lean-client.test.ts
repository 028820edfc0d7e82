/**
 * LeanStreamsClient against a real in-process HTTP server: what it sends (target, content type,
 * a SigV4 signature for service `dynamodb` that an independent implementation agrees with), where
 * (the streams host), and what it does with each kind of answer: errors classified from the body
 * and never sent again here, network failures and unreadable answers sent again, aborts, a
 * closed client, credentials refreshed.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCredentialSource } from '../../../src/dynamodb/credentials.js';
import { resolveEndpoint, type ResolvedEndpoint } from '../../../src/dynamodb/endpoint.js';
import { streamsEndpointUrl, streamsUrl } from '../../../src/streams/client.js';
import { streamErrorKind, toStreamToolError } from '../../../src/streams/errors.js';
import { LeanStreamsClient, type LeanStreamsClientOptions } from '../../../src/streams/lean-client.js';

const noProfile = async () => undefined;
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** SigV4 written out from the AWS documentation, independent of the SDK. */
function expectedAuthorization(headers: http.IncomingHttpHeaders, body: Buffer, secret: string, accessKey: string, region: string): string {
  const signed = /SignedHeaders=([^,]+)/.exec(String(headers.authorization))?.[1]?.split(';') ?? [];
  const canonical = ['POST', '/', '', ...signed.map((n) => `${n}:${String(headers[n])}`), '', signed.join(';'), sha(body)].join('\n');
  const date = String(headers['x-amz-date']);
  const scope = `${date.slice(0, 8)}/${region}/dynamodb/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, date.slice(0, 8));
  for (const part of [region, 'dynamodb', 'aws4_request']) key = hmac(key, part);
  return `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${hmac(key, toSign).toString('hex')}`;
}

interface Seen {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}
/** Answers one request: write a response, or destroy the socket. */
type Answer = (res: http.ServerResponse, req: http.IncomingMessage) => void;

const json = (status: number, body: unknown): Answer => (res) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const awsError = (type: string, message: string, status = 400): Answer => json(status, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
const hangUp: Answer = (_res, req) => req.socket.destroy();

const closing: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A server answering from `answers` in turn (the last one again when they run out). */
async function serve(answers: Answer[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      answer(res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function client(url: string, options: LeanStreamsClientOptions = {}, region = 'eu-west-1') {
  const endpoint = await resolveEndpoint({ endpoint: url, region }, {}, noProfile);
  const credentials = createCredentialSource({ endpoint, provider: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' }) });
  const c = new LeanStreamsClient(endpoint, credentials, { baseBackoffMs: 1, maxBackoffMs: 2, ...options });
  closing.push(() => c.destroy());
  return c;
}

const RECORDS = { Records: [{ eventName: 'INSERT', dynamodb: { ApproximateCreationDateTime: 1764237600, Keys: { id: { S: 'a' } }, SequenceNumber: '100' } }], NextShardIterator: 'it2' };

describe('LeanStreamsClient', () => {
  it('POSTs DynamoDB Streams JSON with the Streams target, signed for service dynamodb in the signing region', async () => {
    const { url, seen } = await serve([json(200, { ShardIterator: 'it1' }), json(200, RECORDS)]);
    const c = await client(url);
    const iterator = await c.getShardIterator({ StreamArn: 'arn:s', ShardId: 'shard-1', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '99' });
    expect(iterator).toBe('it1');
    const answer = await c.getRecords({ ShardIterator: 'it1', Limit: 1000 });
    expect(answer.NextShardIterator).toBe('it2');
    expect(answer.Records[0]?.dynamodb?.ApproximateCreationDateTime).toEqual(new Date(1764237600_000));

    expect(seen.map((s) => s.headers['x-amz-target'])).toEqual(['DynamoDBStreams_20120810.GetShardIterator', 'DynamoDBStreams_20120810.GetRecords']);
    expect(JSON.parse(seen[0]!.body.toString())).toEqual({ StreamArn: 'arn:s', ShardId: 'shard-1', ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '99' });
    expect(JSON.parse(seen[1]!.body.toString())).toEqual({ ShardIterator: 'it1', Limit: 1000 });
    for (const { headers, body } of seen) {
      expect(headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(headers.host).toBe(new URL(url).host);
      expect(headers.authorization).toContain('/eu-west-1/dynamodb/aws4_request');
      expect(headers.authorization).toBe(expectedAuthorization(headers, body, 'SECRET', 'AKID', 'eu-west-1'));
    }
  });

  it('throws error answers classified from their body, without sending them again', async () => {
    const cases: Array<[ReturnType<typeof awsError>, string, string]> = [
      [awsError('ExpiredIteratorException', 'Iterator expired'), 'expired', 'ExpiredIteratorException'],
      [awsError('TrimmedDataAccessException', 'trimmed'), 'trimmed', 'TrimmedDataAccessException'],
      [awsError('LimitExceededException', 'Rate exceeded for shard'), 'throttled', 'LimitExceededException'],
      [awsError('InternalServerError', 'oops', 500), 'throttled', 'InternalServerError'],
      [awsError('ResourceNotFoundException', 'Requested resource not found'), 'not-found', 'ResourceNotFoundException'],
    ];
    for (const [answer, kind, awsType] of cases) {
      const { url, seen } = await serve([answer]);
      const error: unknown = await (await client(url)).getRecords({ ShardIterator: 'x' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'DdbError', info: { awsType } });
      expect(streamErrorKind(error)).toBe(kind);
      expect(seen).toHaveLength(1);
    }
  });

  it('bad credentials and access denied end the call with DYNAMODB_AUTH', async () => {
    for (const answer of [awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'), awsError('AccessDeniedException', 'not authorized'), json(403, 'Forbidden')]) {
      const { url } = await serve([answer]);
      const error = await (await client(url)).getRecords({ ShardIterator: 'x' }).catch((e: unknown) => e);
      expect(toStreamToolError(error, 'reading shard s', { shardId: 's' })).toMatchObject({ code: 'DYNAMODB_AUTH', retryable: false });
    }
  });

  it('sends again after a network failure', async () => {
    const { url, seen } = await serve([hangUp, hangUp, json(200, RECORDS)]);
    const answer = await (await client(url, { maxAttempts: 3 })).getRecords({ ShardIterator: 'x' });
    expect(answer.Records).toHaveLength(1);
    expect(seen).toHaveLength(3);
  });

  it('gives up after maxAttempts: a network failure, then an unreadable 200, both retryable', async () => {
    const network = await serve([hangUp]);
    const e1 = await (await client(network.url, { maxAttempts: 2 })).getRecords({ ShardIterator: 'x' }).catch((e: unknown) => e);
    expect(network.seen).toHaveLength(2);
    expect(streamErrorKind(e1)).toBe('other');
    expect(toStreamToolError(e1, 'reading shard s', { shardId: 's' })).toMatchObject({ code: 'DYNAMODB_NETWORK', retryable: true });

    const garbage = await serve([json(200, '<html>proxy</html>')]);
    const e2 = await (await client(garbage.url, { maxAttempts: 3 })).getRecords({ ShardIterator: 'x' }).catch((e: unknown) => e);
    expect(garbage.seen).toHaveLength(3);
    expect(toStreamToolError(e2, 'reading shard s', { shardId: 's' })).toMatchObject({ code: 'DYNAMODB_BAD_RESPONSE', retryable: true });
  });

  it('an abort ends a call in flight at once, and one not yet sent before it is sent', async () => {
    const { url, seen } = await serve([(res, req) => setTimeout(() => json(200, RECORDS)(res, req), 5_000).unref()]);
    const c = await client(url);
    const stop = new AbortController();
    const started = performance.now();
    const call = c.getRecords({ ShardIterator: 'x' }, stop.signal).catch((e: unknown) => e);
    setTimeout(() => stop.abort(), 50);
    const error = await call;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(streamErrorKind(error)).toBe('aborted');
    expect(streamErrorKind(await c.getShardIterator({ StreamArn: 'a', ShardId: 's', ShardIteratorType: 'LATEST' }, stop.signal).catch((e: unknown) => e))).toBe('aborted');
    expect(seen).toHaveLength(1);
  });

  it('a destroyed client fails its calls with DYNAMODB_CLIENT_CLOSED, not sent again', async () => {
    const { url, seen } = await serve([json(200, RECORDS)]);
    const c = await client(url, { maxAttempts: 5 });
    await c.destroy();
    const error = await c.getRecords({ ShardIterator: 'x' }).catch((e: unknown) => e);
    expect(toStreamToolError(error, 'x', {})).toMatchObject({ code: 'DYNAMODB_CLIENT_CLOSED' });
    expect(seen).toHaveLength(0);
  });

  it('signs with refreshed credentials once the old ones near their expiry', async () => {
    const { url, seen } = await serve([json(200, RECORDS)]);
    const endpoint = await resolveEndpoint({ endpoint: url, region: 'us-east-1' }, {}, noProfile);
    let nowMs = Date.parse('2026-11-27T10:00:00Z');
    let issued = 0;
    const credentials = createCredentialSource({
      endpoint,
      now: () => nowMs,
      provider: async () => ({ accessKeyId: `AKID${++issued}`, secretAccessKey: 'S', sessionToken: `T${issued}`, expiration: new Date(nowMs + 3_600_000) }),
    });
    const c = new LeanStreamsClient(endpoint, credentials);
    closing.push(() => c.destroy());
    await c.getRecords({ ShardIterator: 'x' });
    nowMs += 3_600_000 - 10_000; // 10 s left: under the refresh window and the 30 s grace
    await c.getRecords({ ShardIterator: 'x' });
    expect(seen.map((s) => /Credential=(\w+)\//.exec(String(s.headers.authorization))?.[1])).toEqual(['AKID1', 'AKID2']);
    expect(seen.map((s) => s.headers['x-amz-security-token'])).toEqual(['T1', 'T2']);
  });
});

describe('streamsUrl', () => {
  const resolve = (endpoint: string | undefined, region = 'eu-west-1'): Promise<ResolvedEndpoint> =>
    resolveEndpoint(endpoint === undefined ? { region } : { endpoint, region }, {}, noProfile);

  it('AWS serves streams on their own host; any other endpoint serves both APIs as given', async () => {
    expect(streamsUrl(await resolve(undefined)).href).toBe('https://streams.dynamodb.eu-west-1.amazonaws.com/');
    expect(streamsUrl(await resolve(undefined, 'cn-north-1')).href).toBe('https://streams.dynamodb.cn-north-1.amazonaws.com.cn/');
    expect(streamsUrl(await resolve('https://dynamodb.us-west-2.amazonaws.com')).href).toBe('https://streams.dynamodb.us-west-2.amazonaws.com/');
    expect(streamsUrl(await resolve('http://127.0.0.1:8000')).href).toBe('http://127.0.0.1:8000/');
    expect(streamsUrl(await resolve('https://proxy.example.com/ddb')).href).toBe('https://proxy.example.com/ddb');
    // The SDK client's form: no custom endpoint means its own regional default.
    expect(streamsEndpointUrl(await resolve(undefined))).toBeUndefined();
    expect(streamsEndpointUrl(await resolve('https://dynamodb.us-west-2.amazonaws.com'))).toBe('https://streams.dynamodb.us-west-2.amazonaws.com/');
  });

  it('signs for the region of an AWS endpoint, with the streams host as Host', async () => {
    const endpoint = await resolve('https://dynamodb.us-west-2.amazonaws.com', 'eu-west-1');
    expect(endpoint.signingRegion).toBe('us-west-2');
    const c = new LeanStreamsClient(endpoint, createCredentialSource({ endpoint, provider: async () => ({ accessKeyId: 'A', secretAccessKey: 'B' }) }));
    closing.push(() => c.destroy());
    expect(c.url.host).toBe('streams.dynamodb.us-west-2.amazonaws.com');
  });
});
