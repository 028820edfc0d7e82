/**
 * The populate job on the main thread: schema, task plan, dispatch to the pool, progress, summary.
 */
import type cassandra from 'cassandra-driver';
import { connect, classifyCassandraError, type CassandraConnection } from '../cassandra/client.js';
import { replicationCql } from '../cassandra/replication.js';
import { Scheduler } from '../engine/scheduler.js';
import { ListSource } from '../engine/work-source.js';
import { ToolError, type PlainError } from '../errors.js';
import { JobStats } from '../metrics/job-stats.js';
import { summarize, type LatencySummary } from '../metrics/histogram.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { cqlIdent, type ModelName } from './model.js';
import { MODELS } from './models/index.js';
import { planPopulateTasks, type PopulateCounter, type PopulateJob, type PopulateWorkerData } from './task.js';

export interface PopulateConfig {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly model: ModelName;
  readonly rows: number;
  readonly threads: number;
  readonly concurrencyPerThread: number;
  readonly seed: number;
  readonly replication: string;
  readonly edgeEvery: number;
  readonly invalidEvery: number;
  readonly chunkRows: number;
  readonly maxRetries: number;
  /** Write consistency level name (--consistency), e.g. LOCAL_ONE. */
  readonly consistency: string;
  readonly progressIntervalMs: number;
}

export interface PopulateSummary {
  readonly status: 'completed' | 'failed' | 'interrupted';
  readonly keyspace: string;
  readonly table: string;
  readonly tables: readonly string[];
  readonly model: ModelName;
  readonly seed: number;
  readonly rowsRequested: number;
  readonly rowsWritten: number;
  readonly statements: number;
  readonly retries: number;
  readonly threads: number;
  readonly concurrencyPerThread: number;
  readonly durationMs: number;
  readonly rowsPerSec: number;
  readonly insertLatency: LatencySummary;
  readonly error?: PlainError;
}

/** Creates keyspace, types and tables when missing. */
export async function ensureSchema(client: cassandra.Client, config: PopulateConfig): Promise<void> {
  const model = MODELS[config.model];
  const statements = [
    `CREATE KEYSPACE IF NOT EXISTS ${cqlIdent(config.keyspace)} WITH replication = ${replicationCql(config.replication)}`,
    ...model.schema(config.keyspace, config.table),
  ];
  for (const cql of statements) {
    try {
      // Schema changes wait for agreement so the workers' prepared statements see them.
      await client.execute(cql);
    } catch (error) {
      throw new ToolError(classifyCassandraError(error, config.connection));
    }
  }
}

export async function runPopulate(config: PopulateConfig, display: ProgressDisplay, signal?: AbortSignal): Promise<PopulateSummary> {
  const model = MODELS[config.model];
  const client = await connect(config.connection);
  try {
    await ensureSchema(client, config);
  } finally {
    await client.shutdown();
  }

  const tasks = planPopulateTasks(config.rows, config.chunkRows);
  const stats = new JobStats<PopulateCounter>('rows', (warning) => display.event('warning', { warning }, `warning: ${warning.message} (retrying)`));
  display.event('start', {
    keyspace: config.keyspace, table: config.table, model: config.model, rows: config.rows, threads: config.threads, seed: config.seed,
  }, `populate: ${config.rows.toLocaleString('en-US')} ${config.model} rows into ${config.keyspace}.${config.table} on ${config.threads} threads`);

  const workerData: PopulateWorkerData = {
    connection: config.connection,
    keyspace: config.keyspace,
    table: config.table,
    model: config.model,
    seed: config.seed,
    edgeEvery: config.edgeEvery,
    invalidEvery: config.invalidEvery,
    concurrency: config.concurrencyPerThread,
    maxRetries: config.maxRetries,
    consistency: config.consistency,
  };
  const scheduler = new Scheduler<PopulateJob, PopulateWorkerData>({
    worker: 'populate-worker',
    threads: config.threads,
    workerData,
    stats,
    progressIntervalMs: config.progressIntervalMs,
    // The first failure ends the job: statements are retried inside the worker already, and
    // later tasks would fail the same way.
    retry: { retries: 0, outageCodes: [] },
    onGiveUp: () => scheduler.stop(),
    progress: {
      display,
      snapshot: (final) => ({ done: stats.get('rows'), total: config.rows, ratePerSec: final ? stats.averageRate() : stats.currentRate(), elapsedMs: stats.elapsedMs() }),
    },
  });
  const outcome = await scheduler.run(new ListSource(tasks.map((task) => ({ id: task.id, task }))), signal);
  const failure = outcome.fatal ?? outcome.failures.values().next().value;
  const interrupted = signal?.aborted === true;

  const durationMs = stats.elapsedMs();
  // The counters are the truth: every task's last counters travel in its result.
  const rowsWritten = stats.get('rows');
  const summary: PopulateSummary = {
    status: failure !== undefined ? 'failed' : interrupted ? 'interrupted' : 'completed',
    keyspace: config.keyspace,
    table: config.table,
    tables: model.tables(config.table),
    model: config.model,
    seed: config.seed,
    rowsRequested: config.rows,
    rowsWritten,
    statements: stats.get('statements'),
    retries: stats.get('retries'),
    threads: config.threads,
    concurrencyPerThread: config.concurrencyPerThread,
    durationMs,
    rowsPerSec: durationMs > 0 ? (rowsWritten * 1000) / durationMs : 0,
    insertLatency: summarize(stats.histograms.get('insert')),
    ...(failure === undefined ? {} : { error: failure }),
  };
  return summary;
}
