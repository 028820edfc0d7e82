/**
 * Defaults of the DynamoDB write path, documented where declared; units are in the names.
 * (They belong with src/config/defaults.ts once the migrate command wires its flags.)
 */
import { BACKOFF_DEFAULTS } from '../engine/backoff.js';

export const DYNAMODB_DEFAULTS = Object.freeze({
  /** Keep-alive sockets per worker to one endpoint origin; one batch in flight per socket. */
  connections: 16,
  /** An idle socket is closed after this; well under the ~60 s after which AWS front ends drop idle connections. */
  keepAliveTimeoutMs: 10_000,
  /** Upper bound for a keep-alive hint sent by the server. */
  keepAliveMaxTimeoutMs: 60_000,
  /** TCP + TLS connect, per attempt. */
  connectTimeoutMs: 5_000,
  /** Waiting for response headers, and then between body chunks, per request. */
  requestTimeoutMs: 30_000,
  /** Resends of one (sub-)batch after throttling, 5xx, network errors or UnprocessedItems. */
  maxRetries: 10,
  baseBackoffMs: BACKOFF_DEFAULTS.baseDelayMs,
  maxBackoffMs: BACKOFF_DEFAULTS.maxDelayMs,
  /** Credentials that expire sooner than this are refreshed before the next request is signed. */
  credentialRefreshWindowMs: 5 * 60_000,
  /** Region used to sign requests to a loopback endpoint (DynamoDB Local) when none is configured. */
  loopbackRegion: 'us-east-1',
  /** BatchWriteItem limits (DynamoDB service quotas). */
  maxBatchItems: 25,
  maxBatchBytes: 16 * 1024 * 1024,
});
