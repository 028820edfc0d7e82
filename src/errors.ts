/**
 * The one registry of error codes, and the exit-status mapping: the one place that decides how a
 * failure ends the process. Every error the tool reports carries one of these codes; code
 * branches on the code, never on the message. Errors cross worker threads as plain data
 * (`PlainError`), never as Error objects, because classes and custom fields do not survive
 * structured clone.
 */

/** Exit statuses, as documented in the README and ../shared/ARCHITECTURE.md. */
export const ExitStatus = Object.freeze({
  /** Completed, nothing lost, nothing different. */
  OK: 0,
  /** Completed with errors (dead letters, or verify found differences). */
  COMPLETED_WITH_ERRORS: 1,
  /** Aborted: too many errors (`--max-errors`). */
  TOO_MANY_ERRORS: 2,
  /**
   * Aborted: fatal error (unreachable database, bad credentials, schema mismatch, a checkpoint
   * or dead-letter file that cannot be written: no permission, a full disk, a file-size limit).
   */
  FATAL: 3,
  /** Interrupted (SIGINT/SIGTERM), checkpoint saved. */
  INTERRUPTED: 4,
  /** Usage error (bad flags, bad mapping file). */
  USAGE: 64,
} as const);

export type ExitStatusCode = (typeof ExitStatus)[keyof typeof ExitStatus];

/** What the registry knows about one code. */
export interface ErrorCodeSpec {
  /** The process's exit status when an error of this code ends it. */
  readonly exitStatus: ExitStatusCode;
  /** Ends the whole job: every other task would fail the same way. */
  readonly fatal: boolean;
  /** Retryable by default: a later attempt of the same work may succeed. */
  readonly retryable: boolean;
}

/** Ends the job at once; never retried. */
const FATAL = { fatal: true, retryable: false } as const;
/** A later attempt (a resend, the task's retry) may succeed. */
const RETRY = { fatal: false, retryable: true } as const;
/** This piece of work failed for good (a dead letter, a failed task); the job goes on. */
const FAIL = { fatal: false, retryable: false } as const;

const spec = (exitStatus: ExitStatusCode, how: typeof FATAL | typeof RETRY | typeof FAIL): ErrorCodeSpec => Object.freeze({ exitStatus, ...how });

const F = ExitStatus.FATAL;

/**
 * Every error code, declared once. Codes that name one request or one item (DYNAMODB_THROTTLED,
 * DYNAMODB_VALIDATION…) exit with FATAL too: an error of that code ends the process only when
 * the job aborts on it (dead letters end it with COMPLETED_WITH_ERRORS through their count).
 */
export const ERROR_CODES = Object.freeze({
  /** Bad flags, values or mapping file: the user's own mistake, found before any work. */
  USAGE: spec(ExitStatus.USAGE, FAIL),

  /** No Cassandra node answered (connect failed, no host available). */
  CASSANDRA_UNREACHABLE: spec(F, RETRY),
  /** Cassandra rejected the credentials or the user lacks a permission. */
  CASSANDRA_AUTH: spec(F, FATAL),
  /** Missing keyspace or table, invalid query for the schema, no token ranges. */
  CASSANDRA_SCHEMA: spec(F, FATAL),
  /** Any other failed statement. */
  CASSANDRA_QUERY: spec(F, FAIL),
  /** A read or write timed out, or a node was overloaded, unavailable or bootstrapping. */
  CASSANDRA_WRITE_TIMEOUT: spec(F, RETRY),

  /** Connection refused, DNS failure, host unreachable. Retryable for one request; exit 3 when it ends the job. */
  DYNAMODB_UNREACHABLE: spec(F, RETRY),
  /** Unrecognized client, access denied, bad signature, expired token, no credentials. */
  DYNAMODB_AUTH: spec(F, FATAL),
  /** The target table is missing or does not fit the mapping (checked before and during a run). */
  DYNAMODB_SCHEMA: spec(F, FATAL),
  /** ResourceNotFoundException: the table is gone; every write would fail. */
  DYNAMODB_TABLE_NOT_FOUND: spec(F, FATAL),
  /** ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded: retry with backoff. */
  DYNAMODB_THROTTLED: spec(F, RETRY),
  /** ValidationException, SerializationException: an item (or the request) is invalid. */
  DYNAMODB_VALIDATION: spec(F, FAIL),
  /** ItemCollectionSizeLimitExceededException: a partition with local indexes is over 10 GB. */
  DYNAMODB_ITEM_COLLECTION_LIMIT: spec(F, FAIL),
  /** TransactionConflictException: an item is part of a running transaction. */
  DYNAMODB_CONFLICT: spec(F, RETRY),
  /** HTTP 5xx (InternalServerError, ServiceUnavailable). */
  DYNAMODB_SERVER_ERROR: spec(F, RETRY),
  /** Any other 4xx. */
  DYNAMODB_REQUEST_REJECTED: spec(F, FAIL),
  /** HTTP 200 with a body that is not the expected JSON (puts are idempotent: resend). */
  DYNAMODB_BAD_RESPONSE: spec(F, RETRY),
  /** Connection reset or closed mid-request. */
  DYNAMODB_NETWORK: spec(F, RETRY),
  /** Connect, headers or body timeout. */
  DYNAMODB_TIMEOUT: spec(F, RETRY),
  /** The caller's own DynamoDB client was closed: no resend on it. */
  DYNAMODB_CLIENT_CLOSED: spec(F, FAIL),
  /** maxRetries resends did not get the request done; the task's next attempt may. */
  RETRIES_EXHAUSTED: spec(F, RETRY),

  /** More dead letters than `--max-errors`. */
  TOO_MANY_ERRORS: spec(ExitStatus.TOO_MANY_ERRORS, FAIL),
  /** SIGINT/SIGTERM: progress saved. */
  INTERRUPTED: spec(ExitStatus.INTERRUPTED, FAIL),
  /** A worker thread died while it ran a task; the task runs again on a new worker. */
  WORKER_CRASHED: spec(F, RETRY),
  /** A worker could not open its clients at start: every task would fail the same way. */
  WORKER_START_FAILED: spec(F, FATAL),
  /** A task sent nothing (no counter moved) for too long: failed, and run again. */
  TASK_TIMEOUT: spec(F, RETRY),
  /**
   * The checkpoint cannot be written (no permission, a full disk or quota, a file-size limit, a
   * read-only file system, a path through a file). Exit 3, not 64: the flag may be right and the
   * disk full. Found before the first item when it can be; mid-run it stops the job.
   */
  CHECKPOINT_UNWRITABLE: spec(F, FATAL),
  /** A file of records the job must keep (dead letters, differences) cannot be written; as above. */
  OUTPUT_UNWRITABLE: spec(F, FATAL),
  /**
   * Another process took over a work item's lease in the coordination table (this one was
   * paused or cut off past the lease time): the item's task stops and writes no position again.
   */
  LEASE_LOST: spec(F, FAIL),
  /** A bug, or a failure nothing else names. */
  INTERNAL: spec(F, FATAL),
});

