/**
 * BatchWriteItem bodies, built by hand from each item's JSON (stringified once per batch and
 * reused by every resend and bisection), and the matching of UnprocessedItems back to the
 * entries they came from.
 *
 * Items are already DynamoDB JSON (src/mapping/attribute-value.ts), so the body is plain
 * concatenation: as fast as one JSON.stringify of the whole request (bench/ddb-write.ts).
 */
import { DEFAULTS } from '../config/defaults.js';
import type { AttributeValue, Item } from '../mapping/attribute-value.js';
import { parseObject, tableList } from './response-body.js';
import type { BatchExchange } from './retry-loop.js';

/** `{"RequestItems":{"<table>":[` */
export function batchBodyPrefix(table: string): string {
  return `{"RequestItems":{${JSON.stringify(table)}:[`;
}

const PUT_OPEN = '{"PutRequest":{"Item":';
const PUT_CLOSE = '}}';
const BODY_CLOSE = ']}}';

/** The body for `itemJsons` (each `JSON.stringify(item)`), as UTF-8 bytes. */
export function buildBatchBody(prefix: string, itemJsons: readonly string[]): Buffer {
  let s = prefix;
  for (let i = 0; i < itemJsons.length; i++) {
    if (i > 0) s += ',';
    s += PUT_OPEN + (itemJsons[i] as string) + PUT_CLOSE;
  }
  return Buffer.from(s + BODY_CLOSE, 'utf8');
}

/** The shape of `JSON.stringify({RequestItems: {[table]: items.map(Item => ({PutRequest: {Item}}))}})`. */
export function buildBatchBodyFromItems(table: string, items: readonly Item[]): Buffer {
  return buildBatchBody(batchBodyPrefix(table), items.map((item) => JSON.stringify(item)));
}

/** A BatchWriteItem exchange (puts or deletes): the operation and its size limit around the caller's parts. */
export function batchWriteExchange<P>(table: string, verb: string, parts: Pick<BatchExchange<P>, 'body' | 'before' | 'accept' | 'fail'>): BatchExchange<P> {
  return { operation: 'BatchWriteItem', table, verb, maxBodyBytes: DEFAULTS.dynamodb.maxBatchBytes, ...parts };
}

/** What DynamoDB answers when every put was applied. */
export const ALL_PROCESSED_BODY = '{"UnprocessedItems":{}}';

/**
 * The raw unprocessed write requests of `table` in a 200 BatchWriteItem answer (PutRequest or
 * DeleteRequest entries), [] when all were applied, undefined when the body is not such an answer.
 */
export function unprocessedRequests(body: string, table: string): unknown[] | undefined {
  if (body === ALL_PROCESSED_BODY) return [];
  const parsed = parseObject(body);
  return parsed === undefined ? undefined : tableList(parsed.UnprocessedItems, table);
}

/**
 * The unprocessed puts of `table` in a 200 response, or undefined when the body is not a
 * BatchWriteItem response at all.
 */
export function unprocessedItems(body: string, table: string): unknown[] | undefined {
  const list = unprocessedRequests(body, table);
  if (list === undefined) return undefined;
  const items: unknown[] = [];
  for (const request of list) {
    const item = (request as { PutRequest?: { Item?: unknown } } | null)?.PutRequest?.Item;
    if (item === undefined) return undefined;
    items.push(item);
  }
  return items;
}

/**
 * Indices into `sent` of the items in `returned`, or undefined when one of them matches no
 * sent item (then the caller resends everything: puts are idempotent). DynamoDB may reorder
 * attributes, so the cheap string comparison is backed by an order-insensitive one. Items in
 * one batch have distinct keys, hence are distinct: a match is never ambiguous.
 */
export function matchUnprocessed(sent: readonly { readonly item: Item; readonly json: string }[], returned: readonly unknown[]): number[] | undefined {
  if (returned.length > sent.length) return undefined;
  const taken = new Uint8Array(sent.length);
  const out: number[] = [];
  for (const candidate of returned) {
    const json = JSON.stringify(candidate);
    let found = -1;
    for (let i = 0; i < sent.length && found < 0; i++) if (taken[i] === 0 && (sent[i] as { json: string }).json === json) found = i;
    for (let i = 0; i < sent.length && found < 0; i++) if (taken[i] === 0 && sameValue({ M: (sent[i] as { item: Item }).item }, { M: candidate })) found = i;
    if (found < 0) return undefined;
    taken[found] = 1;
    out.push(found);
  }
  return out;
}

const SET_TYPES = new Set(['SS', 'NS', 'BS']);

/** Deep equality of two AttributeValues; map attribute order and set member order do not matter. */
export function sameValue(a: AttributeValue | { M: unknown }, b: unknown): boolean {
  if (typeof b !== 'object' || b === null) return false;
  const typeA = Object.keys(a)[0];
  const keysB = Object.keys(b);
  if (typeA === undefined || keysB.length !== 1 || keysB[0] !== typeA) return false;
  const va = (a as Record<string, unknown>)[typeA];
  const vb = (b as Record<string, unknown>)[typeA];
  if (typeA === 'M') {
    if (typeof va !== 'object' || va === null || typeof vb !== 'object' || vb === null) return false;
    const ka = Object.keys(va);
    if (ka.length !== Object.keys(vb).length) return false;
    for (const k of ka) {
      if (!Object.hasOwn(vb, k)) return false;
      if (!sameValue((va as Record<string, AttributeValue>)[k] as AttributeValue, (vb as Record<string, unknown>)[k])) return false;
    }
    return true;
  }
  if (typeA === 'L') {
    if (!Array.isArray(va) || !Array.isArray(vb) || va.length !== vb.length) return false;
    return va.every((el: AttributeValue, i) => sameValue(el, vb[i]));
  }
  if (SET_TYPES.has(typeA)) {
    if (!Array.isArray(va) || !Array.isArray(vb) || va.length !== vb.length) return false;
    const members = new Set<unknown>(va);
    return vb.every((m) => members.has(m));
  }
  return va === vb;
}
