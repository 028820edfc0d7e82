/**
 * What every job on one Cassandra table and its DynamoDB copy (migrate, verify, monitor) shares:
 * the resolved configuration, the common part of its worker data, and the preparation that
 * reads the source schema and ring and checks the target before any worker starts.
 *
 *   TableJobConfig ── prepareTableJob ── Cassandra: table spec, size estimates, ring (then closed)
 *                                     ── mapping: validated, key schema, range select
 *                                     ── DynamoDB: target described, table checked / created,
 *                                                  its capacity kept (where the rate starts)
 *                  ── tableWorkerData(config, prepared) ── TableWorkerData (plain, to the workers)
 */
import type cassandra from 'cassandra-driver';
import { connect, type CassandraConnection } from '../cassandra/client.js';
import { readRange, type RangePage } from '../cassandra/range-reader.js';
import { ringRanges, sizeEstimates, type SizeEstimate } from '../cassandra/ring.js';
import { loadTableSpec } from '../cassandra/schema.js';
import { buildRangeSelect, type RangeSelect } from '../cassandra/select.js';
import type { TableCapacity } from '../dynamodb/capacity.js';
import { checkTargetTable, describeTarget, ensureTargetTable, type DynamoTargetConfig, type TargetDescription, type TargetTable } from '../dynamodb/target.js';
import type { ArmedFailpoints } from '../engine/failpoints.js';
import { ErrorCode, ToolError } from '../errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { threadLayout } from '../engine/pool.js';
import type { KeySchema } from '../mapping/keys.js';
import type { MappingOptions } from '../mapping/options.js';
import { compileRowConverter, validateMapping } from '../mapping/row-converter.js';
import type { TableSpec } from '../mapping/table-spec.js';
import type { ShardSpec } from '../plan/shards.js';
import type { RangeDescriptor, RingRange } from '../plan/token-ranges.js';
import type { CoordinatorConfig } from '../coord/session.js';

/** The settings a table job's flags resolve to, whatever the command: validated once, trusted inside. */
export interface TableJobConfig {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly targetTable: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly threads: number;
  /** Sub-ranges of the ring (with a shard: of the shard's segment, about). */
  readonly splits: number;
  /** `--shard i/N`: the job takes only shard i's fixed 1/N of the ring (src/plan/shards.ts). */
  readonly shard?: ShardSpec;
  /** Rows per Cassandra page (--fetch-size); absent: defaultFetchSize() of the thread layout. */
  readonly fetchSize?: number;
  /** Read consistency level name, e.g. LOCAL_ONE. */
  readonly consistency: string;
  /** Keep-alive connections per thread to DynamoDB. */
  readonly connectionsPerThread: number;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly mapping: MappingOptions;
  /** Where the mapping came from, for messages (file path or "defaults"). */
  readonly mappingSource: string;
  /** Where to write .hgrm files, summary.json, timeline and the HTML report. */
  readonly reportDir?: string;
  readonly progressIntervalMs: number;
  /** A task that sends nothing for this long is stopped and its work redone (`--task-timeout`). */
  readonly taskTimeoutMs: number;
  /** How long an outage (no Cassandra node answers, DynamoDB unreachable) is waited out before the job stops (exit 3). */
  readonly outageLimitMs: number;
  /** Test hook: failpoints armed from CASS2DDB_FAILPOINTS (src/engine/failpoints.ts). */
  readonly failpoints?: ArmedFailpoints;
  /** `--coordinator`: many processes on one job through a coordination table (src/coord/). */
  readonly coordinator?: CoordinatorConfig;
}

/** The part of a table job's worker data every command has: what to read and where the copy is. */
export interface TableWorkerData {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly tableSpec: TableSpec;
  readonly mapping: MappingOptions;
  /** Built on the main thread: `SELECT token(...) AS <tokenAlias>, ... WHERE token(...) > ? AND token(...) <= ?`. */
  readonly selectCql: string;
  readonly tokenAlias: string;
  readonly fetchSize: number;
  /** Consistency level name, e.g. LOCAL_ONE. */
  readonly consistency: string;
  readonly target: DynamoTargetConfig;
}

export interface PreparedTableJob {
  readonly tableSpec: TableSpec;
  readonly keySchema: KeySchema;
  readonly select: RangeSelect;
  readonly ring: readonly RingRange[];
  readonly estimates: readonly SizeEstimate[];
  /** Partitions the table holds, from system.size_estimates (0 when Cassandra has no estimate yet). */
  readonly estimatedPartitions: number;
  readonly estimatedBytes: number;
  readonly target: TargetDescription;
  /** True when this preparation created the target table. */
  readonly tableCreated: boolean;
  /**
   * What the target table takes at once, from the DescribeTable of the checks
   * (src/dynamodb/capacity.ts); absent when the table step was skipped.
   */
  readonly targetCapacity?: TableCapacity;
}

/**
 * What to do with the target table:
 * - `check`: it must exist with the mapping's key schema (a job that reads it: verify);
 * - `ensure`: the same for a job that writes it, whose messages name --create-table (migrate);
 * - `create`: as `ensure`, creating a missing table on demand (migrate --create-table);
 * - `skip`: no DynamoDB call (a dry run writes nothing).
 */
export type TargetTableStep = 'check' | 'ensure' | 'create' | 'skip';

export interface PrepareTableJobOptions {
  /** Default `check`. */
  readonly targetTable?: TargetTableStep;
}

function usage(message: string): ToolError {
  return new ToolError({ code: ErrorCode.USAGE, message, retryable: false });
}

