/**
 * One page of rows → DynamoDB: convert each row, dead-letter what cannot be converted, write the
 * rest in BatchWriteItem batches with a bounded number in flight, and say how it ended.
 * Every row read ends as written, dead-lettered, or (when retries run out) left for the range's
 * next attempt: the caller then does not move the checkpoint past the page.
 */
import { DEFAULTS } from '../config/defaults.js';
import { toJsonSafe, type DeadLetter } from '../engine/dead-letters.js';
import type { TaskContext } from '../engine/worker-runtime.js';
import { ErrorCode, isErrorCode, plainError, type PlainError } from '../errors.js';
import type { RowConverter, SourceRow } from '../mapping/row-converter.js';
import type { ItemSink, WriteEntry } from './sink.js';
import type { MigrateJob, MigrateWorkerData } from './task.js';

export const MAX_BATCH_ITEMS = DEFAULTS.dynamodb.maxBatchItems;

export interface PageOutcome {
  /** Token of the page's last row (decimal), if the page had rows. */
  readonly lastToken?: string;
  /** A failure that ends the job (auth, missing table…). */
  readonly fatal?: PlainError;
  /** Items whose retries ran out: the range stays pending before this page. */
  readonly incomplete?: PlainError;
}

export interface PageWriterOptions {
  readonly config: MigrateWorkerData;
  readonly convert: RowConverter;
  readonly sink: ItemSink;
  /** The task's reporting side (counters, latencies, dead letters). */
  readonly reporter: Pick<TaskContext<MigrateJob, unknown>, 'add' | 'record' | 'send'>;
  readonly rangeId: string;
}

export class PageWriter {
  private readonly keyColumns: string[];
  private readonly keyAttrs: string[];

  constructor(private readonly o: PageWriterOptions) {
    const spec = o.config.tableSpec;
    this.keyColumns = [...spec.partitionKeys, ...spec.clusteringKeys].map((c) => c.name);
    const ks = o.convert.keySchema;
    this.keyAttrs = ks.rangeKey === null ? [ks.hashKey.name] : [ks.hashKey.name, ks.rangeKey.name];
  }

  async handle(rows: readonly SourceRow[]): Promise<PageOutcome> {
    const { reporter, config } = this.o;
    const letters: DeadLetter[] = [];
    const entries: Array<WriteEntry<SourceRow>> = [];
    for (const row of rows) {
      const started = performance.now();
      const result = this.o.convert(row);
      reporter.record('convert', (performance.now() - started) * 1000);
      if (result.ok) {
        const key = this.keyAttrs.length === 1
          ? JSON.stringify(result.item[this.keyAttrs[0] as string])
          : JSON.stringify([result.item[this.keyAttrs[0] as string], result.item[this.keyAttrs[1] as string]]);
        entries.push({ key, item: result.item, ref: row, wcu: result.wcu });
      } else {
        letters.push(this.letter(row, result.reason.code, result.reason.message, result.reason.column));
      }
    }
    const last = rows.at(-1);
    const lastToken = last === undefined ? undefined : String(last[config.tokenAlias]);

    let fatal: PlainError | undefined;
    let incomplete: PlainError | undefined;
    const batches: Array<Array<WriteEntry<SourceRow>>> = [];
    for (let i = 0; i < entries.length; i += MAX_BATCH_ITEMS) batches.push(entries.slice(i, i + MAX_BATCH_ITEMS));
    let next = 0;
    let written = 0;
    let merged = 0;
    const lane = async (): Promise<void> => {
      while (fatal === undefined) {
        const batch = batches[next++];
        if (batch === undefined) return;
        const outcome = await this.o.sink.write(batch);
        written += outcome.written;
        merged += outcome.merged;
        // requests and throttledRequests are counted by the sink's onResponse, as each answer
        // arrives (workers/migrate-worker.ts): the adaptive rate must hear of a throttle when
        // DynamoDB says it, not when the batch is done with its backoffs seconds later.
        reporter.add('retries', outcome.retries);
        reporter.add('unprocessedRetries', outcome.unprocessedRetries);
        reporter.add('writeUnits', outcome.writeUnits);
        // Resends of the batch each item was in (throttles, unprocessed items, errors).
        const resends = outcome.retries + outcome.unprocessedRetries;
        reporter.record('retries-per-item', resends, batch.length);
        for (const f of outcome.failed) {
          // Retries ran out (or the client closed): the rows stay pending, the range is retried later.
          if (f.retryable) incomplete ??= plainError(isErrorCode(f.code) ? f.code : ErrorCode.RETRIES_EXHAUSTED, f.message, undefined, true);
          else letters.push(this.letter(f.ref, f.code, f.message));
        }
        if (outcome.fatal !== undefined) fatal = outcome.fatal;
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.inFlightBatches, batches.length) }, lane));
    // A page counts when it settles: every row written or dead-lettered. A page that did not
    // (a write out of retries, a fatal error) is read again from the range's last position by the
    // retry or by --resume, so its rows are counted then, once, and its dead letters written
    // once; the requests, resends and write units it cost are counted above all the same.
    if (fatal === undefined && incomplete === undefined) {
      reporter.add('rowsRead', rows.length);
      reporter.add('itemsWritten', written);
      reporter.add('merged', merged);
      if (letters.length > 0) {
        reporter.add('deadLetters', letters.length);
        // Out before the position that moves past them (one port: ordered).
        reporter.send({ type: 'dead-letters', letters });
      }
    }
    return {
      ...(lastToken === undefined ? {} : { lastToken }),
      ...(fatal === undefined ? {} : { fatal }),
      ...(incomplete === undefined ? {} : { incomplete }),
    };
  }

  private letter(row: SourceRow, reason: string, message: string, column?: string): DeadLetter {
    const key: Record<string, unknown> = {};
    for (const c of this.keyColumns) key[c] = toJsonSafe(row[c]);
    const all: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (k !== this.o.config.tokenAlias) all[k] = toJsonSafe(v);
    return {
      key,
      reason,
      message,
      ...(column === undefined || column === '' ? {} : { column }),
      range: this.o.rangeId,
      row: all,
    };
  }
}
