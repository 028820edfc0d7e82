/**
 * Writes one batch of ≤ 25 puts and accounts for every entry: written, merged into a later
 * entry with the same key, or failed with a reason. Partial failure is a result; only a
 * failure that dooms every later batch (no table, bad credentials, closed client) throws.
 *
 *   entries ─ merge same keys ─ JSON once ─┬─ 200, all processed ──────────▶ written
 *                                          ├─ 200 + UnprocessedItems ─ backoff, resend those
 *                                          ├─ throttled / 5xx / network ─ backoff, resend all
 *                                          ├─ item rejected (400 Validation) ─ bisect ─▶ failed
 *                                          ├─ retries used up ──────────────▶ failed RETRIES_EXHAUSTED
 *                                          └─ fatal ────────────────────────▶ throw ToolError
 */
import { backoffDelayMs, sleep } from '../engine/backoff.js';
import type { Item } from '../mapping/attribute-value.js';
import { batchBodyPrefix, buildBatchBody, matchUnprocessed, unprocessedItems } from './batch-body.js';
import { mergeDuplicateKeys } from './dedupe.js';
import { DYNAMODB_DEFAULTS } from './defaults.js';
import { classifyErrorResponse, DdbError, toFatalPlainError, type DdbErrorCode, type DdbErrorInfo } from './errors.js';
import type { DynamoDbCaller } from './http-client.js';

export interface BatchEntry<T> {
  /** The encoded primary key: entries with equal keys are merged, the last one wins. */
  readonly key: string;
  readonly item: Item;
  /** Caller's handle (row position, checkpoint slot), returned with a failure. */
  readonly ref: T;
  /** Write units of the put (for the rate limiter); estimated from the JSON when absent. */
  readonly units?: number;
}

export interface FailedEntry<T> {
  readonly ref: T;
  readonly code: DdbErrorCode;
  /** The server's own message for rejected items, e.g. `ValidationException: Item size has exceeded ...`. */
  readonly message: string;
}

/** `entries.length === written + merged + failed.length` always holds. */
export interface BatchOutcome<T> {
  readonly written: number;
  readonly merged: number;
  readonly failed: FailedEntry<T>[];
  /** HTTP requests sent (first sends, resends and bisection halves). */
  readonly requests: number;
  /** Requests answered with a throttle: wholly (HTTP 400) or partly (UnprocessedItems). */
  readonly throttledRequests: number;
  /** Resends of UnprocessedItems. */
  readonly unprocessedRetries: number;
  /** Resends after a throttle, 5xx or network error. */
  readonly retries: number;
}

export interface ResponseInfo {
  readonly latencyMicros: number;
  /** Items in the request. */
  readonly items: number;
  /** Items DynamoDB handed back unprocessed. */
  readonly unprocessed: number;
  /** The server asked to slow down (HTTP 400 throttle, or UnprocessedItems). */
  readonly throttled: boolean;
  /** HTTP status, 0 for a network error. */
  readonly status: number;
}

export interface BatchWriterOptions {
  /** Resends of one (sub-)batch before its items fail with RETRIES_EXHAUSTED. */
  readonly maxRetries?: number;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Awaited before every request, with its item count: the rate limiter's hook. */
  readonly beforeRequest?: (itemCount: number, writeUnits: number) => Promise<void> | void;
  /** Called after every response (and network error); keep it cheap. */
  readonly onResponse?: (info: ResponseInfo) => void;
  /** Injected in tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Pending<T> {
  readonly item: Item;
  readonly ref: T;
  readonly json: string;
  readonly units: number;
}

interface Tally<T> {
  written: number;
  failed: FailedEntry<T>[];
  requests: number;
  throttledRequests: number;
  unprocessedRetries: number;
  retries: number;
}

export class BatchWriter {
  private readonly maxRetries: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly caller: DynamoDbCaller,
    private readonly options: BatchWriterOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? DYNAMODB_DEFAULTS.maxRetries;
    this.baseBackoffMs = options.baseBackoffMs ?? DYNAMODB_DEFAULTS.baseBackoffMs;
    this.maxBackoffMs = options.maxBackoffMs ?? DYNAMODB_DEFAULTS.maxBackoffMs;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? sleep;
  }

  /** Puts up to 25 items into `table`. Throws a ToolError only for fatal failures. */
  async writeBatch<T>(table: string, entries: readonly BatchEntry<T>[]): Promise<BatchOutcome<T>> {
    if (entries.length > DYNAMODB_DEFAULTS.maxBatchItems) {
      throw new RangeError(`writeBatch takes at most ${DYNAMODB_DEFAULTS.maxBatchItems} entries, got ${entries.length}`);
    }
    const { entries: unique, merged } = mergeDuplicateKeys(entries);
    const tally: Tally<T> = { written: 0, failed: [], requests: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 };
    if (unique.length > 0) {
      const pending = unique.map((e): Pending<T> => {
        const json = JSON.stringify(e.item);
        // The caller's exact write units when it has them; else the JSON length, near enough.
        return { item: e.item, ref: e.ref, json, units: e.units ?? Math.max(1, Math.ceil(json.length / 1024)) };
      });
      await this.send(table, batchBodyPrefix(table), pending, tally);
    }
    return { ...tally, merged };
  }

