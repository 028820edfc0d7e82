/**
 * Every default of the tool, in one frozen object, documented where declared. Units are in the
 * names. Precedence when a value can come from several places: defaults < environment < flags.
 * Sections that others repeat under a command's name (`migrate.maxRetries`) are declared first
 * and referred to, so each value is written once.
 */
import os from 'node:os';

/**
 * DynamoDB clients: the lean path's undici transport, its request loop, and the AWS SDK client
 * used off the hot path (DescribeTable, CreateTable).
 */
const dynamodb = Object.freeze({
  /** Keep-alive sockets per worker to one endpoint origin when the caller names none; one batch in flight per socket. */
  connections: 16,
  /** An idle socket is closed after this; well under the ~60 s after which AWS front ends drop idle connections. */
  keepAliveTimeoutMs: 10_000,
  /** Upper bound for a keep-alive hint sent by the server. */
  keepAliveMaxTimeoutMs: 60_000,
  /** TCP + TLS connect, per attempt. */
  connectTimeoutMs: 5_000,
  /** Waiting for response headers, and then between body chunks, per request (both clients). */
  requestTimeoutMs: 30_000,
  /** Resends of one (sub-)batch after throttling, 5xx, network errors or UnprocessedItems. */
  maxRetries: 10,
  /** Attempts of one AWS SDK call (off the hot path), the SDK's own retries included. */
  sdkMaxAttempts: 5,
  /** How long CreateTable waits for the new table to be ACTIVE. */
  tableActiveTimeoutMs: 300_000,
  /**
   * Credentials that expire sooner than this are refreshed in the background while still in use
   * (like the AWS SDK's own 5 minutes). Credentials that live shorter than twice this are
   * refreshed at half their life instead, so they are not fetched again on every request.
   */
  credentialRefreshWindowMs: 5 * 60_000,
  /**
   * Credentials are not used to sign within this of their expiry (a quarter of their life when
   * that is shorter): a request must reach DynamoDB before they expire. Past it, signing waits
   * for new ones.
   */
  credentialExpiryMarginMs: 30_000,
  /** At most one call of the credential provider per this, unless the credentials in hand expired or were refused. */
  credentialMinRefreshIntervalMs: 1_000,
  /** Region used to sign requests to a loopback endpoint (DynamoDB Local) when none is configured. */
  loopbackRegion: 'us-east-1',
  /** BatchWriteItem limits (DynamoDB service quotas, not settings). */
  maxBatchItems: 25,
  maxBatchBytes: 16 * 1024 * 1024,
});

/**
 * Capped exponential backoff with full jitter between resends of one request: a DynamoDB
 * (sub-)batch, a populate statement. Delay before resend n: uniform in [0, min(max, base·2^n)].
 */
const backoff = Object.freeze({
  baseDelayMs: 50,
  maxDelayMs: 5_000,
});

/** The worker pool and its tasks (a token range, a scan segment…), whatever the command. */
const engine = Object.freeze({
  /** Times a failed task is retried from its last position within one run. */
  taskRetries: 3,
  /** Backoff between a task's attempts (capped exponential, full jitter). */
  taskRetryBaseDelayMs: 500,
  taskRetryMaxDelayMs: 10_000,
  /**
   * A database as a whole out of reach (no Cassandra node answers, a node overloaded or
   * unavailable, the DynamoDB endpoint unreachable): the task is retried at the backoff above,
   * without using up taskRetries, for up to outageLimitMs (migrate and verify: --outage-limit).
   */
  outageCodes: Object.freeze(['CASSANDRA_UNREACHABLE', 'CASSANDRA_WRITE_TIMEOUT', 'DYNAMODB_UNREACHABLE'] as const),
  outageLimitMs: 600_000,
  /** A task that sends nothing (no counter moves) for this long is failed (TASK_TIMEOUT) and retried. */
  taskSilenceTimeoutMs: 300_000,
  /** Workers must open their clients within this, or the job fails (WORKER_START_FAILED). */
  workerStartTimeoutMs: 120_000,
  /** How often the progress display is refreshed. */
  progressTickMs: 100,
});

/**
 * The adaptive rate (src/engine/rate-controller.ts); rates are in units per second. A job starts
 * at what DescribeTable says the target takes at once (src/dynamodb/capacity.ts).
 */
const rateController = Object.freeze({
  /** The start when DescribeTable states no capacity at all (no billing mode, no provisioned units): well under a new on-demand table's. */
  initialRate: 1_000,
  /**
   * What a new on-demand table (and each of its indexes) takes at once: its WarmThroughput when
   * created (AWS documentation; DynamoDB facts, not settings). The start for an on-demand table
   * whose DescribeTable reports no WarmThroughput.
   */
  newOnDemandWriteUnitsPerSec: 4_000,
  newOnDemandReadUnitsPerSec: 12_000,
  /** The rate never falls below this. */
  minRate: 10,
  /** No increase for this long after a throttle. */
  holdMs: 1_000,
  /** No throttle for this long: probe above the capacity estimate. */
  plateauMs: 8_000,
  /** How often the rate is recomputed. */
  tickMs: 250,
});

/** Reading DynamoDB Streams (src/streams/): the monitor's shard readers. */
/**
 * Many processes on one job (--coordinator dynamodb:<table>, src/coord/): leases in the
 * coordination table, the way the Kinesis Client Library shares a stream.
 */
