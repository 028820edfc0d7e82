/**
 * Where converted items go: the interface the page writer depends on, and the DynamoDB
 * implementation over the lean BatchWriteItem path (src/dynamodb).
 */
import { toPlainError, type PlainError } from '../errors.js';
import { BatchWriter, type BatchWriterOptions } from '../dynamodb/batch-writer.js';
import type { DynamoDbHttpClient } from '../dynamodb/http-client.js';
import type { DynamoTargetConfig } from '../dynamodb/target.js';
import type { Item } from '../mapping/attribute-value.js';

export interface WriteEntry<T> {
  /** Key attributes as a string: entries with the same key in one batch are merged. */
  readonly key: string;
  readonly item: Item;
  readonly ref: T;
  readonly wcu: number;
}

export interface WriteOutcome<T> {
  /** Rows whose item was put (merged duplicates count: their last version was written). */
  readonly written: number;
  readonly merged: number;
  readonly failed: ReadonlyArray<{ readonly ref: T; readonly code: string; readonly message: string; readonly retryable: boolean }>;
  readonly fatal?: PlainError;
  readonly requests: number;
  readonly retries: number;
  readonly throttledRequests: number;
  readonly unprocessedRetries: number;
  readonly writeUnits: number;
}

export interface ItemSink {
  write<T>(batch: ReadonlyArray<WriteEntry<T>>): Promise<WriteOutcome<T>>;
}

/** Item-level failures that can succeed on a later attempt: the rows stay pending. */
const RETRY_LATER = new Set<string>(['RETRIES_EXHAUSTED', 'DYNAMODB_CLIENT_CLOSED']);

export interface SinkHooks {
  readonly beforeRequest?: BatchWriterOptions['beforeRequest'];
  readonly onResponse?: BatchWriterOptions['onResponse'];
}

/**
 * The DynamoDB sink of one task: a BatchWriter with the task's hooks over the keep-alive client
 * its worker owns (one client per worker, however many tasks it runs). Fatal failures (missing
 * table, credentials) come back as `fatal`, never as a throw.
 */
export function itemSink(client: DynamoDbHttpClient, target: DynamoTargetConfig, hooks: SinkHooks = {}): ItemSink {
  const writer = new BatchWriter(client, {
    maxRetries: target.maxRetries,
    ...(hooks.beforeRequest === undefined ? {} : { beforeRequest: hooks.beforeRequest }),
    ...(hooks.onResponse === undefined ? {} : { onResponse: hooks.onResponse }),
  });
  return {
    async write<T>(batch: ReadonlyArray<WriteEntry<T>>): Promise<WriteOutcome<T>> {
      try {
        const out = await writer.writeBatch(target.table, batch.map((e) => ({ key: e.key, item: e.item, ref: e.ref, units: e.wcu })));
        const failedRefs = new Set<unknown>(out.failed.map((f) => f.ref));
        let writeUnits = 0;
        for (const e of batch) if (!failedRefs.has(e.ref)) writeUnits += e.wcu;
        return {
          written: out.written + out.merged,
          merged: out.merged,
          failed: out.failed.map((f) => ({ ref: f.ref, code: f.code, message: f.message, retryable: RETRY_LATER.has(f.code) })),
          requests: out.requests,
          retries: out.retries,
          throttledRequests: out.throttledRequests,
          unprocessedRetries: out.unprocessedRetries,
          writeUnits,
        };
      } catch (error) {
        return {
          written: 0, merged: 0, failed: [], fatal: toPlainError(error),
          requests: 0, retries: 0, throttledRequests: 0, unprocessedRetries: 0, writeUnits: 0,
        };
      }
    },
  };
}
