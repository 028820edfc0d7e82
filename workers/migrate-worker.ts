/**
 * migrate worker: copies token ranges from Cassandra to DynamoDB.
 *
 *   task {range (start|resumeAfter, end], port}
 *     └─▶ SELECT token(pk), cols WHERE token(pk) > ? AND token(pk) <= ?   (paged, next page prefetched,
 *           │                                                         on a replica of the range)
 *           └─▶ row converter (mapping) ──▶ dead letters (reason) ──▶ port
 *                 └─▶ BatchWriteItem ≤ 25 items, ≤ inFlightBatches in flight (own keep-alive writer)
 *   rate slots (SharedArrayBuffer) ──▶ token bucket before each BatchWriteItem (this worker's share)
 *   port ◀── counters + histograms (page-fetch, convert, batch-write, retries) every progressIntervalMs
 *   port ◀── dead letters, then position(resumeAfter) after each fully handled page
 *   result ◀── done | stopped (stop broadcast) | failed (plain error with a code)
 *
 * The Cassandra client and the DynamoDB writer are opened by the first task and kept for the
 * worker's life; the shutdown broadcast closes them.
 */
import type { MessagePort } from 'node:worker_threads';
import { connect } from '../src/cassandra/client.js';
import { readRange } from '../src/cassandra/range-reader.js';
import { toPlainError, type PlainError } from '../src/errors.js';
import { getWorkerData, isStopping, lazyResource, listenForShutdown, onShutdown, TaskReporter } from '../src/engine/worker-runtime.js';
import type { TaskResult } from '../src/engine/protocol.js';
import { compileRowConverter } from '../src/mapping/row-converter.js';
import type { MigrateCounter, MigratePhase, MigrateTask, MigrateTaskDone, MigrateWorkerData } from '../src/migrate/task.js';
import { openItemSink, type ItemSink } from '../src/migrate/sink.js';
import { PageWriter } from '../src/migrate/page-writer.js';
import { TokenBucket } from '../src/engine/token-bucket.js';
import { ACTIVE_WORKERS, rateUnit, workerShare } from '../src/engine/rate-slots.js';

listenForShutdown();
const config = getWorkerData<MigrateWorkerData>().data;
const convert = compileRowConverter(config.tableSpec, config.mapping);

let sink: ItemSink | undefined;
/** One task at a time per worker (concurrentTasksPerWorker 1): the writer's hooks report to it. */
let current: TaskReporter<MigratePhase, MigrateCounter> | undefined;

const client = lazyResource(() => connect(config.connection, config.keyspace), (c) => c.shutdown());

function itemSink(): ItemSink {
  if (sink === undefined) {
    const bucket = new TokenBucket(() => workerShare(config.rateSlots));
    const byItems = rateUnit(config.rateSlots) === 'items';
    const s = openItemSink(config.target, {
      beforeRequest: async (items, units) => {
        const waited = await bucket.take(byItems ? items : units);
        if (waited > 0) current?.add('rateWaitMs', waited);
      },
      onResponse: (info) => {
        if (info.status !== 0) current?.record('batch-write', info.latencyMicros);
      },
    });
    sink = s;
    onShutdown(() => s.close());
  }
  return sink;
}

export default async function run(task: MigrateTask & { port: MessagePort }): Promise<TaskResult<MigrateTaskDone>> {
  const reporter = new TaskReporter<MigratePhase, MigrateCounter>(task.port, task.taskId, config.progressIntervalMs);
  current = reporter;
  Atomics.add(config.rateSlots, ACTIVE_WORKERS, 1);
  const range = task.range;
  const rangeStarted = performance.now();
  let failure: PlainError | undefined;
  let stopped = false;
  try {
    const c = await client();
    const writer = new PageWriter({ config, convert, sink: itemSink(), reporter, rangeId: range.id });
    const pages = readRange(c, { after: range.resumeAfter ?? range.start, end: range.end, replicas: range.replicas }, {
      cql: config.selectCql,
      tokenAlias: config.tokenAlias,
      fetchSize: config.fetchSize,
      consistency: config.consistency,
      connection: config.connection,
      onFetch: (micros) => reporter.record('page-fetch', micros),
    });
    for await (const page of pages) {
      reporter.add('pages');
      const outcome = await writer.handle(page.rows);
      if (outcome.fatal !== undefined || outcome.incomplete !== undefined) {
        failure = outcome.fatal ?? outcome.incomplete;
        break;
      }
      if (!page.more) break;
      // Rows with the last token may go on in the next page: resume just before it.
      if (outcome.lastToken !== undefined) reporter.position(range.id, (BigInt(outcome.lastToken) - 1n).toString());
      if (isStopping()) {
        stopped = true;
        break;
      }
    }
  } catch (error) {
    failure ??= toPlainError(error);
  }
  reporter.record('range', (performance.now() - rangeStarted) * 1000);
  Atomics.sub(config.rateSlots, ACTIVE_WORKERS, 1);
  current = undefined;
  const totals = reporter.finish();
  const value: MigrateTaskDone = {
    rowsRead: totals.rowsRead ?? 0,
    itemsWritten: totals.itemsWritten ?? 0,
    deadLetters: totals.deadLetters ?? 0,
    pages: totals.pages ?? 0,
  };
  if (failure !== undefined) return { status: 'failed', taskId: task.taskId, error: failure, partial: value };
  if (stopped) return { status: 'stopped', taskId: task.taskId, partial: value };
  return { status: 'done', taskId: task.taskId, value };
}
