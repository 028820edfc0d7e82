/** The pure parts of src/job/table-job.ts: the common worker data, and a skipped target table step. */
import { describe, expect, it } from 'vitest';
import type { TargetDescription } from '../../../src/dynamodb/target.js';
import { defaultFetchSize, prepareTargetTable, resolvedFetchSize, tableWorkerData, type TableJobConfig } from '../../../src/job/table-job.js';
import { resolveMappingOptions } from '../../../src/mapping/options.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import type { TableSpec } from '../../../src/mapping/table-spec.js';

const config: TableJobConfig = {
  connection: { contactPoints: ['127.0.0.1'], port: 9042, localDc: 'datacenter1', connectTimeoutMs: 5_000, requestTimeoutMs: 30_000, connectionsPerHost: 2 },
  keyspace: 'app',
  table: 'users',
  targetTable: 'users_copy',
  endpoint: 'http://127.0.0.1:8000',
  profile: 'dev',
  threads: 4,
  splits: 64,
  fetchSize: 500,
  consistency: 'LOCAL_QUORUM',
  connectionsPerThread: 12,
  maxRetries: 7,
  requestTimeoutMs: 9_000,
  mapping: resolveMappingOptions({}),
  mappingSource: 'defaults',
  progressIntervalMs: 250,
  taskTimeoutMs: 300_000,
  outageLimitMs: 600_000,
};
// The region comes from the resolved target, not the flags: a profile or env variable may set it.
const target = { region: 'eu-west-1', identity: 'http://127.0.0.1:8000 eu-west-1' } as TargetDescription;
const tableSpec: TableSpec = { partitionKeys: [], clusteringKeys: [], columns: [] };

describe('tableWorkerData', () => {
  it('carries the source, the select and the resolved target', () => {
    const data = tableWorkerData(config, { tableSpec, select: { cql: 'SELECT …', tokenAlias: 'cass2ddb_token' }, target });
    expect(data).toEqual({
      connection: config.connection,
      keyspace: 'app',
      table: 'users',
      tableSpec,
      mapping: config.mapping,
      selectCql: 'SELECT …',
      tokenAlias: 'cass2ddb_token',
      fetchSize: 500,
      consistency: 'LOCAL_QUORUM',
      target: {
        endpoint: 'http://127.0.0.1:8000',
        region: 'eu-west-1',
        profile: 'dev',
        table: 'users_copy',
        connections: 12,
        maxRetries: 7,
        requestTimeoutMs: 9_000,
      },
    });
  });

  it('leaves out an endpoint and a profile nobody gave', () => {
    const { endpoint: _e, profile: _p, ...plain } = config;
    const data = tableWorkerData(plain, { tableSpec, select: { cql: 'x', tokenAlias: 't' }, target });
    expect(Object.keys(data.target)).toEqual(['region', 'table', 'connections', 'maxRetries', 'requestTimeoutMs']);
  });
});

describe('prepareTargetTable', () => {
  it('skip: no DynamoDB call, nothing created', async () => {
    // an endpoint nobody listens on: any call would fail
    const dead = { ...target, endpoint: { url: new URL('http://127.0.0.1:1') } } as unknown as TargetDescription;
    await expect(prepareTargetTable(config, { keySchema: { hashKey: { name: 'id', type: 'S', columns: ['id'], encoding: 'native' }, rangeKey: null }, target: dead }, 'skip')).resolves.toBeUndefined();
  });
});

describe('fetch size', () => {
  it('is 5,000 rows with one range per thread, shrinking with ranges per thread down to 1,000', () => {
    expect([1, 2, 4, 5, 8, 16].map(defaultFetchSize)).toEqual([5000, 2500, 1250, 1000, 1000, 1000]);
  });

  it('follows --threads on this machine unless --fetch-size is given', () => {
    const { fetchSize: _given, ...rest } = config;
    const cores = DEFAULTS.maxWorkerThreads;
    expect(resolvedFetchSize({ ...rest, threads: cores })).toBe(5000);
    expect(resolvedFetchSize({ ...rest, threads: cores * 16 })).toBe(1000);
    expect(resolvedFetchSize({ ...rest, threads: cores * 16, fetchSize: 123 })).toBe(123);
    expect(tableWorkerData({ ...rest, threads: cores * 2 }, { tableSpec, select: { cql: 'x', tokenAlias: 't' }, target }).fetchSize).toBe(2500);
  });
});
