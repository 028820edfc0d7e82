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
 *
 * The loop itself (retries, backoff, bisection) is retry-loop.ts, shared with the batch reader,
 * the batch deleter and the scanner; this file adds put bodies, merging and unprocessed matching.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { Item } from '../mapping/attribute-value.js';
import { batchBodyPrefix, batchWriteExchange, buildBatchBody, matchUnprocessed, unprocessedItems } from './batch-body.js';
import { mergeDuplicateKeys } from './dedupe.js';
import { LoopClient, newCounters, sendBatch, type BatchExchange, type FailedEntry, type LoopOptions, type RequestCounters } from './retry-loop.js';

export type { FailedEntry, ResponseInfo } from './retry-loop.js';

export interface BatchEntry<T> {
  /** The encoded primary key: entries with equal keys are merged, the last one wins. */
  readonly key: string;
  readonly item: Item;
  /** Caller's handle (row position, checkpoint slot), returned with a failure. */
  readonly ref: T;
  /** Write units of the put (for the rate limiter); estimated from the JSON when absent. */
  readonly units?: number;
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

/** `beforeRequest` is passed the request's item count and write units. */
export type BatchWriterOptions = LoopOptions<[itemCount: number, writeUnits: number]>;

interface Pending<T> {
  readonly item: Item;
  readonly ref: T;
  readonly json: string;
  readonly units: number;
}

interface Tally<T> extends RequestCounters {
  written: number;
  failed: FailedEntry<T>[];
}

export class BatchWriter extends LoopClient<BatchWriterOptions> {
  /** Puts up to 25 items into `table`. Throws a ToolError only for fatal failures. */
  async writeBatch<T>(table: string, entries: readonly BatchEntry<T>[]): Promise<BatchOutcome<T>> {
    if (entries.length > DEFAULTS.dynamodb.maxBatchItems) {
      throw new RangeError(`writeBatch takes at most ${DEFAULTS.dynamodb.maxBatchItems} entries, got ${entries.length}`);
    }
    const { entries: unique, merged } = mergeDuplicateKeys(entries);
    const tally: Tally<T> = { written: 0, failed: [], ...newCounters() };
    if (unique.length > 0) {
      const pending = unique.map((e): Pending<T> => {
        const json = JSON.stringify(e.item);
        // The caller's exact write units when it has them; else the JSON length, near enough.
        return { item: e.item, ref: e.ref, json, units: e.units ?? Math.max(1, Math.ceil(json.length / 1024)) };
      });
      await sendBatch(this.ctx, this.exchange(table, tally), tally, pending);
    }
    return { ...tally, merged };
  }

  /** Put requests over the shared retry loop; rejected batches are bisected down to the items to blame. */
  private exchange<T>(table: string, tally: Tally<T>): BatchExchange<Pending<T>> {
    const prefix = batchBodyPrefix(table);
    const hook = this.options.beforeRequest;
    return batchWriteExchange(table, 'written', {
      body: (todo) => buildBatchBody(prefix, todo.map((p) => p.json)),
      before: hook === undefined ? undefined : (todo) => hook(todo.length, todo.reduce((a, p) => a + p.units, 0)),
      accept: (body, todo) => {
        const left = unprocessedOf(body, table, todo);
        if (left !== undefined) tally.written += todo.length - left.length;
        return left;
      },
      fail: (p, code, message) => void tally.failed.push({ ref: p.ref, code, message }),
    });
  }
}

/** The still-pending subset of `todo`; all of it when the response cannot be matched. */
function unprocessedOf<T>(body: string, table: string, todo: readonly Pending<T>[]): readonly Pending<T>[] | undefined {
  const returned = unprocessedItems(body, table);
  if (returned === undefined) return undefined;
  if (returned.length === 0) return [];
  const indices = matchUnprocessed(todo, returned);
  return indices === undefined ? todo : indices.map((i) => todo[i] as Pending<T>);
}
