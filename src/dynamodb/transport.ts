/**
 * Keep-alive HTTP/1.1 to one DynamoDB origin: an undici Pool, one request in flight per socket
 * (DynamoDB does not pipeline), driven through `dispatch` with a handler that only collects
 * the body, which skips the stream machinery of `pool.request()` on every call.
 *
 * Failures below HTTP reject with a DdbError whose info carries a stable, retryable code
 * (DYNAMODB_UNREACHABLE / DYNAMODB_NETWORK / DYNAMODB_TIMEOUT); HTTP error statuses resolve
 * normally, the caller classifies them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { DEFAULTS } from '../config/defaults.js';
import { DdbError, classifyNetworkError } from './errors.js';

export interface TransportOptions {
  /** Sockets to the origin; at most this many requests in flight. */
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
  readonly keepAliveMaxTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Limit for the response headers, and then for each gap between body chunks. */
  readonly requestTimeoutMs?: number;
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  /** From handing the request to the pool to the last body byte. */
  readonly latencyMicros: number;
}

/** Collects one response; settles the request's promise exactly once. */
class CollectHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private chunks: Buffer[] = [];
  constructor(
    private readonly started: number,
    private readonly origin: string,
    private readonly resolve: (result: HttpResult) => void,
    private readonly reject: (error: DdbError) => void,
  ) {}

  // Its presence is what makes undici treat this as a (non-deprecated) controller-style handler.
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, _headers: IncomingHttpHeaders): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const chunks = this.chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ status: this.status, body, latencyMicros: Math.round((performance.now() - this.started) * 1000) });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.reject(new DdbError(classifyNetworkError(error, this.origin), { cause: error }));
  }
}

export class Transport {
  readonly origin: string;
  private readonly pool: Pool;
  private readonly path: string;
  private closed = false;

  constructor(url: URL, options: TransportOptions = {}) {
    const d = DEFAULTS.dynamodb;
    const requestTimeoutMs = options.requestTimeoutMs ?? d.requestTimeoutMs;
    this.origin = url.origin;
    this.path = url.pathname;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? d.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
      keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs ?? d.keepAliveMaxTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? d.connectTimeoutMs,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    });
  }

  /** POSTs `body` with the given (already signed) headers. */
  post(headers: Record<string, string>, body: Uint8Array): Promise<HttpResult> {
    return new Promise<HttpResult>((resolve, reject) => {
      const handler = new CollectHandler(performance.now(), this.origin, resolve, reject);
      try {
        this.pool.dispatch({ path: this.path, method: 'POST', headers, body }, handler);
      } catch (error) {
        reject(new DdbError(classifyNetworkError(error, this.origin), { cause: error }));
      }
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Waits for requests in flight, then closes every socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  /** Aborts requests in flight (they reject with DYNAMODB_CLIENT_CLOSED) and closes every socket. */
  async destroy(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }
}