export type ErrorCodeName = keyof typeof ERROR_CODES;

/** Each code as a constant (`ErrorCode.DYNAMODB_AUTH === 'DYNAMODB_AUTH'`), taken from the registry. */
export const ErrorCode = Object.freeze(Object.fromEntries(Object.keys(ERROR_CODES).map((c) => [c, c]))) as {
  readonly [C in ErrorCodeName]: C;
};

export function isErrorCode(value: unknown): value is ErrorCodeName {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function errorCodeSpec(code: ErrorCodeName): ErrorCodeSpec {
  return ERROR_CODES[code];
}

export function exitStatusFor(code: ErrorCodeName): ExitStatusCode {
  return ERROR_CODES[code].exitStatus;
}

/** True when an error of this code ends the whole job; false for a string that is no registered code. */
export function isFatal(code: string): boolean {
  return isErrorCode(code) && ERROR_CODES[code].fatal;
}

/** Whether an error of this code is retryable unless its creator says otherwise; false for an unknown code. */
export function isRetryable(code: string): boolean {
  return isErrorCode(code) && ERROR_CODES[code].retryable;
}

/** The shape every error takes when it crosses a thread boundary or lands in a report. */
export interface PlainError {
  readonly code: ErrorCodeName;
  readonly message: string;
  readonly retryable: boolean;
  readonly context?: Readonly<Record<string, string | number | boolean>>;
}

/** A PlainError, retryable as the registry says unless told otherwise. */
export function plainError(
  code: ErrorCodeName,
  message: string,
  context?: Record<string, string | number | boolean>,
  retryable = isRetryable(code),
): PlainError {
  return context === undefined ? { code, message, retryable } : { code, message, retryable, context };
}

/**
 * The main thread's error type: a PlainError with a stack. Commands throw it; the CLI runner
 * prints its one-line message and exits with `exitStatusFor(code)`.
 */
export class ToolError extends Error implements PlainError {
  readonly code: ErrorCodeName;
  readonly retryable: boolean;
  readonly context?: Readonly<Record<string, string | number | boolean>>;

  constructor(plain: PlainError) {
    super(plain.message);
    this.name = 'ToolError';
    this.code = plain.code;
    this.retryable = plain.retryable;
    if (plain.context !== undefined) this.context = plain.context;
  }

  toPlain(): PlainError {
    return toPlainError(this);
  }
}

/** A ToolError; not retryable unless told, whatever its code's default: a thrown error ends what threw it. */
export function toolError(
  code: ErrorCodeName,
  message: string,
  context?: Record<string, string | number | boolean>,
  retryable = false,
): ToolError {
  return new ToolError(plainError(code, message, context, retryable));
}

export function isPlainError(value: unknown): value is PlainError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.message === 'string';
}

/** Turns anything thrown into a PlainError, keeping a registered code and its message. */
export function toPlainError(error: unknown): PlainError {
  if (isPlainError(error)) {
    const out: PlainError = { code: error.code, message: error.message, retryable: Boolean(error.retryable) };
    return error.context === undefined ? out : { ...out, context: { ...error.context } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.INTERNAL, message, retryable: false };
}
