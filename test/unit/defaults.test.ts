import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { backoffDelayMs } from '../../src/engine/backoff.js';
import { RetryPolicy } from '../../src/dynamodb/retry-loop.js';

function frozenThroughout(value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null) return;
  expect(Object.isFrozen(value), path).toBe(true);
  for (const [k, v] of Object.entries(value)) frozenThroughout(v, `${path}.${k}`);
}

describe('DEFAULTS', () => {
  it('is frozen, every section of it', () => {
    frozenThroughout(DEFAULTS, 'DEFAULTS');
  });

  it('holds the DynamoDB client defaults, unchanged by the move', () => {
    expect(DEFAULTS.dynamodb).toEqual({
      connections: 16,
      keepAliveTimeoutMs: 10_000,
      keepAliveMaxTimeoutMs: 60_000,
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 30_000,
      maxRetries: 10,
      sdkMaxAttempts: 5,
      tableActiveTimeoutMs: 300_000,
      credentialRefreshWindowMs: 300_000,
      credentialExpiryMarginMs: 30_000,
      credentialMinRefreshIntervalMs: 1_000,
      loopbackRegion: 'us-east-1',
      maxBatchItems: 25,
      maxBatchBytes: 16 * 1024 * 1024,
    });
    expect(DEFAULTS.backoff).toEqual({ baseDelayMs: 50, maxDelayMs: 5_000 });
    expect(DEFAULTS.rateController).toEqual({
      initialRate: 1_000,
      newOnDemandWriteUnitsPerSec: 4_000,
      newOnDemandReadUnitsPerSec: 12_000,
      minRate: 10,
      holdMs: 1_000,
      plateauMs: 8_000,
      tickMs: 250,
    });
  });

  it('declares the engine section the task loop uses', () => {
    expect(DEFAULTS.engine).toEqual({
      taskRetries: 3,
      taskRetryBaseDelayMs: 500,
      taskRetryMaxDelayMs: 10_000,
      outageCodes: ['CASSANDRA_UNREACHABLE', 'CASSANDRA_WRITE_TIMEOUT', 'DYNAMODB_UNREACHABLE'],
      outageLimitMs: 600_000,
      taskSilenceTimeoutMs: 300_000,
      workerStartTimeoutMs: 120_000,
      progressTickMs: 100,
    });
  });

  it('keeps the command names, taking their values from the one declaration', () => {
    expect(DEFAULTS.migrate.maxRetries).toBe(DEFAULTS.dynamodb.maxRetries);
    expect(DEFAULTS.migrate.requestTimeoutMs).toBe(DEFAULTS.dynamodb.requestTimeoutMs);
    expect(DEFAULTS.migrate.rangeRetries).toBe(DEFAULTS.engine.taskRetries);
    expect(DEFAULTS.migrate).toMatchObject({ maxRetries: 10, requestTimeoutMs: 30_000, rangeRetries: 3, inFlightBatches: 8, connectionsPerThread: 8 });
    expect(DEFAULTS.verify.sourceLookupsInFlight).toBe(32);
    expect(DEFAULTS.progressIntervalMs).toBe(250);
  });

  it('is what the modules fall back on', () => {
    const policy = new RetryPolicy();
    expect([policy.maxRetries, policy.baseBackoffMs, policy.maxBackoffMs]).toEqual([10, 50, 5_000]);
    // Default arguments of backoffDelayMs: the ceiling of attempt 10 is the cap, 5 s.
    expect(backoffDelayMs(10, undefined, undefined, () => 0.999_999)).toBe(Math.floor(0.999_999 * 5_000));
    expect(backoffDelayMs(0, undefined, undefined, () => 0.999_999)).toBe(Math.floor(0.999_999 * 50));
  });
});
