/**
 * verify on the main thread: plan (and sample) the ring, dispatch range checks and, with
 * --check-extra, scan segments of the target to the pool; write every difference to a JSONL
 * file as it arrives; summarise.
 */
import { randomUUID } from 'node:crypto';
import { connect } from '../cassandra/client.js';
import { ringRanges, sizeEstimates } from '../cassandra/ring.js';
import { loadTableSpec } from '../cassandra/schema.js';
import { buildRangeSelect } from '../cassandra/select.js';
import { JsonlFile } from '../engine/dead-letters.js';
import { dispatchAll } from '../engine/dispatch.js';
import { WorkerPool } from '../engine/pool.js';
import { unreachable, type WorkerMessage } from '../engine/protocol.js';
import { createRateSlots } from '../engine/rate-slots.js';
import { ErrorCode, ToolError, type PlainError } from '../errors.js';
import { compileRowConverter, validateMapping } from '../mapping/row-converter.js';
import { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { planRanges, ringShare } from '../plan/token-ranges.js';
import { describeTarget } from '../migrate/target.js';
import { TableAdmin, compareKeySchema } from '../dynamodb/table-admin.js';
import { createCredentialSource, createDynamoDbClient } from '../dynamodb/credentials.js';
import type { VerifyConfig } from './config.js';
import { writeRunReport } from '../report/run-report.js';
import { TimelineSampler } from '../report/timeline.js';
import { sampleRanges, sampleSegments, splitsForSample } from './sample.js';
import { buildVerifySummary, type VerifySummary } from './summary.js';
import type { Difference, VerifyTask, VerifyTaskDone, VerifyWorkerData } from './task.js';

const FATAL = new Set<string>([ErrorCode.CASSANDRA_AUTH, ErrorCode.CASSANDRA_SCHEMA, ErrorCode.DYNAMODB_AUTH, ErrorCode.DYNAMODB_SCHEMA, ErrorCode.INTERNAL]);

export async function runVerify(config: VerifyConfig, display: ProgressDisplay, signal?: AbortSignal): Promise<VerifySummary> {
  const client = await connect(config.connection);
  let tableSpec;
  let ring;
  try {
    tableSpec = await loadTableSpec(client, config.keyspace, config.table);
    ring = ringRanges(client, config.keyspace, await sizeEstimates(client, config.keyspace, config.table));
  } finally {
    await client.shutdown();
  }
  const problems = validateMapping(tableSpec, config.mapping);
  if (problems.length > 0) throw new ToolError({ code: ErrorCode.USAGE, message: `mapping (${config.mappingSource}): ${problems.join('; ')}`, retryable: false });
  const keySchema = compileRowConverter(tableSpec, config.mapping).keySchema;

  // The target must exist with the mapping's key schema, or nothing can be compared.
  const target = await describeTarget(config);
  const sdk = createDynamoDbClient(target.endpoint, createCredentialSource({ endpoint: target.endpoint }), { maxAttempts: 2 });
  try {
    const actual = await new TableAdmin(sdk).describeKeySchema(config.targetTable);
    if (actual === undefined) {
      throw new ToolError({ code: ErrorCode.DYNAMODB_SCHEMA, message: `target table '${config.targetTable}' does not exist at ${target.identity}`, retryable: false });
    }
    const diff = compareKeySchema(keySchema, actual);
    if (diff !== undefined) throw new ToolError({ code: ErrorCode.DYNAMODB_SCHEMA, message: `target table '${config.targetTable}' does not fit the mapping: ${diff}`, retryable: false });
  } finally {
    sdk.destroy();
  }

  const plan = planRanges(ring, splitsForSample(config.splits, config.sampleRate));
  const ranges = sampleRanges(plan, config.sampleRate, config.seed);
  const ringChecked = ranges.reduce((a, r) => a + ringShare(r.start, r.end), 0);
  const totalSegments = config.checkExtra ? (config.sampleRate < 1 ? splitsForSample(config.threads * 4, config.sampleRate) : config.threads * 4) : 0;
  const segments = config.checkExtra ? sampleSegments(totalSegments, config.sampleRate, config.seed) : [];
  const tasks: VerifyTask[] = [
    ...ranges.map((r): VerifyTask => ({ kind: 'range', taskId: r.id, range: { ...r, state: 'pending' } })),
    ...segments.map((segment): VerifyTask => ({ kind: 'extra-segment', taskId: `segment-${segment}`, segment, totalSegments })),
  ];

  const stats = new JobStats('rowsChecked', (w) => display.event('warning', { warning: w }, `warning: ${w.message}`));
  const differences = new JsonlFile<Difference>(config.differencesPath, true);
  const select = buildRangeSelect(config.keyspace, config.table, tableSpec, config.mapping);
  const workerData: VerifyWorkerData = {
    connection: config.connection,
    keyspace: config.keyspace,
    table: config.table,
    tableSpec,
    mapping: config.mapping,
    selectCql: select.cql,
    tokenAlias: select.tokenAlias,
    fetchSize: config.fetchSize,
    consistency: config.consistency,
    target: {
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      region: target.region,
      ...(config.profile === undefined ? {} : { profile: config.profile }),
      table: config.targetTable,
      connections: config.connectionsPerThread,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    inFlight: config.inFlight,
    consistentRead: config.consistentRead,
    recheckAfterMs: config.recheckAfterMs,
    fix: config.fix,
    fixExtra: config.fixExtra,
    progressIntervalMs: config.progressIntervalMs,
    rateSlots: createRateSlots('wcu'),
  };
  display.event(
    'start',
    { keyspace: config.keyspace, table: config.table, targetTable: config.targetTable, target: target.identity, ranges: ranges.length, segments: segments.length, sampleRate: config.sampleRate, ringChecked },
    `verify: ${config.keyspace}.${config.table} → ${config.targetTable} (${target.identity}), ${ranges.length} ranges` +
      (config.sampleRate < 1 ? ` (${(100 * ringChecked).toFixed(1)}% of the ring)` : '') +
      (segments.length > 0 ? ` and ${segments.length} of ${totalSegments} scan segments of the target` : '') + ` on ${config.threads} threads`,
  );

  const pool = new WorkerPool({ worker: 'verify-worker', threads: config.threads, jobId: randomUUID(), workerData });
  let stopRequested = false;
  let fatal: PlainError | undefined;
  let tasksFailed = 0;
  const stop = (): void => {
    if (stopRequested) return;
    stopRequested = true;
    pool.stop();
  };
  signal?.addEventListener('abort', stop);
  const doneRanges = new Set<string>();
  const startedAt = new Date().toISOString();
  const sampler = new TimelineSampler(stats.startedAt);
  let lastSample = stats.startedAt;
  const sample = (): void => {
    lastSample = performance.now();
    // The report's timeline speaks of items: here they are the rows checked.
    sampler.sample({
      rowsRead: stats.get('rowsChecked'), itemsWritten: stats.get('rowsChecked'), writeUnits: stats.get('readUnits'),
      throttledRequests: stats.get('throttledRequests'), unprocessedRetries: stats.get('unprocessedRetries'), retries: stats.get('retries'),
    }, null, lastSample);
  };
  const ticker = setInterval(() => {
    if (config.reportDir !== undefined && performance.now() - lastSample >= 1000) sample();
    const ring = [...doneRanges].reduce((a, id) => {
      const r = ranges.find((x) => x.id === id);
      return a + (r === undefined ? 0 : ringShare(r.start, r.end));
    }, 0);
    display.update({
      done: stats.get('rowsChecked'),
      ratePerSec: stats.currentRate(),
      elapsedMs: stats.elapsedMs(),
      extra: {
        'checked%': `${((100 * ring) / (ringChecked || 1)).toFixed(1)}%`,
        missing: stats.get('missing'),
        different: stats.get('mismatched'),
        ...(config.checkExtra ? { extra: stats.get('extra') } : {}),
      },
      jsonExtra: {
        matched: stats.get('matched'),
        rechecked: stats.get('rechecked'),
        resolvedOnRecheck: stats.get('resolvedOnRecheck'),
      },
    });
  }, 100);

  const onMessage = (m: WorkerMessage): void => {
    switch (m.type) {
      case 'progress':
      case 'warning':
        stats.handle(m);
        return;
      case 'differences':
        differences.append(m.differences);
        return;
      case 'dead-letters':
      case 'position':
        throw new Error(`verify: unexpected ${m.type} message`);
      default:
        unreachable(m, 'worker message');
    }
  };

  try {
    await dispatchAll(tasks, config.threads, async (task) => {
      const result = await pool.run<VerifyTask, VerifyTaskDone>(task, onMessage);
      switch (result.status) {
        case 'done':
          if (task.kind === 'range') doneRanges.add(task.range.id);
          return;
        case 'stopped':
          return;
        case 'failed':
          tasksFailed++;
          if (FATAL.has(result.error.code) || !result.error.retryable) {
            fatal ??= result.error;
            stop();
          } else {
            display.event('warning', { task: task.taskId, error: result.error }, `warning: ${task.taskId} failed: ${result.error.message}`);
          }
          return;
        default:
          unreachable(result, 'task result');
      }
    }, () => stopRequested);
  } finally {
    clearInterval(ticker);
    signal?.removeEventListener('abort', stop);
    display.clear();
    await pool.close();
    differences.close();
  }
  const summary = buildVerifySummary(config, stats, {
    ringChecked,
    ...(fatal === undefined ? {} : { fatal }),
    interrupted: signal?.aborted === true,
    tasksFailed,
    targetIdentity: target.identity,
  });
  if (config.reportDir !== undefined) {
    sample();
    writeRunReport(config.reportDir, {
      command: 'verify',
      startedAt,
      summary: { ...summary },
      settings: {
        source: `${config.keyspace}.${config.table}`,
        target: `${config.targetTable} (${target.identity})`,
        threads: config.threads,
        ranges: ranges.length,
        sampleRate: config.sampleRate,
        checkExtra: config.checkExtra,
        fetchSize: config.fetchSize,
        inFlight: config.inFlight,
        consistentRead: config.consistentRead,
      },
      histograms: stats.histograms,
      timeline: sampler.points(),
    });
  }
  return summary;
}
