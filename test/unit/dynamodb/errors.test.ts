import { describe, expect, it } from 'vitest';
import { isPlainError, exitStatusFor, isFatal, isRetryable, ErrorCode } from '../../../src/errors.js';
import {
  classifyErrorResponse,
  classifyErrorType,
  classifyNetworkError,
  jobCodeFor,
  shortErrorType,
  toFatalPlainError,
  type DdbErrorCode,
  type DdbErrorInfo,
} from '../../../src/dynamodb/errors.js';

const body = (type: string, message: string) => JSON.stringify({ __type: type, message });

describe('classifyErrorResponse', () => {
  it.each([
    ['com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', 400],
    ['com.amazon.coral.availability#ThrottlingException', 400],
    ['com.amazonaws.dynamodb.v20120810#RequestLimitExceeded', 400],
  ])('%s is a retryable throttle', (type, status) => {
    const info = classifyErrorResponse(status, body(type, 'slow down'));
    expect(info).toMatchObject({ code: 'DYNAMODB_THROTTLED', retryable: true, throttle: true, fatal: false, status });
    expect(info.message).toBe(`${shortErrorType(type)}: slow down`);
  });

  it('keeps the server message of a ValidationException, not retryable, not fatal', () => {
    const info = classifyErrorResponse(400, body('com.amazon.coral.validate#ValidationException', 'Item size has exceeded the maximum allowed size'));
    expect(info).toEqual({
      code: 'DYNAMODB_VALIDATION',
      message: 'ValidationException: Item size has exceeded the maximum allowed size',
      retryable: false,
      throttle: false,
      fatal: false,
      status: 400,
      awsType: 'ValidationException',
    });
  });

  it('reads `Message` as well as `message`', () => {
    const info = classifyErrorResponse(400, JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', Message: 'bad' }));
    expect(info.message).toBe('ValidationException: bad');
  });

  it.each([
    ['com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', 'DYNAMODB_TABLE_NOT_FOUND'],
    ['com.amazon.coral.service#UnrecognizedClientException', 'DYNAMODB_AUTH'],
    ['com.amazon.coral.service#AccessDeniedException', 'DYNAMODB_AUTH'],
    ['com.amazon.coral.service#InvalidSignatureException', 'DYNAMODB_AUTH'],
    ['com.amazon.coral.service#ExpiredTokenException', 'DYNAMODB_AUTH'],
  ])('%s is fatal', (type, code) => {
    expect(classifyErrorResponse(400, body(type, 'x'))).toMatchObject({ code, fatal: true, retryable: false });
  });

  it('treats 5xx as retryable server errors, JSON or not', () => {
    expect(classifyErrorResponse(500, body('com.amazonaws.dynamodb.v20120810#InternalServerError', 'oops'))).toMatchObject({
      code: 'DYNAMODB_SERVER_ERROR',
      retryable: true,
      throttle: false,
    });
    const html = classifyErrorResponse(502, '<html>\n<body>Bad Gateway</body></html>');
    expect(html).toMatchObject({ code: 'DYNAMODB_SERVER_ERROR', retryable: true, message: 'HTTP 502: <html>' });
    expect(classifyErrorResponse(503, '')).toMatchObject({ code: 'DYNAMODB_SERVER_ERROR', message: 'HTTP 503' });
  });

  it('classifies the other documented exceptions', () => {
    expect(classifyErrorResponse(400, body('x#ItemCollectionSizeLimitExceededException', 'too big'))).toMatchObject({
      code: 'DYNAMODB_ITEM_COLLECTION_LIMIT',
      retryable: false,
    });
    expect(classifyErrorResponse(400, body('x#TransactionConflictException', 'busy'))).toMatchObject({ code: 'DYNAMODB_CONFLICT', retryable: true });
    expect(classifyErrorResponse(400, body('x#SerializationException', 'bad json'))).toMatchObject({ code: 'DYNAMODB_VALIDATION' });
    expect(classifyErrorResponse(400, body('x#SomethingNew', 'hm'))).toMatchObject({ code: 'DYNAMODB_REQUEST_REJECTED', retryable: false, fatal: false });
    expect(classifyErrorResponse(403, '')).toMatchObject({ code: 'DYNAMODB_AUTH', fatal: true });
  });

  it('cuts messages to their first line (InvalidSignature goes on to echo the canonical request)', () => {
    const msg = 'The request signature we calculated does not match.\n\nThe Canonical String for this request should have been\nx-amz-security-token:SECRET';
    const info = classifyErrorResponse(400, body('com.amazon.coral.service#InvalidSignatureException', msg));
    expect(info.message).toBe('InvalidSignatureException: The request signature we calculated does not match.');
    expect(info.message).not.toContain('SECRET');
  });

  it('strips the namespace and any suffix from __type', () => {
    expect(shortErrorType('com.amazon.coral.validate#ValidationException')).toBe('ValidationException');
    expect(shortErrorType('ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/')).toBe('ValidationException');
    expect(classifyErrorType('ResourceNotFoundException', 400, 'no table').code).toBe('DYNAMODB_TABLE_NOT_FOUND');
  });
});

describe('classifyNetworkError', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each([
    ['ECONNREFUSED', 'DYNAMODB_UNREACHABLE'],
    ['ENOTFOUND', 'DYNAMODB_UNREACHABLE'],
    ['ECONNRESET', 'DYNAMODB_NETWORK'],
    ['UND_ERR_SOCKET', 'DYNAMODB_NETWORK'],
    ['EPIPE', 'DYNAMODB_NETWORK'],
    ['UND_ERR_HEADERS_TIMEOUT', 'DYNAMODB_TIMEOUT'],
    ['UND_ERR_BODY_TIMEOUT', 'DYNAMODB_TIMEOUT'],
    ['UND_ERR_CONNECT_TIMEOUT', 'DYNAMODB_TIMEOUT'],
  ])('%s → %s, retryable', (code, expected) => {
    const info = classifyNetworkError(err(code, `boom ${code}`), 'http://127.0.0.1:8000');
    expect(info).toMatchObject({ code: expected, retryable: true, throttle: false, fatal: false, status: 0 });
    expect(info.message).toBe(`${code} talking to http://127.0.0.1:8000: boom ${code}`);
  });

  it('looks inside AggregateError (happy eyeballs) and causes', () => {
    expect(classifyNetworkError(new AggregateError([err('ECONNREFUSED')], ''), 'o').code).toBe('DYNAMODB_UNREACHABLE');
    expect(classifyNetworkError(new Error('x', { cause: err('ECONNRESET') }), 'o').code).toBe('DYNAMODB_NETWORK');
  });

  it('a closed client is not retryable', () => {
    expect(classifyNetworkError(err('UND_ERR_CLOSED'), 'o')).toMatchObject({ code: 'DYNAMODB_CLIENT_CLOSED', retryable: false });
  });
});

