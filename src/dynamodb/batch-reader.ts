/**
 * Reads one batch of ≤ 100 keys with BatchGetItem and accounts for every key: found, missing
 * (`item: undefined`), or failed with a reason. A key that could not be read is never reported
 * missing: verify must not call a copy wrong because DynamoDB was busy. Only a failure that
 * dooms every later batch (no table, bad credentials, closed client) throws.
 *
 *   keys ─ pick key attributes ─ group equal keys ─┬─ 200 ─ match items by key ─▶ found / missing
 *                                                  ├─ 200 + UnprocessedKeys ─ backoff, resend those
 *                                                  ├─ throttled / 5xx / network ─ backoff, resend all
 *                                                  ├─ key rejected (400 Validation) ─ bisect ─▶ failed
 *                                                  ├─ retries used up ───────────▶ failed RETRIES_EXHAUSTED
 *                                                  └─ fatal ─────────────────────▶ throw ToolError
 *
 * DynamoDB returns items in any order and spells numbers its own way, so items are matched to
 * keys by key identity (key-match.ts); a response that holds an item no requested key matches
 * is treated as unreadable and resent. Responses over 16 MB come back partly as UnprocessedKeys.
 */
import { ErrorCode } from '../errors.js';
import type { Item } from '../mapping/attribute-value.js';
import { checkKeyAttributes, groupKeys, keyIdentity, type KeyGroup } from './key-match.js';
import { parseObject, tableList } from './response-body.js';
import { LoopClient, newCounters, sendBatch, type BatchExchange, type FailedEntry, type LoopOptions } from './retry-loop.js';

/** BatchGetItem service limit. */
export const MAX_BATCH_GET_KEYS = 100;

export interface KeyRequest<T> {
  /** The key, or a whole item: only the key attributes are sent. */
  readonly key: Item;
  /** Caller's handle, returned with the item or the failure. */
  readonly ref: T;
}

export interface ReadResult<T> {
  readonly ref: T;
  /** Undefined when the table holds no item with this key. */
  readonly item: Item | undefined;
}

/** `keys.length === found.length + failed.length` always holds. */
export interface ReadOutcome<T> {
  /** Every key that was read, in request order; refs naming the same key share one item. */
  readonly found: ReadResult<T>[];
  /** Keys that could not be read (invalid, refused, or unprocessed after maxRetries); not in `found`. */
  readonly failed: FailedEntry<T>[];
  /** HTTP requests sent (first sends, resends and bisection halves). */
  readonly requests: number;
  /** Requests answered with a throttle: wholly (HTTP 400) or partly (UnprocessedKeys). */
  readonly throttledRequests: number;
  /** Resends of UnprocessedKeys. */
  readonly unprocessedRetries: number;
  /** Resends after a throttle, 5xx or network error. */
  readonly retries: number;
}

/** `beforeRequest` is passed the request's key count. */
export interface BatchReaderOptions extends LoopOptions<[keyCount: number]> {
  /** The table's key attribute names (hash, then range); getItems may name others per call. */
  readonly keyAttributes?: readonly string[];
  /** Strongly consistent reads by default; getItems may say otherwise per call. */
  readonly consistentRead?: boolean;
}

export interface GetItemsOptions {
  readonly consistentRead?: boolean;
  readonly keyAttributes?: readonly string[];
}

/** A distinct key being read, and what became of it. */
interface Pending extends KeyGroup {
  item: Item | undefined;
  failure: { readonly code: FailedEntry<unknown>['code']; readonly message: string } | undefined;
}

export class BatchReader extends LoopClient<BatchReaderOptions> {
  /** Reads up to 100 keys from `table`. Throws a ToolError only for fatal failures. */
  async getItems<T>(table: string, keys: readonly KeyRequest<T>[], options: GetItemsOptions = {}): Promise<ReadOutcome<T>> {
    if (keys.length > MAX_BATCH_GET_KEYS) throw new RangeError(`getItems takes at most ${MAX_BATCH_GET_KEYS} keys, got ${keys.length}`);
    const keyAttributes = checkKeyAttributes(options.keyAttributes ?? this.options.keyAttributes, 'BatchReader');
    const consistentRead = options.consistentRead ?? this.options.consistentRead ?? false;

    const { groups, invalid } = groupKeys(keys, keyAttributes);
    const pending = groups.map((g): Pending => ({ ...g, item: undefined, failure: undefined }));
    const counters = newCounters();
    if (pending.length > 0) await sendBatch(this.ctx, this.exchange(table, keyAttributes, consistentRead), counters, pending);

    // Back to one entry per request, in request order.
    const outcomeOf: (Pending | string)[] = new Array(keys.length);
    for (const p of pending) for (const i of p.members) outcomeOf[i] = p;
    for (const bad of invalid) outcomeOf[bad.index] = bad.message;
    const found: ReadResult<T>[] = [];
    const failed: FailedEntry<T>[] = [];
    for (let i = 0; i < keys.length; i++) {
      const ref = (keys[i] as KeyRequest<T>).ref;
      const o = outcomeOf[i] as Pending | string;
      if (typeof o === 'string') failed.push({ ref, code: ErrorCode.DYNAMODB_VALIDATION, message: o });
      else if (o.failure !== undefined) failed.push({ ref, ...o.failure });
      else found.push({ ref, item: o.item });
    }
    return { found, failed, ...counters };
  }

  private exchange(table: string, keyAttributes: readonly string[], consistentRead: boolean): BatchExchange<Pending> {
    const prefix = `{"RequestItems":{${JSON.stringify(table)}:{"Keys":[`;
    const suffix = consistentRead ? '],"ConsistentRead":true}}}' : ']}}}';
    const hook = this.options.beforeRequest;
    return {
      operation: 'BatchGetItem',
      table,
      verb: 'read',
      body: (todo) => Buffer.from(prefix + todo.map((p) => p.json).join(',') + suffix, 'utf8'),
      before: hook === undefined ? undefined : (todo) => hook(todo.length),
      accept: (body, todo) => acceptGet(body, table, keyAttributes, todo),
      fail: (p, code, message) => void (p.failure = { code, message }),
    };
  }
}

/**
 * Records the items of a 200 BatchGetItem answer and returns the keys left unprocessed; keys in
 * neither list are missing. Undefined, recording nothing, when the answer cannot be read.
 */
function acceptGet(body: string, table: string, keyAttributes: readonly string[], todo: readonly Pending[]): Pending[] | undefined {
  const parsed = parseObject(body);
  if (parsed === undefined) return undefined;
  const items = tableList(parsed.Responses, table);
  const unprocessedKeys = tableList(parsed.UnprocessedKeys, table, 'Keys');
  if (items === undefined || unprocessedKeys === undefined) return undefined;

  const byId = new Map<string, Pending>();
  for (const p of todo) byId.set(p.id, p);
  const matched: [Pending, Item][] = [];
  for (const item of items) {
    const id = keyIdentity(item, keyAttributes);
    const p = typeof id === 'string' ? byId.get(id) : undefined;
    if (p === undefined) return undefined;
    matched.push([p, item as Item]);
  }
  let left: Pending[] = [];
  for (const key of unprocessedKeys) {
    const id = keyIdentity(key, keyAttributes);
    const p = typeof id === 'string' ? byId.get(id) : undefined;
    if (p === undefined) {
      // A key we cannot place: resend every key not returned (reads are idempotent).
      const got = new Set(matched.map(([m]) => m));
      left = todo.filter((q) => !got.has(q));
      break;
    }
    if (!left.includes(p)) left.push(p);
  }
  for (const [p, item] of matched) p.item = item;
  return left;
}

