/**
 * The request loop every call of the lean path shares (BatchWriter, BatchDeleter, BatchReader,
 * scanSegment): send, classify, back off, resend, and give up; plus the bisection of batches
 * that DynamoDB refuses for their content. A user says how to build a body for the entries
 * still to do and how to read a 200 answer; the loop owns retries, backoff and throttle counts.
 *
 *   todo ─ body ─ beforeRequest ─ call ─┬─ 200, all done ─────────────────────────▶ done
 *                                       ├─ 200 + unprocessed ─ backoff, resend those (a throttle)
 *                                       ├─ 200 unreadable / throttle / 5xx / network ─ backoff, resend all
 *                                       ├─ retries used up ─────────────────────────▶ exhausted
 *                                       ├─ refused for its content (4xx) ──────────▶ rejected
 *                                       └─ fatal (no table, auth, closed client) ──▶ throw ToolError
 */
import { DEFAULTS } from '../config/defaults.js';
import { backoffDelayMs, sleep } from '../engine/backoff.js';
import { ErrorCode } from '../errors.js';
import { classifyErrorResponse, DdbError, toFatalPlainError, type DdbErrorCode, type DdbErrorInfo } from './errors.js';
import type { DynamoDbCaller } from './http-client.js';
import type { DynamoDbOperation } from './signer.js';

export interface RetryOptions {
  /** Resends of one request (or sub-batch) before its entries fail with RETRIES_EXHAUSTED. */
  readonly maxRetries?: number;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Injected in tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ResponseInfo {
  readonly latencyMicros: number;
  /** Items (or keys) in the request. */
  readonly items: number;
  /** Items DynamoDB handed back unprocessed. */
  readonly unprocessed: number;
  /** The server asked to slow down (HTTP 400 throttle, or unprocessed items). */
  readonly throttled: boolean;
  /** HTTP status, 0 for a network error. */
  readonly status: number;
}

export interface FailedEntry<T> {
  readonly ref: T;
  readonly code: DdbErrorCode;
  /** The server's own message for rejected items, e.g. `ValidationException: Item size has exceeded ...`. */
  readonly message: string;
}

/** What a batch (or a scan) cost; every outcome carries these. */
export interface RequestCounters {
  /** HTTP requests sent (first sends, resends and bisection halves). */
  requests: number;
  /** Requests answered with a throttle: wholly (HTTP 400) or partly (unprocessed items). */
  throttledRequests: number;
  /** Resends of unprocessed items. */
  unprocessedRetries: number;
  /** Resends after a throttle, 5xx or network error. */
  retries: number;
}

export const newCounters = (): RequestCounters => ({ requests: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 });

/** RetryOptions with their defaults applied. */
export class RetryPolicy {
  readonly maxRetries: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RetryOptions = {}) {
    this.maxRetries = options.maxRetries ?? DEFAULTS.dynamodb.maxRetries;
    this.baseBackoffMs = options.baseBackoffMs ?? DEFAULTS.backoff.baseDelayMs;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULTS.backoff.maxDelayMs;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? sleep;
  }

  /** Waits before resend number `attempt` (0-based): capped exponential backoff, full jitter. */
  backoff(attempt: number): Promise<void> {
    return this.sleep(backoffDelayMs(attempt, this.baseBackoffMs, this.maxBackoffMs, this.random));
  }
}

/** Everything a loop needs besides the request itself; one per writer, reader or scan. */
export interface LoopContext {
  readonly caller: DynamoDbCaller;
  readonly policy: RetryPolicy;
  readonly onResponse?: ((info: ResponseInfo) => void) | undefined;
}

/**
 * The options every user of the loop takes: retries and the two hooks around each request.
 * `HookArgs` is what that user passes the rate limiter's hook (a key count, a page limit, ...).
 */
export interface LoopOptions<HookArgs extends unknown[]> extends RetryOptions {
  /** Awaited before every request: the rate limiter's hook. */
  readonly beforeRequest?: (...args: HookArgs) => Promise<void> | void;
  /** Called after every response (and network error); keep it cheap. */
  readonly onResponse?: (info: ResponseInfo) => void;
}

export function loopContext(caller: DynamoDbCaller, options: LoopOptions<never>): LoopContext {
  return { caller, policy: new RetryPolicy(options), onResponse: options.onResponse };
}

/** What the batch writer, reader and deleter hold: their options and one loop context over the caller. */
export abstract class LoopClient<O extends LoopOptions<never>> {
  protected readonly ctx: LoopContext;

  // Every option is optional, so none at all is a valid O.
  constructor(
    caller: DynamoDbCaller,
    protected readonly options: O = {} as O,
  ) {
    this.ctx = loopContext(caller, options);
  }
}

/** One kind of request, over pending entries `P`. */
export interface Exchange<P> {
  readonly operation: DynamoDbOperation;
  /** For fatal error messages. */
  readonly table: string;
  body(todo: readonly P[]): Uint8Array;
  /** A body larger than this, for more than one entry, is not sent: the loop ends `oversized`. */
  readonly maxBodyBytes?: number;
  /** Awaited before every request: the rate limiter's hook. */
  before?(todo: readonly P[]): Promise<void> | void;
  /** The request's size for ResponseInfo.items; default `todo.length`. */
  size?(todo: readonly P[]): number;
  /**
   * Reads a 200 answer: records what got done and returns the entries DynamoDB handed back
   * unprocessed (none when all done), or undefined, recording nothing, when the body is not the
   * expected response (then everything is resent, like after a 5xx).
   */
  accept(body: string, todo: readonly P[]): readonly P[] | undefined;
}

