/**
 * verify worker: checks token ranges of the source against the target, and scan segments of the
 * target against the source.
 *
 *   range task {range, port}
 *     └─▶ readRange (paged, on a replica) ──▶ row converter (the migration's mapping)
 *           └─▶ BatchGetItem ≤ 100 keys, ≤ inFlight in flight ──▶ compare attribute by attribute
 *                 └─▶ (re-check after a delay) ──▶ (rewrite with --fix) ──▶ differences ──▶ port
 *   extra-segment task {segment, totalSegments, port}
 *     └─▶ Scan segment pages ──▶ decode each item's key ──▶ SELECT the source row (≤ 32 in flight)
 *           └─▶ no row: extra (deleted with --fix-extra) ──▶ differences ──▶ port
 *   port ◀── counters and histograms every progressIntervalMs; result ◀── done | stopped | failed
 *
 * The Cassandra client and the DynamoDB client live as long as the worker; shutdown closes them.
 */
import type { MessagePort } from 'node:worker_threads';
import { connect } from '../src/cassandra/client.js';
import { readRange } from '../src/cassandra/range-reader.js';
import { scanSegment } from '../src/dynamodb/scanner.js';
import type { TaskResult } from '../src/engine/protocol.js';
import { getWorkerData, isStopping, lazyResource, listenForShutdown, TaskReporter } from '../src/engine/worker-runtime.js';
import { toPlainError, type PlainError } from '../src/errors.js';
import { compileRowConverter } from '../src/mapping/row-converter.js';
import { openVerifyDynamo } from '../src/verify/dynamo.js';
import { ExtraChecker } from '../src/verify/extra-checker.js';
import { compileItemKeyDecoder } from '../src/verify/item-key.js';
import { RangeChecker } from '../src/verify/range-checker.js';
import type { VerifyCounter, VerifyPhase, VerifyTask, VerifyTaskDone, VerifyWorkerData } from '../src/verify/task.js';

listenForShutdown();
const config = getWorkerData<VerifyWorkerData>().data;
const convert = compileRowConverter(config.tableSpec, config.mapping);
const decodeKey = compileItemKeyDecoder(config.tableSpec, config.mapping);
const keyAttributes = convert.keySchema.rangeKey === null ? [convert.keySchema.hashKey.name] : [convert.keySchema.hashKey.name, convert.keySchema.rangeKey.name];

let current: TaskReporter<VerifyPhase, VerifyCounter> | undefined;

const client = lazyResource(() => connect(config.connection, config.keyspace), (c) => c.shutdown());

const dynamo = lazyResource(
  () => openVerifyDynamo(config.target, keyAttributes, config.consistentRead, (info) => {
    if (info.status !== 0) current?.record('batch-get', info.latencyMicros);
  }),
  (d) => d.client.close(),
);

async function checkRange(task: Extract<VerifyTask, { kind: 'range' }>, reporter: TaskReporter<VerifyPhase, VerifyCounter>): Promise<PlainError | 'stopped' | undefined> {
  const c = await client();
  const checker = new RangeChecker(config, convert, await dynamo(), reporter, task.range.id);
  const pages = readRange(c, { after: task.range.start, end: task.range.end, replicas: task.range.replicas }, {
    cql: config.selectCql,
    tokenAlias: config.tokenAlias,
    fetchSize: config.fetchSize,
    consistency: config.consistency,
    connection: config.connection,
    onFetch: (micros) => reporter.record('page-fetch', micros),
  });
  for await (const page of pages) {
    const failure = await checker.check(page.rows);
    if (failure !== undefined) return failure;
    if (page.more && isStopping()) return 'stopped';
  }
  return undefined;
}

async function checkSegment(task: Extract<VerifyTask, { kind: 'extra-segment' }>, reporter: TaskReporter<VerifyPhase, VerifyCounter>): Promise<'stopped' | undefined> {
  const d = await dynamo();
  const checker = new ExtraChecker(config, await client(), decodeKey, d, reporter);
  const counters = { requests: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 };
  let seen = { ...counters };
  for await (const page of scanSegment(d.client, config.target.table, {
    segment: task.segment,
    totalSegments: task.totalSegments,
    consistentRead: config.consistentRead,
    counters,
    maxRetries: config.target.maxRetries,
    onResponse: (info) => {
      if (info.status !== 0) reporter.record('scan-page', info.latencyMicros);
    },
  })) {
    reporter.add('requests', counters.requests - seen.requests);
    reporter.add('retries', counters.retries - seen.retries);
    reporter.add('throttledRequests', counters.throttledRequests - seen.throttledRequests);
    seen = { ...counters };
    await checker.check(page.items);
    if (isStopping()) return 'stopped';
  }
  return undefined;
}

export default async function run(task: VerifyTask & { port: MessagePort }): Promise<TaskResult<VerifyTaskDone>> {
  const reporter = new TaskReporter<VerifyPhase, VerifyCounter>(task.port, task.taskId, config.progressIntervalMs);
  current = reporter;
  const started = performance.now();
  let outcome: PlainError | 'stopped' | undefined;
  try {
    switch (task.kind) {
      case 'range':
        outcome = await checkRange(task, reporter);
        break;
      case 'extra-segment':
        outcome = await checkSegment(task, reporter);
        break;
      default: {
        const never: never = task;
        throw new Error(`verify worker: unknown task ${JSON.stringify(never)}`);
      }
    }
  } catch (error) {
    outcome = toPlainError(error);
  }
  if (task.kind === 'range') reporter.record('range', (performance.now() - started) * 1000);
  current = undefined;
  const totals = reporter.finish();
  const value: VerifyTaskDone = { rowsChecked: totals.rowsChecked ?? 0, itemsScanned: totals.itemsScanned ?? 0 };
  if (outcome === 'stopped') return { status: 'stopped', taskId: task.taskId, partial: value };
  if (outcome !== undefined) return { status: 'failed', taskId: task.taskId, error: outcome, partial: value };
  return { status: 'done', taskId: task.taskId, value };
}
