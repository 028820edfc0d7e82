/**
 * Every default of the tool, in one frozen object, documented where declared. Units are in the
 * names. Precedence when a value can come from several places: defaults < environment < flags.
 */
import os from 'node:os';

export const DEFAULTS = Object.freeze({
  cassandra: Object.freeze({
    /** Contact points, comma-separated; `host` or `host:port`. Env: CASS2DDB_CONTACT_POINTS. */
    contactPoints: '127.0.0.1',
    /** Native protocol port for contact points without one. Env: CASSANDRA_PORT. */
    port: 9042,
    /** Data centre whose nodes are queried. Env: CASS2DDB_LOCAL_DC. */
    localDc: 'datacenter1',
    connectTimeoutMs: 5_000,
    /** Per-request client timeout; generous because 2-core test machines are slow under load. */
    requestTimeoutMs: 30_000,
    connectionsPerHost: 2,
  }),
  /** Worker threads: one per core. */
  threads: Math.max(1, os.availableParallelism()),
  /** How often workers send counters and histogram deltas to the main thread (≤ 500 ms). */
  progressIntervalMs: 250,
  /** How often a non-TTY, non-JSON run prints a progress line. */
  plainProgressEveryMs: 5_000,
  /** How often `--json` prints a progress event. */
  jsonProgressEveryMs: 1_000,
  populate: Object.freeze({
    keyspace: 'cass2ddb_demo',
    model: 'users' as const,
    rows: 100_000,
    seed: 42,
    /** Replication factor 1 (SimpleStrategy); see `--replication` for the accepted forms. */
    replication: '1',
    /** Statements in flight per worker thread. */
    concurrencyPerThread: 64,
    /** Rows per task: small enough for even progress and balance, big enough to be cheap. */
    chunkRows: 5_000,
    /** Every 20th row carries edge values (5 %). */
    edgeEvery: 20,
    /** No rows with values DynamoDB cannot hold, unless asked for. */
    invalidEvery: 0,
    /** Retries of a statement that timed out or met an overloaded node. */
    maxRetries: 8,
  }),
  migrate: Object.freeze({
    /** Sub-ranges per thread: enough to balance uneven ranges and to checkpoint finely. */
    splitsPerThread: 16,
    /** Rows per Cassandra page. */
    fetchSize: 1_000,
    /** Read consistency, as DSBulk's unload: one replica in the local data centre. */
    consistency: 'LOCAL_ONE',
    /** BatchWriteItem requests in flight per thread. */
    inFlightBatches: 8,
    /** Keep-alive connections per thread to DynamoDB. */
    connectionsPerThread: 8,
    /** Retries of one batch (throttles, 5xx, network) before its items are left pending. */
    maxRetries: 10,
    requestTimeoutMs: 30_000,
    /** Dead letters allowed before the job aborts; -1: no limit. */
    maxErrors: -1,
    /** Times a failed range is retried from its position within one run. */
    rangeRetries: 3,
    /** Fixed cadence of checkpoint saves (also saved at each range end). */
    checkpointEveryMs: 1_000,
  }),
  verify: Object.freeze({
    /** BatchGetItem requests (up to 100 keys each) in flight per thread. */
    inFlight: 4,
    /** Share of the data checked, in percent. */
    sampleRatePercent: 100,
    /** Seed of the sample's choice of ranges and scan segments. */
    seed: 1,
    /** 0: a difference is reported as soon as it is seen. */
    recheckAfterMs: 0,
  }),
});

export const LIMITS = Object.freeze({
  maxThreads: 256,
  maxConcurrencyPerThread: 2048,
  maxSplits: 1_000_000,
  maxFetchSize: 100_000,
  maxInFlightBatches: 256,
});
