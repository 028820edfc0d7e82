/**
 * What a monitor run settles before it reads anything: where each side is (endpoints, profiles,
 * the Go monitor's default region as a last resort), the tables' key schemas checked against
 * each other and against --partition-key / --sort-key, what checks read (the other DynamoDB
 * table, or with `--source cassandra` the Cassandra table through migrate's mapping), and the
 * stream to follow (`--stream-arn`, else the table's LatestStreamArn). Every failure here is a
 * one-line error before any worker starts.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULTS } from '../config/defaults.js';
import { resolveEndpoint, type ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { withAdminClient, type DynamoTargetConfig, type TargetDescription } from '../dynamodb/target.js';
import { describeContactPoints } from '../cassandra/client.js';
import { ToolError, toolError } from '../errors.js';
import { prepareTableJob } from '../job/table-job.js';
import { resolveStreamArn } from '../streams/client.js';
import type { CassandraSourceConfig, MonitorConfig, TableAccess } from './config.js';
import type { CheckAgainst } from './task.js';

/** The Go monitor's default region, for users bringing its command lines. */
const LEGACY_DEFAULT_REGION = 'ap-northeast-1';

/** A table's endpoint: flags, environment or profile region, else the Go monitor's default region. */
async function endpointOf(access: TableAccess): Promise<ResolvedEndpoint> {
  const options = {
    ...(access.endpoint === undefined ? {} : { endpoint: access.endpoint }),
    ...(access.region === undefined ? {} : { region: access.region }),
    ...(access.profile === undefined ? {} : { profile: access.profile }),
  };
  try {
    return await resolveEndpoint(options);
  } catch (error) {
    if (error instanceof ToolError && error.code === 'USAGE' && access.region === undefined) return resolveEndpoint({ ...options, region: LEGACY_DEFAULT_REGION });
    throw error;
  }
}

function describe(endpoint: ResolvedEndpoint): TargetDescription {
  return { endpoint, region: endpoint.region, identity: `${endpoint.url.origin} ${endpoint.signingRegion}` };
}

/** The table's key attribute names (hash, range), checked against --partition-key / --sort-key. */
async function keyAttributesOf(target: TargetDescription, table: string, config: MonitorConfig): Promise<string[]> {
  const keys = await withAdminClient(target, async (client) => {
    try {
      const t = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
      return t?.KeySchema ?? [];
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') {
        throw toolError('DYNAMODB_SCHEMA', `DynamoDB table '${table}' does not exist at ${target.identity}`);
      }
      throw error;
    }
  });
  const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (hash === undefined) throw toolError('DYNAMODB_SCHEMA', `DynamoDB table '${table}' has no HASH key`);
  if (config.partitionKey !== undefined && config.partitionKey !== hash) {
    throw toolError('DYNAMODB_SCHEMA', `--partition-key ${config.partitionKey}: table '${table}' has partition key '${hash}'`);
  }
  if (config.sortKey !== undefined && config.sortKey !== range) {
    throw toolError('DYNAMODB_SCHEMA', `--sort-key ${config.sortKey}: table '${table}' has ${range === undefined ? 'no sort key' : `sort key '${range}'`}`);
  }
  return range === undefined ? [hash] : [hash, range];
}

/**
 * `--source cassandra`: the table spec, the mapping (validated) and the target's key schema
 * against the mapping's, once; what the workers need to read and convert the rows.
 */
async function prepareCassandraSide(config: MonitorConfig, source: CassandraSourceConfig, target: ResolvedEndpoint): Promise<{ against: CheckAgainst; keyAttributes: string[] }> {
  const prepared = await prepareTableJob({
    connection: source.connection,
    keyspace: source.keyspace,
    table: source.table,
    targetTable: config.streamTable,
    ...(target.custom ? { endpoint: target.url.href } : {}),
    region: target.region,
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    threads: config.threads,
    splits: 1,
    fetchSize: 1,
    consistency: source.consistency,
    connectionsPerThread: config.connectionsPerThread,
    maxRetries: config.maxRetries,
    requestTimeoutMs: config.requestTimeoutMs,
    mapping: source.mapping,
    mappingSource: source.mappingSource,
    progressIntervalMs: config.progressIntervalMs,
    taskTimeoutMs: config.taskTimeoutMs,
    outageLimitMs: DEFAULTS.engine.outageLimitMs,
  }, { targetTable: 'check' });
  const ks = prepared.keySchema;
  return {
    against: {
      kind: 'cassandra',
      source: { connection: source.connection, keyspace: source.keyspace, table: source.table, tableSpec: prepared.tableSpec, mapping: source.mapping, consistency: source.consistency },
    },
    keyAttributes: ks.rangeKey === null ? [ks.hashKey.name] : [ks.hashKey.name, ks.rangeKey.name],
  };
}

