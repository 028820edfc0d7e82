/**
 * Deletes one batch of ≤ 25 keys with BatchWriteItem DeleteRequests and accounts for every
 * key: deleted or failed with a reason. Same loop as the writer (retry-loop.ts): unprocessed
 * keys resent with backoff, throttles / 5xx / network resent whole, a refused batch bisected
 * down to the keys to blame; only a fatal failure (no table, bad credentials) throws.
 *
 *   keys ─ pick key attributes ─ group equal keys ─ JSON once ─ sendBatch ─▶ deleted / failed
 *
 * Requests naming the same key are sent once and share its outcome (DynamoDB refuses a batch
 * that names a key twice). A DeleteRequest does not say whether the item existed: `deleted`
 * counts keys that are now absent.
 */
import { DEFAULTS } from '../config/defaults.js';
import { ErrorCode } from '../errors.js';
import type { Item } from '../mapping/attribute-value.js';
import { batchBodyPrefix, batchWriteExchange, unprocessedRequests } from './batch-body.js';
import { checkKeyAttributes, groupKeys, keyIdentity, type KeyGroup } from './key-match.js';
import { LoopClient, newCounters, sendBatch, type BatchExchange, type FailedEntry, type LoopOptions } from './retry-loop.js';

export interface DeleteEntry<T> {
  /** The key, or a whole item: only the key attributes are sent. */
  readonly key: Item;
  /** Caller's handle, returned with a failure. */
  readonly ref: T;
}

/** `entries.length === deleted + failed.length` always holds. */
export interface DeleteOutcome<T> {
  readonly deleted: number;
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

/** `beforeRequest` is passed the request's key count. */
export interface BatchDeleterOptions extends LoopOptions<[keyCount: number]> {
  /** The table's key attribute names (hash, then range); deleteBatch may name others per call. */
  readonly keyAttributes?: readonly string[];
}

interface Tally<T> {
  deleted: number;
  failed: FailedEntry<T>[];
}

const DELETE_OPEN = '{"DeleteRequest":{"Key":';
const DELETE_CLOSE = '}}';

export class BatchDeleter extends LoopClient<BatchDeleterOptions> {
  /** Deletes up to 25 keys from `table`. Throws a ToolError only for fatal failures. */
  async deleteBatch<T>(table: string, entries: readonly DeleteEntry<T>[], options: { readonly keyAttributes?: readonly string[] } = {}): Promise<DeleteOutcome<T>> {
    if (entries.length > DEFAULTS.dynamodb.maxBatchItems) {
      throw new RangeError(`deleteBatch takes at most ${DEFAULTS.dynamodb.maxBatchItems} entries, got ${entries.length}`);
    }
    const keyAttributes = checkKeyAttributes(options.keyAttributes ?? this.options.keyAttributes, 'BatchDeleter');
    const { groups, invalid } = groupKeys(entries, keyAttributes);
    const tally: Tally<T> = { deleted: 0, failed: [] };
    for (const bad of invalid) tally.failed.push({ ref: (entries[bad.index] as DeleteEntry<T>).ref, code: ErrorCode.DYNAMODB_VALIDATION, message: bad.message });
    const counters = newCounters();
    if (groups.length > 0) await sendBatch(this.ctx, this.exchange(table, keyAttributes, entries, tally), counters, groups);
    return { ...tally, ...counters };
  }

  private exchange<T>(table: string, keyAttributes: readonly string[], entries: readonly DeleteEntry<T>[], tally: Tally<T>): BatchExchange<KeyGroup> {
    const prefix = batchBodyPrefix(table);
    const hook = this.options.beforeRequest;
    return batchWriteExchange(table, 'deleted', {
      body: (todo) => Buffer.from(`${prefix}${todo.map((g) => DELETE_OPEN + g.json + DELETE_CLOSE).join(',')}]}}`, 'utf8'),
      before: hook === undefined ? undefined : (todo) => hook(todo.length),
      accept: (body, todo) => {
        const left = unprocessedDeletes(body, table, keyAttributes, todo);
        if (left !== undefined) {
          const still = new Set(left);
          for (const g of todo) if (!still.has(g)) tally.deleted += g.members.length;
        }
        return left;
      },
      fail: (g, code, message) => {
        for (const i of g.members) tally.failed.push({ ref: (entries[i] as DeleteEntry<T>).ref, code, message });
      },
    });
  }
}

/**
 * The keys of `todo` a 200 BatchWriteItem answer left unprocessed: all of `todo` when one of
 * them cannot be placed (deletes are idempotent), undefined when the answer cannot be read.
 */
function unprocessedDeletes(body: string, table: string, keyAttributes: readonly string[], todo: readonly KeyGroup[]): readonly KeyGroup[] | undefined {
  const list = unprocessedRequests(body, table);
  if (list === undefined) return undefined;
  if (list.length === 0) return [];

  const byId = new Map<string, KeyGroup>();
  for (const g of todo) byId.set(g.id, g);
  const left: KeyGroup[] = [];
  for (const request of list as unknown[]) {
    const key = (request as { DeleteRequest?: { Key?: unknown } } | null)?.DeleteRequest?.Key;
    if (key === undefined) return undefined;
    const id = keyIdentity(key, keyAttributes);
    const g = typeof id === 'string' ? byId.get(id) : undefined;
    if (g === undefined) return todo;
    if (!left.includes(g)) left.push(g);
  }
  return left;
}
