/**
 * populate worker: writes generated rows into Cassandra.
 *
 *   task {start, end, port}
 *     └─▶ model.generate(seed, i) for i in [start, end)   (pure, deterministic)
 *           └─▶ prepared INSERT/UPDATE, ≤ `concurrency` in flight ──▶ Cassandra (own Client)
 *   port ◀── counters (rows, statements, retries) + insert latency histogram, every progressIntervalMs
 *   result ◀── { rowsWritten, statements, retries } or a plain error with a code
 *   stop broadcast ──▶ in-flight rows finish, no new row starts, result 'stopped'
 *
 * The client is opened by the first task and kept for the worker's life; the shutdown
 * broadcast closes it.
 */
import type { MessagePort } from 'node:worker_threads';
import cassandra from 'cassandra-driver';
import { classifyCassandraError, connect } from '../src/cassandra/client.js';
import { toPlainError, type PlainError } from '../src/errors.js';
import { getWorkerData, isStopping, lazyResource, listenForShutdown, TaskReporter } from '../src/engine/worker-runtime.js';
import type { TaskResult } from '../src/engine/protocol.js';
import { MODELS } from '../src/populate/models/index.js';
import type { ModelStatement } from '../src/populate/model.js';
import type { PopulateCounter, PopulatePhase, PopulateTask, PopulateTaskDone, PopulateWorkerData } from '../src/populate/task.js';
import { backoffDelayMs, sleep } from '../src/engine/backoff.js';

listenForShutdown();
const config = getWorkerData<PopulateWorkerData>().data;
const model = MODELS[config.model];
const statements = model.statements(config.keyspace, config.table);

const client = lazyResource(() => connect(config.connection, config.keyspace), (c) => c.shutdown());

const { unset } = cassandra.types;
const { responseErrorCodes } = cassandra.types;

function notApplied(error: unknown): boolean {
  // Errors raised before the write reached a replica: safe to retry even a counter update.
  if (!(error instanceof cassandra.errors.ResponseError)) return error instanceof cassandra.errors.NoHostAvailableError;
  return error.code === responseErrorCodes.overloaded || error.code === responseErrorCodes.unavailableException
    || error.code === responseErrorCodes.isBootstrapping;
}

export default async function run(task: PopulateTask & { port: MessagePort }): Promise<TaskResult<PopulateTaskDone>> {
  const reporter = new TaskReporter<PopulatePhase, PopulateCounter>(task.port, task.taskId, config.progressIntervalMs);
  let failure: PlainError | undefined;
  try {
    const c = await client();
    let next = task.start;
    const options = { edgeEvery: config.edgeEvery, invalidEvery: config.invalidEvery };
    const execOptions = statements.map((s) => ({ prepare: true, isIdempotent: s.idempotent }));

    const execute = async (statement: number, params: unknown[]): Promise<void> => {
      const { cql, idempotent } = statements[statement] as ModelStatement;
      for (let attempt = 0; ; attempt++) {
        const started = performance.now();
        try {
          await c.execute(cql, params, execOptions[statement]);
          reporter.record('insert', (performance.now() - started) * 1000);
          reporter.add('statements');
          return;
        } catch (error) {
          const plain = classifyCassandraError(error, config.connection);
          // Counter updates are retried only when the coordinator surely did not apply them.
          const safe = idempotent || notApplied(error);
          if (!plain.retryable || !safe || attempt >= config.maxRetries) throw plain;
          reporter.add('retries');
          if (attempt === 0) reporter.warn(plain);
          await sleep(backoffDelayMs(attempt));
        }
      }
    };

    const loop = async (): Promise<void> => {
      while (failure === undefined && !isStopping() && next < task.end) {
        const index = next++;
        for (const write of model.generate(config.seed, index, options)) {
          await execute(write.statement, write.params.map((v) => (v === null || v === undefined ? unset : v)));
        }
        reporter.add('rows');
      }
    };

    const loops = Array.from({ length: Math.min(config.concurrency, task.end - task.start) }, () =>
      loop().catch((error: unknown) => {
        failure ??= toPlainError(error);
      }),
    );
    await Promise.all(loops);
  } catch (error) {
    failure ??= classifyCassandraError(error, config.connection);
  }
  const totals = reporter.finish();
  const value: PopulateTaskDone = {
    rowsWritten: totals.rows ?? 0,
    statements: totals.statements ?? 0,
    retries: totals.retries ?? 0,
  };
  if (failure !== undefined) return { status: 'failed', taskId: task.taskId, error: failure, partial: value };
  if (value.rowsWritten < task.end - task.start) return { status: 'stopped', taskId: task.taskId, partial: value };
  return { status: 'done', taskId: task.taskId, value };
}

