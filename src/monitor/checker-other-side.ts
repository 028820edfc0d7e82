/**
 * The table a monitor checks changes against, as the checker sees it: one call for any number of
 * keys, items back in key order. In production a BatchReader over the worker's keep-alive client,
 * split into BatchGetItem chunks of 100 read by a few lanes at once, with strongly consistent
 * reads (an eventually consistent read could miss a write the replicator just made and call it
 * lagging or missing).
 */
import { MAX_BATCH_GET_KEYS, type BatchReader, type KeyRequest } from '../dynamodb/batch-reader.js';
import type { AttributeValue, Item } from '../mapping/attribute-value.js';

export interface OtherSideRead {
  /** In the order of the keys asked for; undefined: no such item (or, at an index in `unread`, not read). */
  readonly items: Array<Item | undefined>;
  /** Keys that could not be read (refused, or throttled through every retry). */
  readonly failed: number;
  /** Indices of those keys; absent: none (an OtherSide that never fails may leave it out). */
  readonly unread?: readonly number[];
  readonly requests: number;
  readonly retries: number;
  readonly throttledRequests: number;
  readonly unprocessedRetries: number;
}

export interface OtherSide {
  get(keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<OtherSideRead>;
}

export function otherSideOf(reader: Pick<BatchReader, 'getItems'>, table: string, keyAttributes: readonly string[], inFlight: number): OtherSide {
  const lanes = Math.max(1, Math.floor(inFlight));
  return {
    async get(keys) {
      const items: Array<Item | undefined> = new Array<Item | undefined>(keys.length).fill(undefined);
      const unread: number[] = [];
      let requests = 0;
      let retries = 0;
      let throttledRequests = 0;
      let unprocessedRetries = 0;
      const chunks: Array<Array<KeyRequest<number>>> = [];
      for (let i = 0; i < keys.length; i += MAX_BATCH_GET_KEYS) {
        chunks.push(keys.slice(i, i + MAX_BATCH_GET_KEYS).map((key, j) => ({ key: key as Item, ref: i + j })));
      }
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
          const out = await reader.getItems(table, chunk, { consistentRead: true, keyAttributes });
          requests += out.requests;
          retries += out.retries;
          throttledRequests += out.throttledRequests;
          unprocessedRetries += out.unprocessedRetries;
          for (const { ref, item } of out.found) items[ref] = item;
          for (const f of out.failed) unread.push(f.ref);
        }
      };
      await Promise.all(Array.from({ length: Math.min(lanes, chunks.length) }, lane));
      unread.sort((a, b) => a - b);
      return { items, failed: unread.length, unread, requests, retries, throttledRequests, unprocessedRetries };
    },
  };
}