const coordination = Object.freeze({
  /**
   * A lease whose counter stands still this long, on the observer's own clock, has lost its
   * owner and is taken over (--lease-seconds; the KCL's failover time is 10 s too). Owners renew
   * every third of it, writing their position with each renewal.
   */
  leaseMs: 10_000,
  /** Each process's heartbeat (totals, rate membership) at most this often; others count it alive while it moves. */
  heartbeatMs: 2_000,
  /** While looking for work (all taken, or others' leases to wait out), the job's items are read at most this often. */
  pollMs: 2_000,
  /** A plan left `creating` this long by a process that died while writing it is written again by another. */
  planStaleMs: 60_000,
});

const streams = Object.freeze({
  /** DescribeStream page size: the service maximum (a larger value is a ValidationException). */
  describePageLimit: 100,
  /** GetRecords batch size: the service maximum (1,000 records or 1 MB, whichever comes first). */
  getRecordsLimit: 1_000,
  /** Pause after an empty read of an open shard: about one GetRecords per second per shard when idle. */
  idleWaitMs: 1_000,
  /**
   * Pause before a new TRIM_HORIZON iterator after a trim reported before anything was read:
   * DynamoDB Local's false trim on an empty shard (see ../shared/ARCHITECTURE.md) clears once a
   * record arrives, so a short, steady retry costs little and never abandons the shard.
   */
  falseTrimRetryMs: 250,
  /**
   * Backoff after LimitExceeded, throttling or a 5xx (after the SDK's own attempts). DescribeStream
   * is limited to about 10 calls/s per account, so the cap is generous.
   */
  throttleBaseDelayMs: 100,
  throttleMaxDelayMs: 5_000,
  /**
   * Consecutive throttles or 5xx answers before the call fails with a retryable error: the
   * scheduler then retries the shard from its cursor, and its silence watchdog never sees a
   * reader that only sleeps.
   */
  maxThrottleRetries: 20,
});

export const DEFAULTS = Object.freeze({
  coordination,
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
    /** Delays between attempts to reach a node that is down: exponential from base to max. */
    reconnectBaseDelayMs: 500,
    reconnectMaxDelayMs: 5_000,
  }),
  dynamodb,
  backoff,
  engine,
  rateController,
  streams,
  /** Worker threads: one per core. */
  threads: Math.max(1, os.availableParallelism()),
  /**
   * At most this many worker threads (one per core): a --threads above it runs several ranges at
   * once on each thread instead. More threads than cores only add isolates (about 50 MiB each)
   * and contention; the ranges in flight are what the I/O needs.
   */
  maxWorkerThreads: Math.max(1, os.availableParallelism()),
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
    /** Write consistency: one replica's answer is enough (the driver's own default). */
    consistency: 'LOCAL_ONE',
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
    /**
     * Rows per Cassandra page when each worker thread copies one range (DSBulk's page size:
     * Cassandra spends about a quarter less CPU per row than at 1,000, bench/RESULTS.md). With k
     * ranges per thread (--threads above the cores) pages are fetchSize / k rows, at least
     * minFetchSize, so a thread holds about as many rows whatever --threads is. --fetch-size
     * overrides both.
     */
    fetchSize: 5_000,
    minFetchSize: 1_000,
    /** Read consistency, as DSBulk's unload: one replica in the local data centre. */
    consistency: 'LOCAL_ONE',
    /** BatchWriteItem requests in flight per thread. */
    inFlightBatches: 8,
    /** Keep-alive connections per thread to DynamoDB. */
    connectionsPerThread: 8,
    /** Retries of one batch (throttles, 5xx, network) before its items are left pending: dynamodb.maxRetries. */
    maxRetries: dynamodb.maxRetries,
    /** Per DynamoDB request: dynamodb.requestTimeoutMs. */
    requestTimeoutMs: dynamodb.requestTimeoutMs,
    /** Dead letters allowed before the job aborts; -1: no limit. */
    maxErrors: -1,
    /** Times a failed range is retried from its position within one run: engine.taskRetries. */
    rangeRetries: engine.taskRetries,
    /** Fixed cadence of checkpoint saves (also saved at each range end). */
    checkpointEveryMs: 1_000,
  }),
  monitor: Object.freeze({
    /** Percent of keys checked (or 1/N). */
    sampleRate: '100',
    /** Where shards open at start are read from, as the Go monitor: only new changes. */
    iteratorType: 'latest' as const,
    /** A statistics block this often. */
    statsIntervalSeconds: 30,
    /** Shards one worker thread follows at once. */
    shardsPerThread: 32,
    /** A failed check is looked at again after this, doubling each time… */
    recheckAfterMs: 1_000,
    /** …this many times (1 + 2 + 4 + 8 + 16 s with the defaults) before it counts as a difference. */
    maxRechecks: 5,
    /** BatchGetItem requests in flight per shard (a batch of 1,000 changes is 10 requests). */
    inFlight: 8,
    /** The shard listing is read again this often for new shards. */
    rediscoverEveryMs: 10_000,
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
    /** Cassandra lookups in flight per thread while checking scanned items against the source. */
    sourceLookupsInFlight: 32,
  }),
});

export const LIMITS = Object.freeze({
  maxThreads: 256,
  maxConcurrencyPerThread: 2048,
  maxSplits: 1_000_000,
  /** `--shard i/N`: N at most this; each shard plans the whole ring in --splits × N ranges (at most maxSplits) and keeps its own. */
  maxShards: 10_000,
  maxFetchSize: 100_000,
  maxInFlightBatches: 256,
});
