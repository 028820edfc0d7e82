/**
 * populate worker: writes generated rows into Cassandra.
 *
 *   task {kind: 'rows', start, end}
 *     └─▶ model.generate(seed, i) for i in [start, end)   (pure, deterministic)
 *           └─▶ prepared INSERT/UPDATE, ≤ `concurrency` in flight ──▶ Cassandra (own Client)
 *   port ◀── counters (rows, statements, retries) + insert latency histogram, every progressIntervalMs
 *   result ◀── done | stopped | failed (a plain error with a code), with the last counters
 *   stop ──▶ in-flight rows finish, no new row starts, result 'stopped'
 *
 * The client is opened when the worker starts (a failure fails the job once, at start) and
 * kept for the worker's life; the shutdown broadcast closes it.
 */
import cassandra from 'cassandra-driver';
import { classifyCassandraError, connect } from '../src/cassandra/client.js';
import { consistencyCode } from '../src/cassandra/range-reader.js';
import { toPlainError, type PlainError } from '../src/errors.js';
import { DONE, STOPPED, defineWorker, failed, microsSince, type TaskContext, type TaskOutcome } from '../src/engine/worker-runtime.js';
import { MODELS } from '../src/populate/models/index.js';
import type { ModelStatement } from '../src/populate/model.js';
import type { PopulateJob, PopulateTask, PopulateWorkerData } from '../src/populate/task.js';
import { backoffDelayMs, sleep } from '../src/engine/backoff.js';

const { unset, responseErrorCodes } = cassandra.types;

interface Resources {
  readonly config: PopulateWorkerData;
  readonly client: cassandra.Client;
  readonly statements: readonly ModelStatement[];
}

function notApplied(error: unknown): boolean {
  // Errors raised before the write reached a replica: safe to retry even a counter update.
  if (!(error instanceof cassandra.errors.ResponseError)) return error instanceof cassandra.errors.NoHostAvailableError;
  return error.code === responseErrorCodes.overloaded || error.code === responseErrorCodes.unavailableException
    || error.code === responseErrorCodes.isBootstrapping;
}

async function writeRows(task: PopulateTask, ctx: TaskContext<PopulateJob, Resources>): Promise<TaskOutcome> {
  const { config, client, statements } = ctx.resources;
  const model = MODELS[config.model];
  let failure: PlainError | undefined;
  let next = task.start;
  const options = { edgeEvery: config.edgeEvery, invalidEvery: config.invalidEvery };
  const consistency = consistencyCode(config.consistency);
  const execOptions = statements.map((s) => ({ prepare: true, isIdempotent: s.idempotent, ...(consistency === undefined ? {} : { consistency }) }));

  const execute = async (statement: number, params: unknown[]): Promise<void> => {
    const { cql, idempotent } = statements[statement] as ModelStatement;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        await client.execute(cql, params, execOptions[statement]);
        ctx.record('insert', microsSince(started));
        ctx.add('statements');
        return;
      } catch (error) {
        const plain = classifyCassandraError(error, config.connection);
        // Counter updates are retried only when the coordinator surely did not apply them.
        const safe = idempotent || notApplied(error);
        if (!plain.retryable || !safe || attempt >= config.maxRetries) throw plain;
        ctx.add('retries');
        if (attempt === 0) ctx.warn(plain);
        await sleep(backoffDelayMs(attempt));
      }
    }
  };

  const loop = async (): Promise<void> => {
    while (failure === undefined && !ctx.signal.aborted && next < task.end) {
      const index = next++;
      for (const write of model.generate(config.seed, index, options)) {
        await execute(write.statement, write.params.map((v) => (v === null || v === undefined ? unset : v)));
      }
      ctx.add('rows');
    }
  };

  await Promise.all(Array.from({ length: Math.min(config.concurrency, task.end - task.start) }, () =>
    loop().catch((error: unknown) => {
      failure ??= toPlainError(error);
    }),
  ));
  if (failure !== undefined) return failed(failure);
  return ctx.total('rows') < task.end - task.start ? STOPPED : DONE;
}

export default defineWorker<PopulateJob, PopulateWorkerData, Resources>({
  async open(config) {
    const client = await connect(config.connection, config.keyspace);
    return { config, client, statements: MODELS[config.model].statements(config.keyspace, config.table) };
  },
  close: (r) => r.client.shutdown(),
  handlers: { rows: writeRows },
});
