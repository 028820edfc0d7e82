/**
 * migrate worker: copies token ranges from Cassandra to DynamoDB.
 *
 *   task {kind: 'range', range; cursor: the token it resumes after}
 *     └─▶ SELECT token(pk), cols WHERE token(pk) > ? AND token(pk) <= ?   (paged, next page prefetched,
 *           │                                                         on a replica of the range)
 *           └─▶ row converter (mapping) ──▶ dead letters (reason) ──▶ port
 *                 └─▶ BatchWriteItem ≤ 25 items, ≤ inFlightBatches in flight (the worker's keep-alive client)
 *   rate slots (SharedArrayBuffer) ──▶ token bucket before each BatchWriteItem (this worker's share)
 *   port ◀── counters + histograms (page-fetch, convert, batch-write, retries) every progressIntervalMs
 *   port ◀── dead letters, then position(last token − 1) after each fully handled page
 *   result ◀── done | stopped (stop) | failed (plain error with a code)
 *
 * The Cassandra client and the DynamoDB client are opened when the worker starts (a failure
 * fails the job once, at start) and kept for its life; the shutdown broadcast closes them.
 */
import type cassandra from 'cassandra-driver';
import { connect } from '../src/cassandra/client.js';
import type { DynamoDbHttpClient } from '../src/dynamodb/http-client.js';
import { openTargetHttpClient } from '../src/dynamodb/target.js';
import type { PlainError } from '../src/errors.js';
import { rateUnit, workerShare } from '../src/engine/rate-slots.js';
import { TokenBucket } from '../src/engine/token-bucket.js';
import { DONE, STOPPED, defineWorker, failed, microsSince, type TaskContext, type TaskOutcome } from '../src/engine/worker-runtime.js';
import { cursorAfter, rangePages } from '../src/job/table-job.js';
import { compileRowConverter, type RowConverter } from '../src/mapping/row-converter.js';
import { PageWriter } from '../src/migrate/page-writer.js';
import { itemSink } from '../src/migrate/sink.js';
import type { MigrateJob, MigrateTask, MigrateWorkerData } from '../src/migrate/task.js';

interface Resources {
  readonly config: MigrateWorkerData;
  readonly convert: RowConverter;
  readonly cassandra: cassandra.Client;
  readonly dynamo: DynamoDbHttpClient;
  /** One bucket per worker: its tasks share the worker's share of the job's rate. */
  readonly bucket: TokenBucket;
}

async function copyRange(task: MigrateTask, ctx: TaskContext<MigrateJob, Resources>): Promise<TaskOutcome> {
  const { config, convert, bucket } = ctx.resources;
  const { range } = task;
  const started = performance.now();
  const byItems = rateUnit(config.rateSlots) === 'items';
  const sink = itemSink(ctx.resources.dynamo, config.target, {
    beforeRequest: async (items, units) => {
      const waited = await bucket.take(byItems ? items : units);
      if (waited > 0) ctx.add('rateWaitMs', waited);
    },
    onResponse: (info) => {
      // Counted here, per answer, not per finished batch (see PageWriter).
      ctx.add('requests');
      if (info.throttled) ctx.add('throttledRequests');
      if (info.status !== 0) ctx.record('batch-write', info.latencyMicros);
    },
  });
  const writer = new PageWriter({ config, convert, sink, reporter: ctx, rangeId: range.id });
  const pages = rangePages(ctx.resources.cassandra, config, range, ctx.cursor, (micros) => ctx.record('page-fetch', micros));
  let outcome: TaskOutcome = DONE;
  for await (const page of pages) {
    ctx.add('pages');
    const written = await writer.handle(page.rows);
    const failure: PlainError | undefined = written.fatal ?? written.incomplete;
    if (failure !== undefined) {
      outcome = failed(failure);
      break;
    }
    if (!page.more) break;
    if (written.lastToken !== undefined) ctx.position(cursorAfter(written.lastToken));
    await ctx.failpoint('migrate.page-written');
    if (ctx.signal.aborted) {
      outcome = STOPPED;
      break;
    }
  }
  ctx.record('range', microsSince(started));
  return outcome;
}

export default defineWorker<MigrateJob, MigrateWorkerData, Resources>({
  async open(config) {
    const convert = compileRowConverter(config.tableSpec, config.mapping);
    const bucket = new TokenBucket(() => workerShare(config.rateSlots));
    const client = await connect(config.connection, config.keyspace);
    try {
      return { config, convert, cassandra: client, dynamo: await openTargetHttpClient(config.target), bucket };
    } catch (error) {
      await client.shutdown();
      throw error;
    }
  },
  async close(r) {
    await Promise.allSettled([r.cassandra.shutdown(), r.dynamo.close()]);
  },
  handlers: { range: copyRange },
});
