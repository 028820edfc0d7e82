/**
 * Error codes and the exit-status mapping: the one place that decides how a failure ends the
 * process. Errors cross worker threads as plain data (`PlainError`), never as Error objects,
 * because classes and custom fields do not survive structured clone.
 */

/** Exit statuses, as documented in the README and ../shared/ARCHITECTURE.md. */
export const ExitStatus = Object.freeze({
  /** Completed, nothing lost, nothing different. */
  OK: 0,
  /** Completed with errors (dead letters, or verify found differences). */
  COMPLETED_WITH_ERRORS: 1,
  /** Aborted: too many errors (`--max-errors`). */
  TOO_MANY_ERRORS: 2,
  /** Aborted: fatal error (unreachable database, bad credentials, schema mismatch). */
  FATAL: 3,
  /** Interrupted (SIGINT/SIGTERM), checkpoint saved. */
  INTERRUPTED: 4,
  /** Usage error (bad flags, bad mapping file). */
  USAGE: 64,
} as const);

export type ExitStatusCode = (typeof ExitStatus)[keyof typeof ExitStatus];

/** Stable error codes. Code branches on these, never on messages. */
export const ErrorCode = Object.freeze({
  USAGE: 'USAGE',
  CASSANDRA_UNREACHABLE: 'CASSANDRA_UNREACHABLE',
  CASSANDRA_AUTH: 'CASSANDRA_AUTH',
  CASSANDRA_SCHEMA: 'CASSANDRA_SCHEMA',
  CASSANDRA_QUERY: 'CASSANDRA_QUERY',
  CASSANDRA_WRITE_TIMEOUT: 'CASSANDRA_WRITE_TIMEOUT',
  DYNAMODB_UNREACHABLE: 'DYNAMODB_UNREACHABLE',
  DYNAMODB_AUTH: 'DYNAMODB_AUTH',
  DYNAMODB_SCHEMA: 'DYNAMODB_SCHEMA',
  TOO_MANY_ERRORS: 'TOO_MANY_ERRORS',
  INTERRUPTED: 'INTERRUPTED',
  WORKER_CRASHED: 'WORKER_CRASHED',
  INTERNAL: 'INTERNAL',
} as const);

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The shape every error takes when it crosses a thread boundary or lands in a report. */
export interface PlainError {
  readonly code: ErrorCodeName;
  readonly message: string;
  readonly retryable: boolean;
  readonly context?: Readonly<Record<string, string | number | boolean>>;
}

const EXIT_BY_CODE: Readonly<Record<ErrorCodeName, ExitStatusCode>> = Object.freeze({
  USAGE: ExitStatus.USAGE,
  CASSANDRA_UNREACHABLE: ExitStatus.FATAL,
  CASSANDRA_AUTH: ExitStatus.FATAL,
  CASSANDRA_SCHEMA: ExitStatus.FATAL,
  CASSANDRA_QUERY: ExitStatus.FATAL,
  CASSANDRA_WRITE_TIMEOUT: ExitStatus.FATAL,
  DYNAMODB_UNREACHABLE: ExitStatus.FATAL,
  DYNAMODB_AUTH: ExitStatus.FATAL,
  DYNAMODB_SCHEMA: ExitStatus.FATAL,
  TOO_MANY_ERRORS: ExitStatus.TOO_MANY_ERRORS,
  INTERRUPTED: ExitStatus.INTERRUPTED,
  WORKER_CRASHED: ExitStatus.FATAL,
  INTERNAL: ExitStatus.FATAL,
});

export function exitStatusFor(code: ErrorCodeName): ExitStatusCode {
  return EXIT_BY_CODE[code];
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

export function toolError(
  code: ErrorCodeName,
  message: string,
  context?: Record<string, string | number | boolean>,
  retryable = false,
): ToolError {
  return new ToolError(context === undefined ? { code, message, retryable } : { code, message, retryable, context });
}

export function isPlainError(value: unknown): value is PlainError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && v.code in EXIT_BY_CODE && typeof v.message === 'string';
}

/** Turns anything thrown into a PlainError, keeping a known code and message. */
export function toPlainError(error: unknown): PlainError {
  if (isPlainError(error)) {
    const out: PlainError = { code: error.code, message: error.message, retryable: Boolean(error.retryable) };
    return error.context === undefined ? out : { ...out, context: { ...error.context } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.INTERNAL, message, retryable: false };
}
