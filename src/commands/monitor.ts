import path from 'node:path';
import { coordinatorEndpointFlag, coordinatorFlag, leaseSecondsFlag, perProcess, processIdFlag, resolveCoordinator } from './coordinator-flags.js';
import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS, LIMITS } from '../config/defaults.js';
import { armFailpoints } from '../engine/failpoints.js';
import { ProgressDisplay, progressMode } from '../metrics/progress.js';
import { loadMapping } from '../config/mapping-file.js';
import type { CassandraSourceConfig, MonitorConfig, TableAccess } from '../monitor/config.js';
import { runMonitor } from '../monitor/run.js';
import { parseSampleRate } from '../monitor/sample.js';
import { formatSummary } from '../monitor/stats.js';
import { prepareReportDir } from '../report/run-report.js';
import { CassandraCommand, isPositiveInt } from './base.js';
import { READ_CONSISTENCIES } from './table-job.js';

/** Flags that only make sense with a DynamoDB source, refused with --source cassandra. */
const DYNAMODB_SOURCE_FLAGS = [['sourceTable', '--source-table'], ['sourceProfile', '--source-profile'], ['verifyOn', '--verify-on']] as const;
/** Flags that only make sense with --source cassandra. */
const CASSANDRA_SOURCE_FLAGS = [['keyspace', '--keyspace'], ['table', '--table'], ['mapping', '--mapping'], ['consistency', '--consistency'], ['contactPoints', '--contact-points'], ['localDc', '--local-dc']] as const;

export class MonitorCommand extends CassandraCommand {
  static override paths = [['monitor']];

  static override usage = Command.Usage({
    category: 'Migration',
    description: 'follow a DynamoDB stream during a live migration and check sampled changes against the other table',
    details: `
      Reads every shard of the stream (paginated listing, parents before children, new shards found as they appear) on \`--threads\` worker threads, many shards per thread. Each sampled change is compared with the other table, the whole item attribute by attribute (numbers by value, sets as sets); a REMOVE must have removed the item. A change that does not match yet counts as lagging and is looked at again with backoff (\`--recheck-after\`, \`--max-rechecks\`); only then is it missing or mismatched. A key is judged on its latest change.

      \`--verify-on source\` (default): the stream is the source table's and changes are checked against \`--target-table\` (with \`--target-profile\`). \`--verify-on target\`: the stream is the target table's, checked against \`--source-table\` (default: the same name) with \`--source-profile\`. \`--stream-profile\` defaults to the profile of the table whose stream is read.

      \`--sample-rate\` is a percentage (default 100), or \`1/N\`: the Go monitor's README calls it a percentage while its code checks one event in N; both spellings work here and the effective share is printed at start. Sampling is by a hash of the key: the same keys on every run and in every shard.

      \`--source cassandra\`: Cassandra is the truth. The stream is the DynamoDB target's (\`--target-table\`; create it with \`migrate --create-table --stream-view-type NEW_AND_OLD_IMAGES\`); each sampled change's key is decoded back to its Cassandra key (\`--keyspace\`, \`--table\`, the connection flags) and the row is read (\`--consistency\`, default LOCAL_QUORUM) and converted through the same type mapping as migrate (\`--mapping\`). An item whose row is gone is missing; a REMOVE whose row is still there is still present. A mapping's TTL attribute is computed when a row is read, so it is left out of the comparison. A key that cannot be rebuilt exactly from DynamoDB (a decimal partition key, a -0.0 float key) and whose row is not found is unreadable, never missing.

      A stream without NewImage (OLD_IMAGE) is compared as the stream's own table holds each changed item now (a strongly consistent read beside the other side's); \`--read-stream-table\` asks for that with any view type, and is what a KEYS_ONLY stream needs (refused otherwise: its records hold nothing to compare).

      Every change is counted once per run, by shard and sequence number, also when a shard's reader fails and reads again from its checkpointed position. Statistics every \`--stats-interval\` seconds (\`--shard-stats\` adds each shard's backlog; \`kill -USR2 <pid>\` prints it once); differences go to a JSONL file; \`--report-dir\` writes the latency histograms (stream record age, source-to-target lag, BatchGetItem) and an HTML page at the end. A stream replaced or disabled on its table while the monitor runs is reported. Exit status: 0 every check matched and nothing was lost; 1 differences (missing, mismatched, still present after REMOVE) or data loss (records trimmed before they were read); 3 fatal (no stream, KEYS_ONLY stream, unreachable, bad credentials); 4 interrupted; 64 usage error.
    `,
    examples: [
      ['The Go monitor\'s command line', '$0 monitor --source-profile src --target-profile dst --stream-arn arn:aws:dynamodb:ap-northeast-1:123456789012:table/users/stream/2026-01-01T00:00:00.000 --target-table users --partition-key user_id --sort-key ts --sample-rate 50 --verify-on source'],
      ['Everything from the start of the stream, then stop', '$0 monitor --endpoint-url http://127.0.0.1:8000 --source-table users --target-table users_copy --iterator-type trim-horizon --until-caught-up'],
      ['One key in ten, for an hour', '$0 monitor --target-table users --sample-rate 1/10 --duration 3600 --json'],
      ['Cassandra as the truth: the target\'s stream against app.users', '$0 monitor --source cassandra --keyspace app --table users --target-table users --mapping users.yaml --iterator-type trim-horizon'],
      ['A KEYS_ONLY stream, compared with the source table as it is now; per-shard backlog; a report', '$0 monitor --target-table users --read-stream-table --shard-stats --report-dir runs/monitor-1'],
    ],
  });