/**
 * Reads the source (schema, size estimates, ring), compiles the mapping against it and checks
 * the target table. Throws (USAGE, CASSANDRA_*, DYNAMODB_*) on the first problem; the Cassandra
 * connection is closed on every path.
 */
export async function prepareTableJob(config: TableJobConfig, options: PrepareTableJobOptions = {}): Promise<PreparedTableJob> {
  // Schema, ring and estimates only: the driver's own map encoding keeps every replica in the plan.
  const client = await connect(config.connection, undefined, { metadataOnly: true });
  let tableSpec: TableSpec;
  let estimates: SizeEstimate[];
  let ring: RingRange[];
  try {
    tableSpec = await loadTableSpec(client, config.keyspace, config.table);
    estimates = await sizeEstimates(client, config.keyspace, config.table);
    ring = ringRanges(client, config.keyspace, estimates);
  } finally {
    await client.shutdown();
  }

  const problems = validateMapping(tableSpec, config.mapping);
  if (problems.length > 0) throw usage(`mapping (${config.mappingSource}): ${problems.join('; ')}`);
  const keySchema = compileRowConverter(tableSpec, config.mapping).keySchema;
  const target = await describeTarget(config);
  const targetTable = await prepareTargetTable(config, { keySchema, target }, options.targetTable ?? 'check');

  return {
    tableSpec,
    keySchema,
    select: buildRangeSelect(config.keyspace, config.table, tableSpec, config.mapping),
    ring,
    estimates,
    estimatedPartitions: estimates.reduce((a, e) => a + e.partitions, 0),
    estimatedBytes: estimates.reduce((a, e) => a + e.partitions * e.meanPartitionBytes, 0),
    target,
    ...preparedTargetTable(targetTable),
  };
}

/** A PreparedTableJob's fields for the target table step's result. */
export function preparedTargetTable(t: TargetTable | undefined): Pick<PreparedTableJob, 'tableCreated' | 'targetCapacity'> {
  return t === undefined ? { tableCreated: false } : { tableCreated: t.created, targetCapacity: t.capacity };
}

/**
 * The target table step on its own, for a job with checks of its own to make before it (migrate
 * refuses a wrong checkpoint before it creates a table). Says whether it created the table and
 * what the table takes at once; undefined for `skip`.
 */
export async function prepareTargetTable(
  config: Pick<TableJobConfig, 'targetTable' | 'requestTimeoutMs'>,
  prepared: Pick<PreparedTableJob, 'keySchema' | 'target'>,
  step: TargetTableStep,
): Promise<TargetTable | undefined> {
  const options = { table: config.targetTable, keySchema: prepared.keySchema, requestTimeoutMs: config.requestTimeoutMs };
  switch (step) {
    case 'skip':
      return undefined;
    case 'check':
      return checkTargetTable(prepared.target, options);
    case 'ensure':
    case 'create':
      return ensureTargetTable(prepared.target, { ...options, create: step === 'create' });
    default:
      throw new Error(`unknown target table step ${JSON.stringify(step satisfies never)}`);
  }
}

/** Rows per page with `tasksPerThread` ranges on each worker thread: see DEFAULTS.migrate.fetchSize. */
export function defaultFetchSize(tasksPerThread: number): number {
  const { fetchSize, minFetchSize } = DEFAULTS.migrate;
  return Math.max(minFetchSize, Math.floor(fetchSize / Math.max(1, tasksPerThread)));
}

/** --fetch-size, or the default for the job's thread layout. */
export function resolvedFetchSize(config: Pick<TableJobConfig, 'fetchSize' | 'threads'>): number {
  return config.fetchSize ?? defaultFetchSize(threadLayout(config.threads).tasksPerThread);
}

/** The common part of a table job's worker data; each command adds its own fields. */
export function tableWorkerData(config: TableJobConfig, prepared: Pick<PreparedTableJob, 'tableSpec' | 'select' | 'target'>): TableWorkerData {
  return {
    connection: config.connection,
    keyspace: config.keyspace,
    table: config.table,
    tableSpec: prepared.tableSpec,
    mapping: config.mapping,
    selectCql: prepared.select.cql,
    tokenAlias: prepared.select.tokenAlias,
    fetchSize: resolvedFetchSize(config),
    consistency: config.consistency,
    target: {
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      region: prepared.target.region,
      ...(config.profile === undefined ? {} : { profile: config.profile }),
      table: config.targetTable,
      connections: config.connectionsPerThread,
      maxRetries: config.maxRetries,
      requestTimeoutMs: config.requestTimeoutMs,
    },
  };
}

/**
 * Worker side: the pages of one token range of a table job, from after `cursor` (a retry or a
 * resumed run) or from the range's start, on a replica of the range.
 */
export function rangePages(
  client: cassandra.Client,
  data: TableWorkerData,
  range: Pick<RangeDescriptor, 'start' | 'end' | 'replicas'>,
  cursor: string | undefined,
  onFetch: (micros: number) => void,
): AsyncGenerator<RangePage> {
  return readRange(client, { after: cursor ?? range.start, end: range.end, replicas: range.replicas }, {
    cql: data.selectCql,
    tokenAlias: data.tokenAlias,
    fetchSize: data.fetchSize,
    consistency: data.consistency,
    connection: data.connection,
    onFetch,
  });
}

/** The cursor after a page: rows with its last token may go on in the next page, so just before it. */
export function cursorAfter(lastToken: string): string {
  return (BigInt(lastToken) - 1n).toString();
}