function tableConfig(config: MonitorConfig, table: string, endpoint: ResolvedEndpoint): DynamoTargetConfig {
  return {
    ...(endpoint.custom ? { endpoint: endpoint.url.href } : {}),
    region: endpoint.region,
    ...(endpoint.profile === undefined ? {} : { profile: endpoint.profile }),
    table,
    connections: config.connectionsPerThread,
    maxRetries: config.maxRetries,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}


export interface PreparedMonitor {
  readonly streamTableEndpoint: ResolvedEndpoint;
  readonly streamEndpoint: ResolvedEndpoint;
  readonly against: CheckAgainst;
  /** Key attribute names of both sides: hash, then range. */
  readonly keyAttributes: string[];
  /** The other side, for messages and the checkpoint (its name and where it is). */
  readonly checkedAgainst: string;
  readonly streamArn: string;
  /** The stream's own table, as the workers reach it (read when a change has no NewImage, or with --read-stream-table). */
  readonly streamTable: DynamoTargetConfig;
}

export async function prepareMonitor(config: MonitorConfig): Promise<PreparedMonitor> {
  const otherEndpoint = await endpointOf(config.otherAccess);
  const streamTableEndpoint = await endpointOf(config.streamTableAccess);
  const streamEndpoint = await endpointOf(config.streamAccess);
  const cassandraSource = config.cassandra;
  let against: CheckAgainst;
  let keyAttributes: string[];
  let checkedAgainst: string;
  if (cassandraSource === undefined) {
    const other = describe(otherEndpoint);
    keyAttributes = await keyAttributesOf(other, config.otherTable, config);
    against = { kind: 'dynamodb', table: tableConfig(config, config.otherTable, otherEndpoint) };
    checkedAgainst = `${config.otherTable} (${other.identity})`;
  } else {
    // --partition-key / --sort-key name the target's key: checked first, with their own message.
    const targetKeys = await keyAttributesOf(describe(streamTableEndpoint), config.streamTable, config);
    ({ against, keyAttributes } = await prepareCassandraSide(config, cassandraSource, streamTableEndpoint));
    if (targetKeys.join(',') !== keyAttributes.join(',')) {
      throw toolError('DYNAMODB_SCHEMA', `target table '${config.streamTable}' has key (${targetKeys.join(', ')}) but the mapping writes (${keyAttributes.join(', ')})`);
    }
    checkedAgainst = `${cassandraSource.keyspace}.${cassandraSource.table} (Cassandra at ${describeContactPoints(cassandraSource.connection)})`;
  }
  const streamArn = config.streamArn ?? (await withAdminClient(describe(streamTableEndpoint), (c) => resolveStreamArn(c, config.streamTable)));
  return { streamTableEndpoint, streamEndpoint, against, keyAttributes, checkedAgainst, streamArn, streamTable: tableConfig(config, config.streamTable, streamTableEndpoint) };
}

/**
 * The stream table's current LatestStreamArn and whether its stream is enabled: a table whose
 * stream was disabled, or disabled and enabled again, has a new (or no) stream to follow.
 */
export async function latestStream(endpoint: ResolvedEndpoint, table: string): Promise<{ arn: string | undefined; enabled: boolean }> {
  return withAdminClient(describe(endpoint), async (client) => {
    const t = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
    return { arn: t?.LatestStreamArn, enabled: t?.StreamSpecification?.StreamEnabled === true };
  });
}