  source = Option.String('--source', 'dynamodb', { description: 'dynamodb (default): a DynamoDB table on both sides; cassandra: the target table\'s stream checked against the Cassandra table (--keyspace, --table, --mapping)', validator: t.isEnum(['dynamodb', 'cassandra'] as const) });
  keyspace = Option.String('--keyspace', { description: 'With --source cassandra: the source keyspace' });
  table = Option.String('--table', { description: 'With --source cassandra: the source table' });
  mapping = Option.String('--mapping', { description: 'With --source cassandra: the mapping file migrate used (YAML or JSON)' });
  consistency = Option.String('--consistency', { description: 'With --source cassandra: read consistency of the row lookups (default LOCAL_QUORUM)', validator: t.isEnum(READ_CONSISTENCIES) });
  sourceProfile = Option.String('--source-profile', { description: 'AWS profile of the source table' });
  targetProfile = Option.String('--target-profile', { description: 'AWS profile of the target table' });
  streamProfile = Option.String('--stream-profile', { description: 'AWS profile for reading the stream (default: the profile of the table whose stream is read)' });
  streamArn = Option.String('--stream-arn', { description: 'The stream to follow (default: the LatestStreamArn of the table whose stream is read)' });
  targetTable = Option.String('--target-table', { required: true, description: 'The target table' });
  sourceTable = Option.String('--source-table', { description: 'The source table (default: the target table\'s name, as cross-account migrations keep it)' });
  partitionKey = Option.String('--partition-key', { description: 'Partition key name; checked against DescribeTable (default: from DescribeTable)' });
  sortKey = Option.String('--sort-key', { description: 'Sort key name; checked against DescribeTable (default: from DescribeTable)' });
  region = Option.String('--region', { description: 'AWS region (default: AWS_REGION, the profile\'s region, else ap-northeast-1 as the Go monitor)' });
  endpointUrl = Option.String('--endpoint-url', { description: 'DynamoDB endpoint for tables and stream, e.g. http://127.0.0.1:8000' });
  streamEndpointUrl = Option.String('--stream-endpoint-url', { description: 'DynamoDB Streams endpoint when it is not --endpoint-url\'s (a proxy, a test fixture)' });
  checkpoint = Option.String('--checkpoint', { description: 'Per-shard checkpoint file (default: monitor-checkpoints/<table>.json)' });
  coordinator = coordinatorFlag();
  coordinatorEndpointUrl = coordinatorEndpointFlag();
  processId = processIdFlag();
  leaseSeconds = leaseSecondsFlag();
  fresh = Option.Boolean('--fresh', false, { description: 'With --coordinator: drop the monitor job\'s state in the coordination table first (refused while a process of it runs)' });
  resume = Option.Boolean('--resume', false, { description: 'Continue every shard from the checkpoint (a changed stream or table is refused)' });
  sampleRate = Option.String('--sample-rate', DEFAULTS.monitor.sampleRate, { description: 'Percent of keys checked (default 100), or 1/N' });
  verifyOn = Option.String('--verify-on', { description: 'source (default): the source table\'s stream, checked against the target; target: the reverse', validator: t.isEnum(['source', 'target'] as const) });
  verbose = Option.Boolean('--verbose', false, { description: 'Also print every check that matched' });
  iteratorType = Option.String('--iterator-type', DEFAULTS.monitor.iteratorType, { description: 'latest (default, as the Go monitor): changes from now on; trim-horizon: everything the stream still holds', validator: t.isEnum(['latest', 'trim-horizon'] as const) });
  statsInterval = Option.String('--stats-interval', String(DEFAULTS.monitor.statsIntervalSeconds), { description: `Seconds between statistics blocks (default ${DEFAULTS.monitor.statsIntervalSeconds})`, validator: isPositiveInt(86_400) });
  duration = Option.String('--duration', { description: 'Stop after this many seconds', validator: isPositiveInt(365 * 86_400) });
  untilCaughtUp = Option.Boolean('--until-caught-up', false, { description: 'Stop when every shard is read to its current end and every check is settled' });
  threads = Option.String('--threads', String(DEFAULTS.threads), { description: `Worker threads (default: one per core, ${DEFAULTS.threads} here)`, validator: isPositiveInt(LIMITS.maxThreads) });
  shardsPerThread = Option.String('--shards-per-thread', String(DEFAULTS.monitor.shardsPerThread), { description: `Shards one thread follows at once (default ${DEFAULTS.monitor.shardsPerThread})`, validator: isPositiveInt(1024) });
  maxRcu = Option.String('--max-rcu', { description: 'Ceiling in read units per second for the checks\' reads of the other table', validator: isPositiveInt(10_000_000) });
  recheckAfter = Option.String('--recheck-after', String(DEFAULTS.monitor.recheckAfterMs), { description: `Milliseconds before a check that failed is looked at again, doubling each time (default ${DEFAULTS.monitor.recheckAfterMs})`, validator: isPositiveInt(600_000) });
  maxRechecks = Option.String('--max-rechecks', String(DEFAULTS.monitor.maxRechecks), { description: `Times a failed check is looked at again before it counts (default ${DEFAULTS.monitor.maxRechecks})`, validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(0, 100)]) });
  readStreamTable = Option.Boolean('--read-stream-table', false, { description: 'Compare each change as the stream\'s own table holds it now (consistent reads) instead of its NewImage; needed for KEYS_ONLY streams' });
  shardStats = Option.Boolean('--shard-stats', false, { description: 'Add each shard\'s backlog and pending checks to every statistics block (SIGUSR2 prints it once)' });
  reportDir = Option.String('--report-dir', { description: 'Write latency histograms (.hgrm), summary.json, the timeline and an HTML report here at the end' });
  differences = Option.String('--differences', { description: 'Differences file, JSON lines (default: monitor-differences/<table>.jsonl)' });
  taskTimeout = Option.String('--task-timeout', String(DEFAULTS.engine.taskSilenceTimeoutMs / 1000), { description: 'Seconds a shard reader may go without any progress before its thread is replaced', validator: isPositiveInt(86_400) });

  /** `--source cassandra`: the Cassandra table, connection and mapping, resolved; undefined for a DynamoDB source. */
  private cassandraSource(): CassandraSourceConfig | undefined {
    if (this.source === 'dynamodb') {
      for (const [field, flag] of CASSANDRA_SOURCE_FLAGS) if (this[field] !== undefined) throw new UsageError(`${flag} needs --source cassandra`);
      return undefined;
    }
    for (const [field, flag] of DYNAMODB_SOURCE_FLAGS) {
      if (this[field] !== undefined) throw new UsageError(`${flag} does not apply with --source cassandra: the stream is the target table's, checked against Cassandra`);
    }
    if (this.keyspace === undefined || this.table === undefined) throw new UsageError('--source cassandra needs --keyspace and --table');
    const mapping = loadMapping(this.mapping);
    return {
      connection: this.cassandraConnection(),
      keyspace: this.keyspace,
      table: this.table,
      mapping: mapping.options,
      mappingSource: mapping.source,
      consistency: this.consistency ?? 'LOCAL_QUORUM',
    };
  }

  override async execute(): Promise<number> {
    const sampleRate = parseSampleRate(this.sampleRate);
    const cassandra = this.cassandraSource();
    const verifyOn = cassandra === undefined ? (this.verifyOn ?? 'source') : 'target';
    const sourceTable = this.sourceTable ?? this.targetTable;
    const access = (profile: string | undefined): TableAccess => ({
      ...(this.endpointUrl === undefined ? {} : { endpoint: this.endpointUrl }),
      ...(this.region === undefined ? {} : { region: this.region }),
      ...(profile === undefined ? {} : { profile }),
    });
    const onSource = verifyOn === 'source';
    const streamTableProfile = onSource ? this.sourceProfile : this.targetProfile;
    const otherTable = cassandra !== undefined ? `${cassandra.keyspace}.${cassandra.table}` : onSource ? this.targetTable : sourceTable;
    const failpoints = armFailpoints(this.context.env);
    const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
    const coordinator = resolveCoordinator(this, this.context.env);
    if (coordinator !== undefined && this.resume) throw new UsageError('--resume is for one process and its checkpoint file; with --coordinator every process that joins continues the job from the coordination table');
    if (coordinator === undefined && this.fresh) throw new UsageError('--fresh is for a job shared through --coordinator');
    const own = (file: string): string => (coordinator === undefined ? file : perProcess(file, coordinator.processId));
    const config: MonitorConfig = {
      ...(coordinator === undefined ? {} : { coordinator, fresh: this.fresh }),
      ...(cassandra === undefined ? {} : { cassandra }),
      verifyOn,
      streamTable: onSource ? sourceTable : this.targetTable,
      streamTableAccess: access(streamTableProfile),
      ...(this.streamArn === undefined ? {} : { streamArn: this.streamArn }),
      streamAccess: { ...access(this.streamProfile ?? streamTableProfile), ...(this.streamEndpointUrl === undefined ? {} : { endpoint: this.streamEndpointUrl }) },
      otherTable,
      otherAccess: access(onSource ? this.targetProfile : this.sourceProfile),
      ...(this.partitionKey === undefined ? {} : { partitionKey: this.partitionKey }),
      ...(this.sortKey === undefined ? {} : { sortKey: this.sortKey }),
      sampleRate,
      iteratorType: this.iteratorType === 'latest' ? 'LATEST' : 'TRIM_HORIZON',
      statsIntervalMs: this.statsInterval * 1000,
      ...(this.duration === undefined ? {} : { durationMs: this.duration * 1000 }),
      untilCaughtUp: this.untilCaughtUp,
      threads: this.threads,
      shardsPerThread: this.shardsPerThread,
      ...(this.maxRcu === undefined ? {} : { maxRcu: this.maxRcu }),
      recheckAfterMs: this.recheckAfter,
      maxRechecks: this.maxRechecks,
      inFlight: DEFAULTS.monitor.inFlight,
      idleWaitMs: DEFAULTS.streams.idleWaitMs,
      rediscoverEveryMs: DEFAULTS.monitor.rediscoverEveryMs,
      verbose: this.verbose,
      readStreamTable: this.readStreamTable,
      shardStats: this.shardStats,
      // With --coordinator each process keeps its own differences, report and (unused for resume) checkpoint.
      ...(this.reportDir === undefined ? {} : { reportDir: coordinator === undefined ? this.reportDir : perProcess(this.reportDir, coordinator.processId, true) }),
      differencesPath: own(this.differences ?? path.join('monitor-differences', `${safe(otherTable)}.jsonl`)),
      checkpointPath: own(this.checkpoint ?? path.join('monitor-checkpoints', `${safe(otherTable)}.json`)),
      resume: this.resume,
      maxRetries: DEFAULTS.dynamodb.maxRetries,
      requestTimeoutMs: DEFAULTS.dynamodb.requestTimeoutMs,
      connectionsPerThread: DEFAULTS.migrate.connectionsPerThread,
      taskTimeoutMs: this.taskTimeout * 1000,
      progressIntervalMs: DEFAULTS.progressIntervalMs,
      ...(failpoints === undefined ? {} : { failpoints }),
    };
    if (config.reportDir !== undefined) prepareReportDir(config.reportDir);
    const display = new ProgressDisplay(progressMode(this.json, this.context.stderr), this.context, 'events', 'monitor');
    const summary = await runMonitor(config, display, this.context.signal);
    if (this.json) this.context.stdout.write(`${JSON.stringify({ event: 'summary', command: 'monitor', ...summary })}\n`);
    else this.context.stdout.write(formatSummary(summary));
    if (summary.error !== undefined) this.context.stderr.write(`cass2ddb-fast: ${summary.error.message}\n`);
    return summary.exitStatus;
  }
}
