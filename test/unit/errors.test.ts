import { describe, expect, it } from 'vitest';
import { ErrorCode, ExitStatus, exitStatusFor, isPlainError, toPlainError, toolError } from '../../src/errors.js';

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