  /** Sends `group` until each item is written or failed; bisects on item-level rejections. */
  private async send<T>(table: string, prefix: string, group: readonly Pending<T>[], tally: Tally<T>): Promise<void> {
    let todo = group;
    let attempt = 0;
    for (;;) {
      const body = buildBatchBody(prefix, todo.map((p) => p.json));
      if (body.byteLength > DYNAMODB_DEFAULTS.maxBatchBytes && todo.length > 1) return this.bisect(table, prefix, todo, tally);

      const hook = this.options.beforeRequest?.(todo.length, todo.reduce((a, p) => a + p.units, 0));
      if (hook !== undefined) await hook;
      tally.requests++;
      let info: DdbErrorInfo;
      try {
        const res = await this.caller.call('BatchWriteItem', body);
        if (res.status === 200) {
          const left = this.unprocessedOf(res.body, table, todo);
          this.report(res.latencyMicros, todo.length, left?.length ?? 0, left !== undefined && left.length > 0, 200);
          if (left === undefined) {
            info = { code: 'DYNAMODB_BAD_RESPONSE', message: `unexpected BatchWriteItem response: ${res.body.slice(0, 120)}`, retryable: true, throttle: false, fatal: false, status: 200 };
          } else {
            tally.written += todo.length - left.length;
            if (left.length === 0) return;
            tally.throttledRequests++;
            todo = left;
            if (attempt >= this.maxRetries) return this.exhausted(todo, 'UnprocessedItems', tally);
            tally.unprocessedRetries++;
            await this.sleep(this.backoff(attempt++));
            continue;
          }
        } else {
          info = classifyErrorResponse(res.status, res.body);
          this.report(res.latencyMicros, todo.length, 0, info.throttle, res.status);
        }
      } catch (error) {
        if (!(error instanceof DdbError)) throw error; // signing failed: credentials, already a ToolError
        info = error.info;
        this.report(0, todo.length, 0, false, 0);
      }

      if (info.throttle) tally.throttledRequests++;
      if (info.fatal || (info.status === 0 && !info.retryable)) throw toFatalPlainError(info, table);
      if (info.retryable) {
        if (attempt >= this.maxRetries) return this.exhausted(todo, info.message, tally);
        tally.retries++;
        await this.sleep(this.backoff(attempt++));
        continue;
      }
      // DynamoDB refused the request because of its content: find the items to blame.
      if (todo.length === 1) {
        tally.failed.push({ ref: (todo[0] as Pending<T>).ref, code: info.code, message: info.message });
        return;
      }
      return this.bisect(table, prefix, todo, tally);
    }
  }

  private async bisect<T>(table: string, prefix: string, todo: readonly Pending<T>[], tally: Tally<T>): Promise<void> {
    const mid = todo.length >>> 1;
    await this.send(table, prefix, todo.slice(0, mid), tally);
    await this.send(table, prefix, todo.slice(mid), tally);
  }

  /** The still-pending subset of `todo`; all of it when the response cannot be matched. */
  private unprocessedOf<T>(body: string, table: string, todo: readonly Pending<T>[]): readonly Pending<T>[] | undefined {
    const returned = unprocessedItems(body, table);
    if (returned === undefined) return undefined;
    if (returned.length === 0) return [];
    const indices = matchUnprocessed(todo, returned);
    return indices === undefined ? todo : indices.map((i) => todo[i] as Pending<T>);
  }

  private exhausted<T>(todo: readonly Pending<T>[], last: string, tally: Tally<T>): void {
    const message = `not written after ${this.maxRetries} retries; last: ${last}`;
    for (const p of todo) tally.failed.push({ ref: p.ref, code: 'RETRIES_EXHAUSTED', message });
  }

  private backoff(attempt: number): number {
    return backoffDelayMs(attempt, this.baseBackoffMs, this.maxBackoffMs, this.random);
  }

  private report(latencyMicros: number, items: number, unprocessed: number, throttled: boolean, status: number): void {
    this.options.onResponse?.({ latencyMicros, items, unprocessed, throttled, status });
  }
}
