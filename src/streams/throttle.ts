/**
 * One loop for "ask again after a pause" on DynamoDB Streams calls: LimitExceeded (DescribeStream
 * is limited to about 10 calls/s), throttling and 5xx answers that outlived the SDK's own attempts.
 * Pauses follow engine/backoff.ts (capped exponential, full jitter) and end early when the signal
 * aborts; after `maxRetries` in a row the call fails with a retryable error, so the scheduler's
 * retry from the cursor takes over (and a reader that only sleeps is not mistaken for a hung one).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs } from '../engine/backoff.js';
import { ErrorCode, toolError } from '../errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { errorLabel, streamErrorKind } from './errors.js';

export interface ThrottleOptions {
  readonly signal?: AbortSignal;
  /** Default DEFAULTS.streams.throttleBaseDelayMs. */
  readonly baseDelayMs?: number;
  /** Default DEFAULTS.streams.throttleMaxDelayMs. */
  readonly maxDelayMs?: number;
  /** Default DEFAULTS.streams.maxThrottleRetries. */
  readonly maxRetries?: number;
  /** Told before each pause (counters). */
  readonly onThrottle?: (info: { readonly error: string; readonly attempt: number; readonly delayMs: number }) => void;
}

/** Waits `ms`; false when the signal aborted first (the caller stops). */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
    return true;
  } catch {
    return false;
  }
}

/** Thrown by `withThrottleRetry` when the signal aborts during a pause: callers stop quietly. */
export class Aborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

/**
 * Runs `call`, again after a pause each time it is throttled. Other errors pass through as thrown.
 * `what` and `context` name the call in the error that ends the retries.
 */
export async function withThrottleRetry<T>(call: () => Promise<T>, what: string, context: Record<string, string>, options: ThrottleOptions = {}): Promise<T> {
  const maxRetries = options.maxRetries ?? DEFAULTS.streams.maxThrottleRetries;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (streamErrorKind(error) !== 'throttled') throw error;
      const label = errorLabel(error);
      if (attempt >= maxRetries) {
        const server = /^HTTP 5|InternalServerError/.test(label);
        throw toolError(
          server ? ErrorCode.DYNAMODB_SERVER_ERROR : ErrorCode.DYNAMODB_THROTTLED,
          `${what}: still ${label} after ${maxRetries} retries`,
          { ...context, awsType: label },
          true,
        );
      }
      const delayMs = backoffDelayMs(attempt, options.baseDelayMs ?? DEFAULTS.streams.throttleBaseDelayMs, options.maxDelayMs ?? DEFAULTS.streams.throttleMaxDelayMs);
      options.onThrottle?.({ error: label, attempt, delayMs });
      if (!(await pause(delayMs, options.signal))) throw new Aborted();
    }
  }
}
