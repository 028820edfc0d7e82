import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DdbError } from '../../../src/dynamodb/errors.js';
import { Transport } from '../../../src/dynamodb/transport.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(handler: http.RequestListener): Promise<URL> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  );
  return new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
}

function transport(url: URL, opts: ConstructorParameters<typeof Transport>[1] = {}): Transport {
  const t = new Transport(url, opts);
  cleanups.push(() => t.destroy());
  return t;
}

async function failure(p: Promise<unknown>): Promise<DdbError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(DdbError);
  return e as DdbError;
}

describe('Transport', () => {
  it('POSTs the body with the given headers and returns status, body and latency', async () => {
    const seen: { method?: string; headers?: http.IncomingHttpHeaders; body?: string; sockets: Set<unknown> } = { sockets: new Set() };
    const url = await server((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.method = req.method;
        seen.headers = req.headers;
        seen.body = Buffer.concat(chunks).toString();
        seen.sockets.add(req.socket);
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.write('{"__type":"x#');
        res.end('ValidationException","message":"é"}');
      });
    });
    const t = transport(url, { connections: 1 });
    for (let i = 0; i < 3; i++) {
      const r = await t.post({ 'x-amz-target': 'DynamoDB_20120810.BatchWriteItem', 'content-type': 'application/x-amz-json-1.0' }, Buffer.from('{"a":"é"}'));
      expect(r.status).toBe(400);
      expect(r.body).toBe('{"__type":"x#ValidationException","message":"é"}');
      expect(r.latencyMicros).toBeGreaterThan(0);
    }
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"a":"é"}');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(seen.headers?.['x-amz-target']).toBe('DynamoDB_20120810.BatchWriteItem');
    expect(seen.sockets.size).toBe(1); // keep-alive
  });

  it('maps a refused connection to retryable DYNAMODB_UNREACHABLE', async () => {
    const url = await server(() => undefined);
    await cleanups.pop()?.(); // port now closed
    const e = await failure(transport(url).post({}, Buffer.from('{}')));
    expect(e.info).toMatchObject({ code: 'DYNAMODB_UNREACHABLE', retryable: true, status: 0 });
    expect(e.info.message).toMatch(/^ECONNREFUSED talking to http:\/\/127\.0\.0\.1:\d+: /);
  });

  it('maps a socket closed mid-request to retryable DYNAMODB_NETWORK', async () => {
    const url = await server((req) => req.socket.destroy());
    const e = await failure(transport(url).post({}, Buffer.from('{}')));
    expect(e.info).toMatchObject({ code: 'DYNAMODB_NETWORK', retryable: true });
  });

  it('maps a slow server to retryable DYNAMODB_TIMEOUT', async () => {
    const url = await server(() => undefined); // never answers
    const e = await failure(transport(url, { requestTimeoutMs: 100 }).post({}, Buffer.from('{}')));
    expect(e.info).toMatchObject({ code: 'DYNAMODB_TIMEOUT', retryable: true });
    expect(e.info.message).toMatch(/^UND_ERR_HEADERS_TIMEOUT/);
  });

  it('refuses requests after close(), which is idempotent', async () => {
    const url = await server((_req, res) => res.end('{}'));
    const t = transport(url);
    expect((await t.post({}, Buffer.from('{}'))).status).toBe(200);
    await t.close();
    await t.close();
    expect(t.isClosed).toBe(true);
    const e = await failure(t.post({}, Buffer.from('{}')));
    expect(e.info).toMatchObject({ code: 'DYNAMODB_CLIENT_CLOSED', retryable: false });
  });
});
