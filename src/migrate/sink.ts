/**
 * Where converted items go: the interface the page writer depends on, and the DynamoDB
 * implementation over the lean BatchWriteItem path (src/dynamodb).
 */
import { toPlainError, type PlainError } from '../errors.js';
import { BatchWriter, type BatchWriterOptions } from '../dynamodb/batch-writer.js';
import { openDynamoDbHttpClient, type DynamoDbHttpClient } from '../dynamodb/http-client.js';
import type { Item } from '../mapping/attribute-value.js';
import type { DynamoTargetConfig } from './task.js';

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
  close(): Promise<void>;
}

/** Item-level failures that can succeed on a later attempt: the rows stay pending. */
const RETRY_LATER = new Set<string>(['RETRIES_EXHAUSTED', 'DYNAMODB_CLIENT_CLOSED']);

export interface SinkHooks {
  readonly beforeRequest?: BatchWriterOptions['beforeRequest'];
  readonly onResponse?: BatchWriterOptions['onResponse'];
}

/**
 * The DynamoDB sink: a keep-alive client opened on first use, and a BatchWriter over it.
 * Fatal failures (missing table, credentials) come back as `fatal`, never as a throw.
 */
export function openItemSink(target: DynamoTargetConfig, hooks: SinkHooks = {}): ItemSink {
  let opened: Promise<{ client: DynamoDbHttpClient; writer: BatchWriter }> | undefined;
  const open = () => {
    opened ??= openDynamoDbHttpClient({
      ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
      region: target.region,
      ...(target.profile === undefined ? {} : { profile: target.profile }),
      connections: target.connections,
      requestTimeoutMs: target.requestTimeoutMs,
    }).then((client) => ({
      client,
      writer: new BatchWriter(client, {
        maxRetries: target.maxRetries,
        ...(hooks.beforeRequest === undefined ? {} : { beforeRequest: hooks.beforeRequest }),
        ...(hooks.onResponse === undefined ? {} : { onResponse: hooks.onResponse }),
      }),
    }));
    return opened;
  };
  return {
    async write<T>(batch: ReadonlyArray<WriteEntry<T>>): Promise<WriteOutcome<T>> {
      try {
        const { writer } = await open();
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
        opened = undefined;
        return {
          written: 0, merged: 0, failed: [], fatal: toPlainError(error),
          requests: 0, retries: 0, throttledRequests: 0, unprocessedRetries: 0, writeUnits: 0,
        };
      }
    },
    async close(): Promise<void> {
      if (opened === undefined) return;
      const { client } = await opened.catch(() => ({ client: undefined }));
      await client?.close();
    },
  };
}