describe('toFatalPlainError', () => {
  it('maps onto the global codes so the job exits with status 3', () => {
    const e = toFatalPlainError(classifyErrorResponse(400, body('x#ResourceNotFoundException', 'Requested resource not found')), 'users');
    expect(isPlainError(e)).toBe(true);
    expect(e.code).toBe('DYNAMODB_SCHEMA');
    expect(exitStatusFor(e.code)).toBe(3);
    expect(e.message).toBe("DynamoDB (table 'users'): ResourceNotFoundException: Requested resource not found");
    expect(e.context).toMatchObject({ dynamodbCode: 'DYNAMODB_TABLE_NOT_FOUND', table: 'users', awsType: 'ResourceNotFoundException' });
    expect(toFatalPlainError(classifyErrorResponse(400, body('x#UnrecognizedClientException', 'bad token'))).code).toBe('DYNAMODB_AUTH');
  });

  it('keeps the status each failure ended with before the codes were one vocabulary', () => {
    const cases: Array<[DdbErrorCode, string]> = [
      [ErrorCode.DYNAMODB_TABLE_NOT_FOUND, 'DYNAMODB_SCHEMA'],
      [ErrorCode.DYNAMODB_AUTH, 'DYNAMODB_AUTH'],
      [ErrorCode.DYNAMODB_UNREACHABLE, 'DYNAMODB_UNREACHABLE'],
      [ErrorCode.DYNAMODB_CLIENT_CLOSED, 'INTERNAL'],
      [ErrorCode.DYNAMODB_SERVER_ERROR, 'INTERNAL'],
      [ErrorCode.DYNAMODB_VALIDATION, 'INTERNAL'],
      [ErrorCode.RETRIES_EXHAUSTED, 'INTERNAL'],
    ];
    for (const [code, reported] of cases) {
      expect(jobCodeFor(code), code).toBe(reported);
      const info: DdbErrorInfo = { code, message: 'm', retryable: true, throttle: false, fatal: false, status: 0 };
      const e = toFatalPlainError(info, 't');
      expect(e).toMatchObject({ code: reported, retryable: false, message: "DynamoDB (table 't'): m", context: { dynamodbCode: code, table: 't' } });
      expect(exitStatusFor(e.code)).toBe(3);
    }
  });
});

describe('classification and the registry agree', () => {
  const responses: Array<[number, string]> = [
    [400, body('x#ProvisionedThroughputExceededException', 'slow down')],
    [400, body('x#ValidationException', 'bad')],
    [400, body('x#ItemCollectionSizeLimitExceededException', 'big')],
    [400, body('x#TransactionConflictException', 'busy')],
    [400, body('x#ResourceNotFoundException', 'gone')],
    [400, body('x#AccessDeniedException', 'no')],
    [500, body('x#InternalServerError', 'oops')],
    [400, body('x#SomethingNew', 'hm')],
  ];
  it.each(responses)('HTTP %i %s', (status, text) => {
    const info = classifyErrorResponse(status, text);
    expect(info.fatal).toBe(isFatal(info.code));
    expect(info.retryable).toBe(isRetryable(info.code));
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CLOSED'])('network %s', (code) => {
    const info = classifyNetworkError(Object.assign(new Error(code), { code }), 'o');
    expect(info.fatal).toBe(isFatal(info.code));
    expect(info.retryable).toBe(isRetryable(info.code));
  });

  it('fatal classifications are exactly the missing table and bad credentials', () => {
    expect(classifyErrorResponse(400, body('x#ResourceNotFoundException', 'gone')).fatal).toBe(true);
    expect(classifyErrorResponse(403, '').fatal).toBe(true);
    expect(classifyNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'o')).toMatchObject({ fatal: false, retryable: true });
  });
});
