/**
 * verify worker: checks token ranges of the source against the target, and scan segments of the
 * target against the source.
 *
 *   range task {range; cursor: the token it resumes after}
 *     └─▶ readRange (paged, on a replica) ──▶ row converter (the migration's mapping)
 *           └─▶ BatchGetItem ≤ 100 keys, ≤ inFlight in flight ──▶ compare attribute by attribute
 *                 └─▶ (re-check after a delay) ──▶ (rewrite with --fix) ──▶ differences ──▶ port
 *   extra-segment task {segment, totalSegments}
 *     └─▶ Scan segment pages ──▶ decode each item's key ──▶ SELECT the source row (≤ 32 in flight)
 *           └─▶ no row: extra (deleted with --fix-extra) ──▶ differences ──▶ port
 *   rate slots ──▶ read bucket before each BatchGetItem and Scan page, write bucket before each repair
 *   port ◀── counters and histograms every progressIntervalMs, position after each range page;
 *   result ◀── done | stopped | failed
 *
 * The Cassandra client and the DynamoDB client are opened when the worker starts and live as long
 * as the worker; shutdown closes them.
 */
import type cassandra from 'cassandra-driver';
import { connect } from '../src/cassandra/client.js';
import type { DynamoDbHttpClient } from '../src/dynamodb/http-client.js';
import { scanSegment } from '../src/dynamodb/scanner.js';
import { openTargetHttpClient } from '../src/dynamodb/target.js';
import { workerShare } from '../src/engine/rate-slots.js';
import { TokenBucket } from '../src/engine/token-bucket.js';
import { DONE, STOPPED, defineWorker, failed, microsSince, type TaskContext, type TaskOutcome } from '../src/engine/worker-runtime.js';
import { cursorAfter, rangePages } from '../src/job/table-job.js';
import { compileRowConverter, type RowConverter } from '../src/mapping/row-converter.js';
import { itemSizeBytes } from '../src/mapping/item-size.js';
import { readUnitsPerKey, verifyDynamo, type VerifyDynamo } from '../src/verify/dynamo.js';
import { ExtraChecker } from '../src/verify/extra-checker.js';
import { compileItemKeyDecoder, type ItemKeyDecoder } from '../src/verify/item-key.js';
import { RangeChecker } from '../src/verify/range-checker.js';
import type { VerifyJob, VerifyTask, VerifyWorkerData } from '../src/verify/task.js';

interface Resources {
  readonly config: VerifyWorkerData;
  readonly convert: RowConverter;
  readonly decodeKey: ItemKeyDecoder;
  readonly keyAttributes: readonly string[];
  readonly cassandra: cassandra.Client;
  readonly dynamo: DynamoDbHttpClient;
  /** One bucket per channel per worker: its tasks share the worker's share of the job's rates. */
  readonly readBucket: TokenBucket;
  readonly writeBucket: TokenBucket;
}

type Context = TaskContext<VerifyJob, Resources>;

function taskDynamo(ctx: Context): VerifyDynamo {
  const r = ctx.resources;
  return verifyDynamo(r.dynamo, r.config.target, r.keyAttributes, r.config.consistentRead, {
    readBucket: r.readBucket,
    writeBucket: r.writeBucket,
    readUnitsPerKey: readUnitsPerKey(r.config.consistentRead),
    onRead: (info) => {
      if (info.status !== 0) ctx.record('batch-get', info.latencyMicros);
    },
    onWrite: (info) => {
      if (info.status !== 0) ctx.record('fix-write', info.latencyMicros);
    },
    onRateWait: () => undefined,
  });
}

async function checkRange(task: Extract<VerifyTask, { kind: 'range' }>, ctx: Context): Promise<TaskOutcome> {
  const { config, convert } = ctx.resources;
  const started = performance.now();
  const checker = new RangeChecker(config, convert, taskDynamo(ctx), ctx, task.range.id);
  const pages = rangePages(ctx.resources.cassandra, config, task.range, ctx.cursor, (micros) => ctx.record('page-fetch', micros));
  let outcome: TaskOutcome = DONE;
  for await (const page of pages) {
    const failure = await checker.check(page.rows);
    if (failure !== undefined) {
      outcome = failed(failure);
      break;
    }
    if (!page.more) break;
    // A retry starts after the last token fully checked.
    const last = page.rows.at(-1);
    if (last !== undefined) ctx.position(cursorAfter(String(last[config.tokenAlias])));
    await ctx.failpoint('verify.page-checked');
    if (ctx.signal.aborted) {
      outcome = STOPPED;
      break;
    }
  }
  ctx.record('range', microsSince(started));
  return outcome;
}

async function checkSegment(task: Extract<VerifyTask, { kind: 'extra-segment' }>, ctx: Context): Promise<TaskOutcome> {
  const r = ctx.resources;
  const d = taskDynamo(ctx);
  const checker = new ExtraChecker(r.config, r.cassandra, r.decodeKey, d, ctx);
  const counters = { requests: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 };
  let seen = { ...counters };
  const unitsPerKb4 = readUnitsPerKey(r.config.consistentRead);
  for await (const page of scanSegment(d.client, r.config.target.table, {
    segment: task.segment,
    totalSegments: task.totalSegments,
    consistentRead: r.config.consistentRead,
    counters,
    maxRetries: r.config.target.maxRetries,
    onResponse: (info) => {
      if (info.status !== 0) ctx.record('scan-page', info.latencyMicros);
    },
  })) {
    ctx.add('requests', counters.requests - seen.requests);
    ctx.add('retries', counters.retries - seen.retries);
    ctx.add('throttledRequests', counters.throttledRequests - seen.throttledRequests);
    seen = { ...counters };
    // A Scan is charged on the bytes it read (4 KB a unit), known only once the page is here:
    // the bucket takes them now, so the next page waits for them.
    let bytes = 0;
    for (const item of page.items) bytes += itemSizeBytes(item);
    const units = Math.ceil(bytes / 4096) * unitsPerKb4;
    ctx.add('readUnits', units);
    await r.readBucket.take(units);
    await checker.check(page.items);
    if (ctx.signal.aborted) return STOPPED;
  }
  return DONE;
}

export default defineWorker<VerifyJob, VerifyWorkerData, Resources>({
  async open(config) {
    const convert = compileRowConverter(config.tableSpec, config.mapping);
    const ks = convert.keySchema;
    const client = await connect(config.connection, config.keyspace);
    try {
      return {
        config,
        convert,
        decodeKey: compileItemKeyDecoder(config.tableSpec, config.mapping),
        keyAttributes: ks.rangeKey === null ? [ks.hashKey.name] : [ks.hashKey.name, ks.rangeKey.name],
        cassandra: client,
        dynamo: await openTargetHttpClient(config.target),
        readBucket: new TokenBucket(() => workerShare(config.rateSlots, 'read')),
        writeBucket: new TokenBucket(() => workerShare(config.rateSlots, 'write')),
      };
    } catch (error) {
      await client.shutdown();
      throw error;
    }
  },
  async close(r) {
    await Promise.allSettled([r.cassandra.shutdown(), r.dynamo.close()]);
  },
  handlers: { range: checkRange, 'extra-segment': checkSegment },
});
