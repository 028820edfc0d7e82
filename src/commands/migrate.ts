import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS, LIMITS } from '../config/defaults.js';
import { STREAM_VIEW_TYPES } from '../dynamodb/table-admin.js';
import { ProgressDisplay, progressMode } from '../metrics/progress.js';
import type { MigrateConfig } from '../migrate/config.js';
import type { RateMode } from '../engine/throughput.js';
import { printDryRun } from '../migrate/dry-run.js';
import { prepareMigration } from '../migrate/prepare.js';
import { runMigration } from '../migrate/run.js';
import { prepareReportDir } from '../report/run-report.js';
import { formatSummary } from '../migrate/summary.js';
import { isPositiveInt } from './base.js';
import { TableJobCommand } from './table-job.js';

export class MigrateCommand extends TableJobCommand {
  static override paths = [['migrate']];

  static override usage = Command.Usage({
    category: 'Migration',
    description: 'copy a Cassandra table into DynamoDB: token-range parallel, checkpointed, with dead letters',
    details: `
      Plans the token ring into \`--splits\` ranges, copies them on \`--threads\` worker threads (each with its own Cassandra driver and keep-alive DynamoDB connections), writes BatchWriteItem batches of up to 25 items, retries throttles, unprocessed items, 5xx and network errors with capped exponential backoff and full jitter, and writes rows DynamoDB cannot hold to a dead-letter file with a reason.

      Progress is checkpointed per range (atomically, every second and at each range end). \`--resume\` continues a stopped job from its checkpoint; a checkpoint of another job is refused.

      Static shards: \`--shard i/N\` copies only shard i (0 ≤ i < N) of N fixed, equal token segments of the ring, so N processes on N machines split one table without talking to each other; \`--shard auto/N\` takes i from JOB_COMPLETION_INDEX (Kubernetes Indexed Job), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) or CASS2DDB_SHARD_INDEX. Each shard is a job of its own with its own checkpoint (default name \`….shard-<i>-of-<N>.json\`) and dead letters; \`--resume\` refuses another shard's checkpoint.

      Type mapping: text → S, numbers → N (exact), blob → B, boolean → BOOL, uuid/timeuuid → S, timestamp → S (ISO-8601 UTC) or N (epoch ms with a mapping file), list/tuple/vector → L, sets → SS/NS/BS, map/UDT → M; nulls and empty collections are left out. The partition key becomes the HASH key and the clustering columns the RANGE key (several columns joined in an order-preserving encoding).

      Credentials: the AWS default chain (environment, profile, SSO, instance role); \`--profile\`, \`--region\`, \`--endpoint-url\` as in the AWS CLI. A loopback endpoint (DynamoDB Local) works without credentials.

      Exit status: 0 every row written; 1 dead letters or ranges left pending; 2 more dead letters than --max-errors; 3 fatal (unreachable database, bad credentials, schema mismatch, a checkpoint or dead-letter file that cannot be written); 4 interrupted (checkpoint saved); 64 usage error.
    `,
    examples: [
      ['Copy app.users into the users table', '$0 migrate --keyspace app --table users --target-table users --threads 16'],
      ['Into DynamoDB Local, creating the table', '$0 migrate --keyspace app --table users --endpoint-url http://127.0.0.1:8000 --create-table'],
      ['Create the table with a stream, for `monitor --source cassandra`', '$0 migrate --keyspace app --table users --create-table --stream-view-type NEW_AND_OLD_IMAGES'],
      ['Continue after a stop', '$0 migrate --keyspace app --table users --resume'],
      ['Shard 2 of 8 on one machine (the other 7 run 0/8 … 7/8; in a Kubernetes Indexed Job: --shard auto/8)', '$0 migrate --keyspace app --table users --shard 2/8'],
      ['See the plan and the time it would take at 4,000 WCU', '$0 migrate --keyspace app --table users --dry-run --max-wcu 4000'],
      ['Rename, retype and TTL with a mapping file', '$0 migrate --keyspace app --table users --mapping users.yaml'],
      ['Never above 4,000 write units per second, with a report for tuning', '$0 migrate --keyspace app --table users --max-wcu 4000 --report-dir runs/users-1'],
    ],
  });

