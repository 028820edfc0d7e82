/**
 * The flags every command that works on one Cassandra table and its DynamoDB copy shares
 * (migrate, verify): source, target, parallelism, reads, AWS endpoint, mapping, report.
 */
import { Option } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS, LIMITS } from '../config/defaults.js';
import { armFailpoints, type ArmedFailpoints } from '../engine/failpoints.js';
import { loadMapping } from '../config/mapping-file.js';
import type { TableJobConfig } from '../job/table-job.js';
import { ErrorCode, ToolError } from '../errors.js';
import { parseShard, SHARD_INDEX_ENV, type ShardSpec } from '../plan/shards.js';
import { CassandraCommand, isPositiveInt } from './base.js';
import type { CoordinatorConfig } from '../coord/session.js';
import { coordinatorEndpointFlag, coordinatorFlag, leaseSecondsFlag, perProcess, processIdFlag, resolveCoordinator } from './coordinator-flags.js';

/** Read consistency levels (ANY is for writes only). */
export const READ_CONSISTENCIES = ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;

export abstract class TableJobCommand extends CassandraCommand {
  keyspace = Option.String('--keyspace', { required: true, description: 'Source keyspace' });
  table = Option.String('--table', { required: true, description: 'Source table' });
  targetTable = Option.String('--target-table', { description: 'DynamoDB table (default: the source table\'s name)' });
  threads = Option.String('--threads', String(DEFAULTS.threads), {
    description: `Ranges copied at once (default: one per core, ${DEFAULTS.threads} here), on at most ${DEFAULTS.maxWorkerThreads} worker threads (one per core); above that each thread runs several ranges`,
    validator: isPositiveInt(LIMITS.maxThreads),
  });
  splits = Option.String('--splits', {
    description: `Token sub-ranges (default ${DEFAULTS.migrate.splitsPerThread} × --threads)`,
    validator: isPositiveInt(LIMITS.maxSplits),
  });
  fetchSize = Option.String('--fetch-size', {
    description: `Rows per Cassandra page (default ${DEFAULTS.migrate.fetchSize} with one range per thread; ${DEFAULTS.migrate.fetchSize} / ranges per thread, at least ${DEFAULTS.migrate.minFetchSize}, above)`,
    validator: isPositiveInt(LIMITS.maxFetchSize),
  });
  consistency = Option.String('--consistency', DEFAULTS.migrate.consistency, {
    description: `Read consistency in Cassandra (default ${DEFAULTS.migrate.consistency})`,
    validator: t.isEnum(READ_CONSISTENCIES),
  });
  endpointUrl = Option.String('--endpoint-url', { description: 'DynamoDB endpoint, e.g. http://127.0.0.1:8000 (default: the region\'s AWS endpoint)' });
  region = Option.String('--region', { description: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region)' });
  profile = Option.String('--profile', { description: 'AWS profile of ~/.aws/config (default: AWS_PROFILE)' });
  mapping = Option.String('--mapping', { description: 'Mapping file (YAML or JSON): renames, include/exclude, key names, type overrides, TTL, writetime' });
  taskTimeout = Option.String('--task-timeout', String(DEFAULTS.engine.taskSilenceTimeoutMs / 1000), {
    description: `Seconds a range may go without any progress before its thread is stopped and the range redone (default ${DEFAULTS.engine.taskSilenceTimeoutMs / 1000})`,
    validator: isPositiveInt(86_400),
  });
  outageLimit = Option.String('--outage-limit', String(DEFAULTS.engine.outageLimitMs / 1000), {
    description: `Seconds an outage is waited out (no Cassandra node answers, a node unavailable, DynamoDB unreachable), retrying each range with backoff; past it the job stops with exit 3 and --resume continues (default ${DEFAULTS.engine.outageLimitMs / 1000})`,
    validator: isPositiveInt(7 * 86_400),
  });
  shard = Option.String('--shard', {
    description: `Take only shard i of N (0 ≤ i < N ≤ ${LIMITS.maxShards.toLocaleString('en-US')}): a fixed 1/N of the token ring, so N processes split the table without talking to each other; auto/N reads i from ${SHARD_INDEX_ENV.join(', ')} (first set)`,
  });
  reportDir = Option.String('--report-dir', { description: 'Write latency histograms (.hgrm), summary.json, the timeline and an HTML report here (with --coordinator: in a folder per process under it)' });
  coordinator = coordinatorFlag();
  coordinatorEndpointUrl = coordinatorEndpointFlag();
  processId = processIdFlag();
  leaseSeconds = leaseSecondsFlag();

  protected resolvedTargetTable(): string {
    return this.targetTable ?? this.table;
  }

  protected resolvedSplits(): number {
    return this.splits ?? this.threads * DEFAULTS.migrate.splitsPerThread;
  }

  /** Ranges the job plans the ring in (verify's sample needs more); a shard plans this many times N. */
  protected plannedSplits(): number {
    return this.resolvedSplits();
  }

  /** --shard, checked; a shard plans the whole ring in N times its ranges, so that product is bounded too. */
  protected resolvedShard(): ShardSpec | undefined {
    if (this.shard === undefined) return undefined;
    const shard = parseShard(this.shard, this.context.env);
    const per = this.plannedSplits();
    if (per * shard.count > LIMITS.maxSplits) {
      const fmt = (n: number) => n.toLocaleString('en-US');
      throw new ToolError({
        code: ErrorCode.USAGE,
        retryable: false,
        message: `--shard ${this.shard}: each shard plans the whole ring in ${fmt(per)} × ${fmt(shard.count)} = ${fmt(per * shard.count)} ranges, more than ${fmt(LIMITS.maxSplits)}; lower --splits (or --threads)`,
      });
    }
    return shard;
  }

  /** The AWS endpoint flags as optional config fields. */
  protected awsTarget(): { endpoint?: string; region?: string; profile?: string } {
    return {
      ...(this.endpointUrl === undefined ? {} : { endpoint: this.endpointUrl }),
      ...(this.region === undefined ? {} : { region: this.region }),
      ...(this.profile === undefined ? {} : { profile: this.profile }),
    };
  }

  /** --report-dir, and --coordinator with the report in a folder per process (each writes its own). */
  private reportAndCoordinator(): { reportDir?: string; coordinator?: CoordinatorConfig } {
    const coordinator = resolveCoordinator(this, this.context.env);
    if (coordinator === undefined) return this.reportDir === undefined ? {} : { reportDir: this.reportDir };
    if (this.shard !== undefined) {
      throw new ToolError({ code: ErrorCode.USAGE, message: '--shard and --coordinator exclude each other: static shards split the ring without a table, a coordinator shares all of it through leases', retryable: false });
    }
    return { coordinator, ...(this.reportDir === undefined ? {} : { reportDir: perProcess(this.reportDir, coordinator.processId, true) }) };
  }

  /**
   * The flags every table job shares, resolved (the Cassandra connection first, then the mapping
   * file). Connections per thread depend on each command's requests in flight.
   */
  protected tableJobConfig(connectionsPerThread: number): TableJobConfig {
    const shard = this.resolvedShard();
    const connection = this.cassandraConnection();
    const mapping = loadMapping(this.mapping);
    return {
      connection,
      keyspace: this.keyspace,
      table: this.table,
      targetTable: this.resolvedTargetTable(),
      ...this.awsTarget(),
      threads: this.threads,
      splits: this.resolvedSplits(),
      ...(shard === undefined ? {} : { shard }),
      ...(this.fetchSize === undefined ? {} : { fetchSize: this.fetchSize }),
      consistency: this.consistency,
      connectionsPerThread,
      maxRetries: DEFAULTS.migrate.maxRetries,
      requestTimeoutMs: DEFAULTS.migrate.requestTimeoutMs,
      mapping: mapping.options,
      mappingSource: mapping.source,
      ...this.reportAndCoordinator(),
      progressIntervalMs: DEFAULTS.progressIntervalMs,
      taskTimeoutMs: this.taskTimeout * 1000,
      outageLimitMs: this.outageLimit * 1000,
      ...failpointsOf(this.context.env),
    };
  }
}

function failpointsOf(env: NodeJS.ProcessEnv): { failpoints?: ArmedFailpoints } {
  const failpoints = armFailpoints(env);
  return failpoints === undefined ? {} : { failpoints };
}
