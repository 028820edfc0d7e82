/**
 * The lean path for a shard reader's two calls (GetShardIterator, GetRecords): the write path's
 * RequestSigner (target `DynamoDBStreams_20120810.`, service `dynamodb`, the endpoint's signing
 * region) and keep-alive Transport, to the streams host (streams-url.ts), answers read
 * by get-records-body.ts. DescribeStream and the rest stay on the SDK client: they are rare.
 *
 *   call(op, input) ─ JSON ─ sign ─ post ─┬─ 200 ─ parse ───────────────────────────────▶ answer
 *                                          ├─ 4xx / 5xx ─ classifyErrorResponse ─▶ throw DdbError
 *                                          │    (awsType: the `__type` after '#'; streams/errors.ts
 *                                          │     reads expired, trimmed, throttled… as from the SDK)
 *                                          ├─ network failure, or a 200 that is not the answer
 *                                          │    ─ backoff, send again, up to maxAttempts ─▶ throw DdbError
 *                                          └─ signal aborted ──────────────────────▶ throw AbortError
 *
 * Throttles and 5xx are not sent again here: readShard's withThrottleRetry (throttle.ts) backs
 * them off and reports each one. Credentials come from the CredentialSource on every signature,
 * so they are refreshed as on the write path.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { CredentialSource } from '../dynamodb/credentials.js';
import type { ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { classifyErrorResponse, DdbError } from '../dynamodb/errors.js';
import { signedPost } from '../dynamodb/signed-post.js';
import { RequestSigner } from '../dynamodb/signer.js';
import { Transport, type HttpResult, type TransportOptions } from '../dynamodb/transport.js';
import { backoffDelayMs } from '../engine/backoff.js';
import { ErrorCode } from '../errors.js';
import { parseGetRecords, parseGetShardIterator } from './get-records-body.js';
import type { GetRecordsAnswer, GetRecordsInput, GetShardIteratorInput, StreamsReadClient } from './read-client.js';
import { streamsUrl } from './streams-url.js';
import { Aborted, pause } from './throttle.js';

export const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_20120810.';

export type StreamsOperation = 'GetShardIterator' | 'GetRecords';

export interface LeanStreamsClientOptions extends TransportOptions {
  /**
   * Sends of one call through network failures and unreadable answers; default
   * DEFAULTS.dynamodb.sdkMaxAttempts, as many as the SDK client makes.
   */
  readonly maxAttempts?: number;
  /** Backoff between those sends; default DEFAULTS.backoff. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

type Attempt<T> = { readonly ok: true; readonly answer: T } | { readonly ok: false; readonly error: DdbError };

/** Close it with close() (waits for calls in flight) or destroy(). */
export class LeanStreamsClient implements StreamsReadClient {
  /** Where the calls go: the streams host for AWS, a custom endpoint as given. */
  readonly url: URL;
  private readonly signer: RequestSigner<StreamsOperation>;
  private readonly transport: Transport;
  private readonly maxAttempts: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(endpoint: ResolvedEndpoint, credentials: CredentialSource, options: LeanStreamsClientOptions = {}) {
    this.url = streamsUrl(endpoint);
    this.signer = new RequestSigner<StreamsOperation>({ endpoint: { ...endpoint, url: this.url }, credentials, targetPrefix: STREAMS_TARGET_PREFIX });
    this.transport = new Transport(this.url, options);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.dynamodb.sdkMaxAttempts);
    this.baseBackoffMs = options.baseBackoffMs ?? DEFAULTS.backoff.baseDelayMs;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULTS.backoff.maxDelayMs;
  }

  async getShardIterator(input: GetShardIteratorInput, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.call('GetShardIterator', input, parseGetShardIterator, signal)).ShardIterator;
  }

  getRecords(input: GetRecordsInput, signal?: AbortSignal): Promise<GetRecordsAnswer> {
    return this.call('GetRecords', input, parseGetRecords, signal);
  }

  /** Waits for the calls in flight, then closes every socket. */
  close(): Promise<void> {
    return this.transport.close();
  }

  /** Ends the calls in flight (they fail with DYNAMODB_CLIENT_CLOSED) and closes every socket; never rejects. */
  destroy(): Promise<void> {
    return this.transport.destroy().catch(() => undefined);
  }

  private async call<T>(operation: StreamsOperation, input: object, parse: (body: string) => T | undefined, signal: AbortSignal | undefined): Promise<T> {
    const body = Buffer.from(JSON.stringify(input), 'utf8');
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted === true) throw new Aborted();
      const result = await this.attempt(operation, body, parse, signal);
      if (result.ok) return result.answer;
      if (attempt + 1 >= this.maxAttempts) throw result.error;
      if (!(await pause(backoffDelayMs(attempt, this.baseBackoffMs, this.maxBackoffMs), signal))) throw new Aborted();
    }
  }

  /** One send: the answer, or a failure worth sending again; anything else is thrown. */
  private async attempt<T>(operation: StreamsOperation, body: Uint8Array, parse: (body: string) => T | undefined, signal: AbortSignal | undefined): Promise<Attempt<T>> {
    let res: HttpResult;
    try {
      // Refused as expired: sent once more on new credentials (signed-post.ts).
      res = await signedPost(this.signer, operation, body, (headers) => untilAborted(this.transport.post(headers, body), signal));
    } catch (error) {
      // Below HTTP (reset, timeout, unreachable): send again. A closed client, an abort or
      // missing credentials (a ToolError from the CredentialSource) end the call.
      if (error instanceof DdbError && error.info.retryable) return { ok: false, error };
      throw error;
    }
    if (res.status !== 200) throw new DdbError(classifyErrorResponse(res.status, res.body));
    const answer = parse(res.body);
    if (answer !== undefined) return { ok: true, answer };
    const code = ErrorCode.DYNAMODB_BAD_RESPONSE;
    const message = `unexpected ${operation} response: ${res.body.slice(0, 120)}`;
    return { ok: false, error: new DdbError({ code, message, retryable: true, throttle: false, fatal: false, status: 200 }) };
  }
}

/**
 * The request, or an AbortError as soon as the signal aborts. The request itself runs on (a
 * GetRecords answers at once; it is read by no one) until it ends or destroy() ends it.
 */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return request;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Aborted());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
