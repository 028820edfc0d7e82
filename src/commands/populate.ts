import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS, LIMITS } from '../config/defaults.js';
import { exitStatusFor, ExitStatus } from '../errors.js';
import { formatMicros } from '../metrics/histogram.js';
import { fmtDuration, fmtInt, ProgressDisplay, progressMode } from '../metrics/progress.js';
import { isModelName, MODEL_NAMES } from '../populate/model.js';
import { MODELS } from '../populate/models/index.js';
import { replicationCql } from '../cassandra/replication.js';
import { WRITE_CONSISTENCIES } from '../cassandra/range-reader.js';
import { runPopulate, type PopulateSummary } from '../populate/run.js';
import { CassandraCommand, isNonNegativeInt, isPositiveInt } from './base.js';

export class PopulateCommand extends CassandraCommand {
  static override paths = [['populate']];

  static override usage = Command.Usage({
    category: 'Data',
    description: 'fill a Cassandra table with realistic generated data, in parallel',
    details: `
      Creates the keyspace and table when missing, then writes \`--rows\` generated rows on a pool of \`--threads\` worker threads, each with its own driver connection and at most \`--concurrency\` statements in flight.

      Models: \`users\` (${MODELS.users.summary}); \`events\` (${MODELS.events.summary}); \`all-types\` (${MODELS['all-types'].summary}).

      Data is deterministic: the same \`--seed\` writes the same rows, whatever the thread count. Every \`--edge-every\`-th row carries edge values (extremes, unicode, empty strings, nulls, empty collections, very long text); \`--invalid-every\` adds rows DynamoDB cannot hold (NaN, Infinity, 39-digit varint, decimal exponent out of range) to rehearse dead letters.

      Exit status: 0 done, 3 fatal (Cassandra unreachable, schema conflict), 4 interrupted, 64 usage error.
    `,
    examples: [
      ['Write 1,000,000 users rows on 2 threads', '$0 populate --rows 1000000 --threads 2'],
      ['Every CQL type, into keyspace app', '$0 populate --model all-types --keyspace app --rows 10000'],
      ['Time series with NetworkTopologyStrategy', '$0 populate --model events --replication dc1:3,dc2:3 --local-dc dc1'],
      ['JSON lines for scripts', '$0 populate --rows 1000 --json'],
    ],
  });

  keyspace = Option.String('--keyspace', DEFAULTS.populate.keyspace, { description: `Keyspace (default ${DEFAULTS.populate.keyspace})` });
  table = Option.String('--table', { description: 'Table (default: the model\'s name, e.g. users, events, all_types)' });
  model = Option.String('--model', DEFAULTS.populate.model, { description: `Data model: ${MODEL_NAMES.join(' | ')} (default ${DEFAULTS.populate.model})` });
  rows = Option.String('--rows', String(DEFAULTS.populate.rows), {
    description: `Rows to write (default ${DEFAULTS.populate.rows})`,
    validator: isNonNegativeInt(),
  });
  threads = Option.String('--threads', String(DEFAULTS.threads), {
    description: `Worker threads (default: one per core, ${DEFAULTS.threads} here)`,
    validator: isPositiveInt(LIMITS.maxThreads),
  });
  concurrency = Option.String('--concurrency', String(DEFAULTS.populate.concurrencyPerThread), {
    description: `Statements in flight per thread (default ${DEFAULTS.populate.concurrencyPerThread})`,
    validator: isPositiveInt(LIMITS.maxConcurrencyPerThread),
  });
  seed = Option.String('--seed', String(DEFAULTS.populate.seed), {
    description: `Seed of the generated data (default ${DEFAULTS.populate.seed})`,
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(0, 2 ** 32 - 1)]),
  });
  replication = Option.String('--replication', DEFAULTS.populate.replication, {
    description: 'Keyspace replication when it is created: N (SimpleStrategy), dc:N[,dc:N] (NetworkTopologyStrategy) or a CQL map (default 1)',
  });
  edgeEvery = Option.String('--edge-every', String(DEFAULTS.populate.edgeEvery), {
    description: `Every Nth row carries edge values; 0 for none (default ${DEFAULTS.populate.edgeEvery}, i.e. 5 %)`,
    validator: isNonNegativeInt(),
  });
  invalidEvery = Option.String('--invalid-every', String(DEFAULTS.populate.invalidEvery), {
    description: 'Every Nth row carries values DynamoDB cannot hold (all-types model); 0 for none (default 0)',
    validator: isNonNegativeInt(),
  });

  consistency = Option.String('--consistency', DEFAULTS.populate.consistency, {
    description: `Write consistency in Cassandra, e.g. ALL so every replica holds every row before a test stops a node (default ${DEFAULTS.populate.consistency})`,
    validator: t.isEnum(WRITE_CONSISTENCIES),
  });

  override async execute(): Promise<number> {
    if (!isModelName(this.model)) {
      throw new UsageError(`--model must be one of ${MODEL_NAMES.join(', ')}; got "${this.model}"`);
    }
    try {
      replicationCql(this.replication);
    } catch (error) {
      throw new UsageError(`--replication: ${(error as Error).message}`);
    }
    const model = this.model;
    const connection = this.cassandraConnection();
    const display = new ProgressDisplay(progressMode(this.json, this.context.stderr), this.context, 'rows', 'populate');
    const summary = await runPopulate(
      {
        connection,
        keyspace: this.keyspace,
        table: this.table ?? MODELS[model].defaultTable,
        model,
        rows: this.rows,
        threads: this.threads,
        concurrencyPerThread: this.concurrency,
        seed: this.seed,
        replication: this.replication,
        edgeEvery: this.edgeEvery,
        invalidEvery: this.invalidEvery,
        chunkRows: DEFAULTS.populate.chunkRows,
        maxRetries: DEFAULTS.populate.maxRetries,
        consistency: this.consistency,
        progressIntervalMs: DEFAULTS.progressIntervalMs,
      },
      display,
      this.context.signal,
    );
    this.printSummary(summary);
    if (summary.error !== undefined) return exitStatusFor(summary.error.code);
    if (summary.status === 'interrupted') return ExitStatus.INTERRUPTED;
    return ExitStatus.OK;
  }

  private printSummary(s: PopulateSummary): void {
    if (this.json) {
      this.context.stdout.write(`${JSON.stringify({ event: 'summary', command: 'populate', ...s })}\n`);
      return;
    }
    const l = s.insertLatency;
    const lines = [
      `populate ${s.status}: ${s.model} → ${s.keyspace}.${s.tables.join(', ')}`,
      `  rows written   ${fmtInt(s.rowsWritten)} of ${fmtInt(s.rowsRequested)} (seed ${s.seed})`,
      `  statements     ${fmtInt(s.statements)} (retries ${fmtInt(s.retries)})`,
      `  duration       ${fmtDuration(s.durationMs)} on ${s.threads} threads × ${s.concurrencyPerThread} in flight`,
      `  throughput     ${fmtInt(s.rowsPerSec)} rows/s`,
      `  insert latency p50 ${formatMicros(l.p50Micros)}  p90 ${formatMicros(l.p90Micros)}  p99 ${formatMicros(l.p99Micros)}  p99.9 ${formatMicros(l.p999Micros)}  max ${formatMicros(l.maxMicros)}`,
    ];
    if (s.error !== undefined) lines.push(`  error          ${s.error.code}: ${s.error.message}`);
    this.context.stdout.write(`${lines.join('\n')}\n`);
    if (s.error !== undefined) this.context.stderr.write(`cass2ddb-fast: ${s.error.message}\n`);
  }
}