export type LoopEnd<P> =
  | { readonly kind: 'done' }
  | { readonly kind: 'oversized'; readonly todo: readonly P[] }
  /** `last` names the last failure (`UnprocessedItems` when the entries stayed unprocessed); `info` is its classification. */
  | { readonly kind: 'exhausted'; readonly todo: readonly P[]; readonly last: string; readonly info: DdbErrorInfo | undefined }
  | { readonly kind: 'rejected'; readonly todo: readonly P[]; readonly info: DdbErrorInfo };

/** Where each batch operation hands back what it did not do: the `last` of an exhausted loop. */
const UNPROCESSED_FIELD: Partial<Record<DynamoDbOperation, string>> = { BatchWriteItem: 'UnprocessedItems', BatchGetItem: 'UnprocessedKeys' };

/**
 * Sends `todo` until it is done, retries are used up, or DynamoDB refuses it. Throws a ToolError
 * only for fatal failures; rethrows anything that is not a DdbError (signing: already a ToolError).
 */
export async function exchangeWithRetries<P>(ctx: LoopContext, ex: Exchange<P>, counters: RequestCounters, first: readonly P[]): Promise<LoopEnd<P>> {
  const { caller, policy } = ctx;
  const unprocessedLabel = UNPROCESSED_FIELD[ex.operation] ?? 'unprocessed entries';
  let todo = first;
  let attempt = 0;
  for (;;) {
    const body = ex.body(todo);
    if (ex.maxBodyBytes !== undefined && body.byteLength > ex.maxBodyBytes && todo.length > 1) return { kind: 'oversized', todo };
    const size = ex.size === undefined ? todo.length : ex.size(todo);

    const hook = ex.before?.(todo);
    if (hook !== undefined) await hook;
    counters.requests++;
    let info: DdbErrorInfo;
    try {
      const res = await caller.call(ex.operation, body);
      if (res.status === 200) {
        const left = ex.accept(res.body, todo);
        report(ctx, res.latencyMicros, size, left?.length ?? 0, left !== undefined && left.length > 0, 200);
        if (left === undefined) {
          info = { code: ErrorCode.DYNAMODB_BAD_RESPONSE, message: `unexpected ${ex.operation} response: ${res.body.slice(0, 120)}`, retryable: true, throttle: false, fatal: false, status: 200 };
        } else {
          if (left.length === 0) return { kind: 'done' };
          counters.throttledRequests++;
          todo = left;
          if (attempt >= policy.maxRetries) return { kind: 'exhausted', todo, last: unprocessedLabel, info: undefined };
          counters.unprocessedRetries++;
          await policy.backoff(attempt++);
          continue;
        }
      } else {
        info = classifyErrorResponse(res.status, res.body);
        report(ctx, res.latencyMicros, size, 0, info.throttle, res.status);
      }
    } catch (error) {
      if (!(error instanceof DdbError)) throw error;
      info = error.info;
      report(ctx, 0, size, 0, false, 0);
    }

    if (info.throttle) counters.throttledRequests++;
    if (info.fatal || (info.status === 0 && !info.retryable)) throw toFatalPlainError(info, ex.table);
    if (!info.retryable) return { kind: 'rejected', todo, info };
    if (attempt >= policy.maxRetries) return { kind: 'exhausted', todo, last: info.message, info };
    counters.retries++;
    await policy.backoff(attempt++);
  }
}

/** A batch of independent entries, each of which can fail alone. */
export interface BatchExchange<P> extends Exchange<P> {
  /** 'written', 'read', 'deleted': for the RETRIES_EXHAUSTED message. */
  readonly verb: string;
  /** Gives up on one entry. */
  fail(entry: P, code: DdbErrorCode, message: string): void;
}

/**
 * Sends a batch until every entry is done or failed. A batch refused for its content is
 * bisected (without backoff) until the entries to blame are alone; one too large is split.
 */
export async function sendBatch<P>(ctx: LoopContext, ex: BatchExchange<P>, counters: RequestCounters, todo: readonly P[]): Promise<void> {
  const end = await exchangeWithRetries(ctx, ex, counters, todo);
  switch (end.kind) {
    case 'done':
      return;
    case 'exhausted': {
      const message = `not ${ex.verb} after ${ctx.policy.maxRetries} retries; last: ${end.last}`;
      for (const p of end.todo) ex.fail(p, ErrorCode.RETRIES_EXHAUSTED, message);
      return;
    }
    case 'rejected':
      if (end.todo.length === 1) return ex.fail(end.todo[0] as P, end.info.code, end.info.message);
      break;
    case 'oversized':
      break;
    default:
      throw new Error(`unknown loop end ${JSON.stringify(end satisfies never)}`);
  }
  const mid = end.todo.length >>> 1;
  await sendBatch(ctx, ex, counters, end.todo.slice(0, mid));
  await sendBatch(ctx, ex, counters, end.todo.slice(mid));
}

function report(ctx: LoopContext, latencyMicros: number, items: number, unprocessed: number, throttled: boolean, status: number): void {
  ctx.onResponse?.({ latencyMicros, items, unprocessed, throttled, status });
}
