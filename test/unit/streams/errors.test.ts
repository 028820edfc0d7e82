/**
 * streams/errors.ts reads the two shapes of failure alike: an SDK error (`name`, `$metadata`) and
 * the lean path's DdbError (classified from the answer's body by dynamodb/errors.ts). For each
 * answer DynamoDB Streams can give, both shapes must mean the same to a reader: the same kind,
 * label and ToolError code.
 */
import { describe, expect, it } from 'vitest';
import { classifyErrorResponse, classifyNetworkError, DdbError } from '../../../src/dynamodb/errors.js';
import { ToolError } from '../../../src/errors.js';
import { errorLabel, streamErrorKind, toStreamToolError, type StreamErrorKind } from '../../../src/streams/errors.js';
import { Aborted } from '../../../src/streams/throttle.js';

const PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/**
 * What the SDK throws for an error answer: the `__type` after '#' as name, the server's message;
 * a body that is not JSON (a proxy's HTML page) fails its parser: a SyntaxError.
 */
const sdkError = (type: string | undefined, status: number, message: string): Error =>
  Object.assign(new Error(message), { name: type ?? 'SyntaxError', $metadata: { httpStatusCode: status } });

/** What the lean client throws for the same answer. */
const leanError = (type: string | undefined, status: number, message: string, body?: string): DdbError =>
  new DdbError(classifyErrorResponse(status, body ?? JSON.stringify(type === undefined ? { message } : { __type: PREFIX + type, message })));

const context = { streamArn: 'arn:stream', shardId: 'shard-1' };

const cases: Array<{ type: string | undefined; status: number; kind: StreamErrorKind; code: string; retryable: boolean; label: string; body?: string }> = [
  { type: 'ExpiredIteratorException', status: 400, kind: 'expired', code: 'DYNAMODB_REQUEST_REJECTED', retryable: false, label: 'ExpiredIteratorException' },
  { type: 'TrimmedDataAccessException', status: 400, kind: 'trimmed', code: 'DYNAMODB_REQUEST_REJECTED', retryable: false, label: 'TrimmedDataAccessException' },
  { type: 'LimitExceededException', status: 400, kind: 'throttled', code: 'DYNAMODB_REQUEST_REJECTED', retryable: false, label: 'LimitExceededException' },
  { type: 'ThrottlingException', status: 400, kind: 'throttled', code: 'DYNAMODB_THROTTLED', retryable: true, label: 'ThrottlingException' },
  { type: 'ProvisionedThroughputExceededException', status: 400, kind: 'throttled', code: 'DYNAMODB_THROTTLED', retryable: true, label: 'ProvisionedThroughputExceededException' },
  { type: 'InternalServerError', status: 500, kind: 'throttled', code: 'DYNAMODB_SERVER_ERROR', retryable: true, label: 'InternalServerError' },
  { type: undefined, status: 503, kind: 'throttled', code: 'DYNAMODB_SERVER_ERROR', retryable: true, label: 'HTTP 503', body: '<html>Service Unavailable</html>' },
  { type: 'ResourceNotFoundException', status: 400, kind: 'not-found', code: 'DYNAMODB_REQUEST_REJECTED', retryable: false, label: 'ResourceNotFoundException' },
  { type: 'AccessDeniedException', status: 400, kind: 'other', code: 'DYNAMODB_AUTH', retryable: false, label: 'AccessDeniedException' },
  { type: 'UnrecognizedClientException', status: 400, kind: 'other', code: 'DYNAMODB_AUTH', retryable: false, label: 'UnrecognizedClientException' },
  { type: 'InvalidSignatureException', status: 400, kind: 'other', code: 'DYNAMODB_AUTH', retryable: false, label: 'InvalidSignatureException' },
  { type: undefined, status: 403, kind: 'other', code: 'DYNAMODB_AUTH', retryable: false, label: 'HTTP 403', body: 'Forbidden' },
  { type: 'ValidationException', status: 400, kind: 'other', code: 'DYNAMODB_VALIDATION', retryable: false, label: 'ValidationException' },
];

describe('stream errors: SDK and lean path alike', () => {
  it.each(cases)('$label (HTTP $status) → $kind, $code', ({ type, status, kind, code, retryable, label, body }) => {
    const message = `server says ${type ?? status}\nsecond line`;
    const sdk = sdkError(type, status, message);
    const lean = leanError(type, status, message, body);
    for (const error of [sdk, lean]) {
      expect(streamErrorKind(error)).toBe(kind);
      const tool = toStreamToolError(error, 'reading shard shard-1', context);
      expect(tool).toBeInstanceOf(ToolError);
      expect(tool).toMatchObject({ code, retryable, context: { ...context, ...(kind === 'not-found' ? {} : { status }) } });
      expect(tool.message).not.toContain('second line');
    }
    expect(errorLabel(lean)).toBe(label);
    expect(toStreamToolError(lean, 'x', context).context?.awsType).toBe(type);
    if (type !== undefined) {
      // A typed answer: the same label, context and message from both.
      const [a, b] = [toStreamToolError(sdk, 'x', context), toStreamToolError(lean, 'x', context)];
      expect(errorLabel(sdk)).toBe(label);
      expect(b.context).toEqual(a.context);
      if (kind !== 'not-found') expect(b.message).toBe(a.message);
    }
  });

  it('a network failure is retryable with its own code, from either client', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const sdk = reset; // the SDK passes the socket error through after its attempts
    const lean = new DdbError(classifyNetworkError(reset, 'http://127.0.0.1:8000'), { cause: reset });
    for (const error of [sdk, lean]) {
      expect(streamErrorKind(error)).toBe('other');
      expect(toStreamToolError(error, 'reading shard s', context)).toMatchObject({ code: 'DYNAMODB_NETWORK', retryable: true, context });
    }
    const refused = new DdbError(classifyNetworkError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'http://127.0.0.1:1'));
    expect(toStreamToolError(refused, 'x', context)).toMatchObject({ code: 'DYNAMODB_UNREACHABLE', retryable: true });
  });

  it('a 200 whose body is not the answer is retryable (DYNAMODB_BAD_RESPONSE)', () => {
    const bad = new DdbError({ code: 'DYNAMODB_BAD_RESPONSE', message: 'unexpected GetRecords response: <html>', retryable: true, throttle: false, fatal: false, status: 200 });
    expect(streamErrorKind(bad)).toBe('other');
    expect(toStreamToolError(bad, 'reading shard s', context)).toMatchObject({ code: 'DYNAMODB_BAD_RESPONSE', retryable: true, context: { status: 200 } });
  });

  it('an abort is `aborted`, from the SDK and from our own pause or request', () => {
    const sdkAbort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(streamErrorKind(sdkAbort)).toBe('aborted');
    expect(streamErrorKind(new Aborted())).toBe('aborted');
  });

  it('a lean error that crossed a thread as plain data reads the same', () => {
    const lean = leanError('ExpiredIteratorException', 400, 'expired');
    const plain = structuredClone({ name: lean.name, message: lean.message, info: lean.info });
    expect(streamErrorKind(plain)).toBe('expired');
    const network = new DdbError(classifyNetworkError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), 'o'));
    expect(toStreamToolError(structuredClone({ name: network.name, message: network.message, info: network.info }), 'x', context)).toMatchObject({ code: 'DYNAMODB_TIMEOUT' });
  });

  it('a ToolError passes through untouched', () => {
    const tool = toStreamToolError(sdkError('AccessDeniedException', 400, 'no'), 'x', context);
    expect(toStreamToolError(tool, 'y', {})).toBe(tool);
  });
});