  inFlight = Option.String('--in-flight', String(DEFAULTS.migrate.inFlightBatches), {
    description: `BatchWriteItem requests in flight per thread (default ${DEFAULTS.migrate.inFlightBatches})`,
    validator: isPositiveInt(LIMITS.maxInFlightBatches),
  });
  createTable = Option.Boolean('--create-table', false, { description: 'Create the target table (on-demand) when it is missing' });
  streamViewType = Option.String('--stream-view-type', {
    description: 'With --create-table: create the table with a DynamoDB stream of this view type (NEW_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY, OLD_IMAGE), so `monitor` can follow it from the first write',
    validator: t.isEnum(STREAM_VIEW_TYPES),
  });
  checkpoint = Option.String('--checkpoint', { description: 'Checkpoint file (default: cass2ddb-checkpoints/<keyspace>.<table>--<target>.json; with --shard i/N: ….shard-<i>-of-<N>.json)' });
  resume = Option.Boolean('--resume', false, { description: 'Continue the job of the checkpoint' });
  fresh = Option.Boolean('--fresh', false, { description: 'Start over although an unfinished checkpoint exists' });
  deadLetters = Option.String('--dead-letters', { description: 'Dead-letter file, JSON lines (default: beside the checkpoint, .dead-letters.jsonl)' });
  maxErrors = Option.String('--max-errors', String(DEFAULTS.migrate.maxErrors), {
    description: 'Abort (exit 2) after more than N dead letters; -1: no limit (default -1)',
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(-1)]),
  });
  dryRun = Option.Boolean('--dry-run', false, { description: 'Print the plan and estimates and check the target with read-only calls (endpoint, credentials, table); write nothing' });
  maxWcu = Option.String('--max-wcu', {
    description: 'Hard ceiling in write units per second (computed from item sizes); also the dry run\'s time estimate',
    validator: isPositiveInt(10_000_000),
  });
  rate = Option.String('--rate', {
    description: 'Fixed rate in items per second: no adaptation',
    validator: isPositiveInt(10_000_000),
  });
  adaptive = Option.Boolean('--adaptive', true, {
    description: 'Adapt the rate to throttling (default), starting at what DescribeTable says the table takes at once; --no-adaptive writes as fast as it can (up to --max-wcu)',
  });

  override async execute(): Promise<number> {
    if (this.resume && this.fresh) throw new UsageError('--resume and --fresh exclude each other');
    if (this.coordinator !== undefined && this.resume) throw new UsageError('--resume is for one process and its checkpoint file; with --coordinator every process that joins continues the job from the coordination table');
    if (this.coordinator !== undefined && this.checkpoint !== undefined) throw new UsageError('--checkpoint is for one process; with --coordinator the positions are kept in the coordination table');
    if (this.streamViewType !== undefined && !this.createTable) throw new UsageError('--stream-view-type needs --create-table: it sets the stream of a table the tool creates');
    if (this.rate !== undefined && this.maxWcu !== undefined) throw new UsageError('--rate and --max-wcu exclude each other: --rate fixes items per second');
    const rate: RateMode = this.rate !== undefined
      ? { kind: 'fixed-items', itemsPerSec: this.rate }
      : this.adaptive
        ? { kind: 'adaptive', ...(this.maxWcu === undefined ? {} : { maxWcu: this.maxWcu }) }
        : this.maxWcu !== undefined ? { kind: 'fixed-wcu', wcu: this.maxWcu } : { kind: 'unlimited' };
    const config: MigrateConfig = {
      ...this.tableJobConfig(Math.max(DEFAULTS.migrate.connectionsPerThread, this.inFlight)),
      inFlightBatches: this.inFlight,
      createTable: this.createTable,
      ...(this.streamViewType === undefined ? {} : { streamViewType: this.streamViewType }),
      ...(this.checkpoint === undefined ? {} : { checkpointPath: this.checkpoint }),
      resume: this.resume,
      fresh: this.fresh,
      ...(this.deadLetters === undefined ? {} : { deadLetterPath: this.deadLetters }),
      maxErrors: this.maxErrors,
      dryRun: this.dryRun,
      ...(this.maxWcu === undefined ? {} : { maxWcu: this.maxWcu }),
      rate,
      rangeRetries: DEFAULTS.migrate.rangeRetries,
      checkpointEveryMs: DEFAULTS.migrate.checkpointEveryMs,
    };
    if (config.reportDir !== undefined) prepareReportDir(config.reportDir);
    const prepared = await prepareMigration(config);
    // A failed check of the target (unreachable, bad credentials, no fitting table) exits as the real run would.
    if (config.dryRun) return printDryRun(config, prepared, this.context.stdout, this.context.stderr, this.json);
    const display = new ProgressDisplay(progressMode(this.json, this.context.stderr), this.context, 'rows', 'migrate');
    const summary = await runMigration(config, prepared, display, this.context.signal);
    if (this.json) this.context.stdout.write(`${JSON.stringify({ event: 'summary', command: 'migrate', ...summary })}\n`);
    else this.context.stdout.write(formatSummary(summary));
    if (!this.json && config.reportDir !== undefined) this.context.stdout.write(`  report           ${config.reportDir} (cass2ddb-fast report ${config.reportDir})\n`);
    if (summary.error !== undefined) this.context.stderr.write(`cass2ddb-fast: ${summary.error.message}\n`);
    return summary.exitStatus;
  }
}
