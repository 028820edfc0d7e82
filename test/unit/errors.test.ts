import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ErrorCode,
  ExitStatus,
  errorCodeSpec,
  exitStatusFor,
  isErrorCode,
  isFatal,
  isPlainError,
  isRetryable,
  plainError,
  toPlainError,
  toolError,
  ToolError,
  type ErrorCodeName,
} from '../../src/errors.js';

const ALL = Object.keys(ERROR_CODES) as ErrorCodeName[];

describe('errors', () => {
  it('maps codes to the documented exit statuses', () => {
    expect(exitStatusFor(ErrorCode.USAGE)).toBe(64);
    expect(exitStatusFor(ErrorCode.CASSANDRA_UNREACHABLE)).toBe(3);
    expect(exitStatusFor(ErrorCode.DYNAMODB_SCHEMA)).toBe(3);
    expect(exitStatusFor(ErrorCode.TOO_MANY_ERRORS)).toBe(2);
    expect(exitStatusFor(ErrorCode.INTERRUPTED)).toBe(4);
    expect(Object.values(ExitStatus).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 64]);
  });

  it('survives structured clone as plain data', () => {
    const err = toolError(ErrorCode.CASSANDRA_QUERY, 'boom', { table: 'users' });
    const cloned = structuredClone(err.toPlain());
    expect(isPlainError(cloned)).toBe(true);
    expect(cloned).toEqual({ code: 'CASSANDRA_QUERY', message: 'boom', retryable: false, context: { table: 'users' } });
  });

  it('turns unknown throwables into INTERNAL', () => {
    expect(toPlainError(new TypeError('x'))).toEqual({ code: 'INTERNAL', message: 'x', retryable: false });
    expect(toPlainError('text')).toEqual({ code: 'INTERNAL', message: 'text', retryable: false });
    expect(isPlainError({ code: 'NOT_A_CODE', message: 'm' })).toBe(false);
  });
});

describe('error registry', () => {
  it('names every code after itself, once', () => {
    expect(Object.keys(ErrorCode).sort()).toEqual([...ALL].sort());
    for (const code of ALL) expect(ErrorCode[code]).toBe(code);
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
    expect(Object.isFrozen(ErrorCode)).toBe(true);
  });

  it('holds the DynamoDB codes and the engine codes in the same vocabulary', () => {
    for (const code of [
      'DYNAMODB_THROTTLED',
      'DYNAMODB_VALIDATION',
      'DYNAMODB_ITEM_COLLECTION_LIMIT',
      'DYNAMODB_CONFLICT',
      'DYNAMODB_TABLE_NOT_FOUND',
      'DYNAMODB_SERVER_ERROR',
      'DYNAMODB_REQUEST_REJECTED',
      'DYNAMODB_BAD_RESPONSE',
      'DYNAMODB_NETWORK',
      'DYNAMODB_TIMEOUT',
      'DYNAMODB_CLIENT_CLOSED',
      'RETRIES_EXHAUSTED',
      'TASK_TIMEOUT',
      'WORKER_START_FAILED',
    ]) {
      expect(isErrorCode(code), code).toBe(true);
    }
  });

  it('gives every code a documented exit status', () => {
    const documented = new Set<number>(Object.values(ExitStatus));
    for (const code of ALL) {
      expect(documented.has(exitStatusFor(code)), code).toBe(true);
      // OK and COMPLETED_WITH_ERRORS are outcomes, not errors.
      expect(exitStatusFor(code), code).toBeGreaterThanOrEqual(ExitStatus.TOO_MANY_ERRORS);
      expect(errorCodeSpec(code).exitStatus).toBe(exitStatusFor(code));
    }
    const notFatalStatus = ALL.filter((c) => exitStatusFor(c) !== ExitStatus.FATAL);
    expect(notFatalStatus.sort()).toEqual(['INTERRUPTED', 'TOO_MANY_ERRORS', 'USAGE']);
    expect(exitStatusFor(ErrorCode.WORKER_START_FAILED)).toBe(3);
    expect(exitStatusFor(ErrorCode.TASK_TIMEOUT)).toBe(3);
    expect(exitStatusFor(ErrorCode.DYNAMODB_UNREACHABLE)).toBe(3);
  });

  it('calls fatal exactly the failures every other task would meet too', () => {
    expect(ALL.filter((c) => isFatal(c)).sort()).toEqual([
      'CASSANDRA_AUTH',
      'CASSANDRA_SCHEMA',
      'CHECKPOINT_UNWRITABLE',
      'DYNAMODB_AUTH',
      'DYNAMODB_SCHEMA',
      'DYNAMODB_TABLE_NOT_FOUND',
      'INTERNAL',
      'OUTPUT_UNWRITABLE',
      'WORKER_START_FAILED',
    ]);
    expect(isFatal('DYNAMODB_UNREACHABLE')).toBe(false);
    expect(isFatal('TASK_TIMEOUT')).toBe(false);
    expect(isFatal('NOT_A_CODE')).toBe(false);
    expect(isFatal('toString')).toBe(false);
  });

  it('says which codes are retryable by default, and never a fatal one', () => {
    expect(ALL.filter((c) => isRetryable(c)).sort()).toEqual([
      'CASSANDRA_UNREACHABLE',
      'CASSANDRA_WRITE_TIMEOUT',
      'DYNAMODB_BAD_RESPONSE',
      'DYNAMODB_CONFLICT',
      'DYNAMODB_NETWORK',
      'DYNAMODB_SERVER_ERROR',
      'DYNAMODB_THROTTLED',
      'DYNAMODB_TIMEOUT',
      'DYNAMODB_UNREACHABLE',
      'RETRIES_EXHAUSTED',
      'TASK_TIMEOUT',
      'WORKER_CRASHED',
    ]);
    for (const code of ALL) expect(isFatal(code) && isRetryable(code), code).toBe(false);
    expect(isRetryable('NOT_A_CODE')).toBe(false);
  });

  it('builds plain errors retryable as registered unless told otherwise', () => {
    expect(plainError(ErrorCode.TASK_TIMEOUT, 'silent for 300 s')).toEqual({ code: 'TASK_TIMEOUT', message: 'silent for 300 s', retryable: true });
    expect(plainError(ErrorCode.WORKER_START_FAILED, 'no', { thread: 2 })).toEqual({ code: 'WORKER_START_FAILED', message: 'no', retryable: false, context: { thread: 2 } });
    expect(plainError(ErrorCode.DYNAMODB_UNREACHABLE, 'x', undefined, false).retryable).toBe(false);
    // A thrown ToolError is final unless said otherwise, whatever its code's default.
    expect(toolError(ErrorCode.DYNAMODB_UNREACHABLE, 'x').retryable).toBe(false);
    expect(toolError(ErrorCode.DYNAMODB_UNREACHABLE, 'x', undefined, true).retryable).toBe(true);
  });

  it('keeps every registered code through toPlainError, and only those', () => {
    for (const code of ALL) {
      const plain = toPlainError(new ToolError({ code, message: `m ${code}`, retryable: true, context: { n: 1 } }));
      expect(plain).toEqual({ code, message: `m ${code}`, retryable: true, context: { n: 1 } });
      expect(toPlainError(structuredClone(plain))).toEqual(plain);
    }
    expect(toPlainError({ code: 'ECONNREFUSED', message: 'refused' })).toEqual({ code: 'INTERNAL', message: '[object Object]', retryable: false });
    // Inherited names are no codes.
    expect(isPlainError({ code: 'constructor', message: 'm' })).toBe(false);
    expect(isErrorCode('hasOwnProperty')).toBe(false);
  });
});
