/**
 * How a DynamoDB Streams call failed, in the few kinds a reader branches on, and the ToolError
 * (stable code from src/errors.ts) for a failure that leaves the caller. Two shapes of failure,
 * read alike: the SDK's errors (`name`, `$metadata.httpStatusCode`) and the lean path's DdbError
 * (`info`, classified from the body by dynamodb/errors.ts: `awsType` is the `__type` after '#').
 * Both are matched by `name`, never by `instanceof`: the streams and admin clients ship their own
 * copies of each class, and errors may have crossed a thread as plain data.
 */
import { ErrorCode, ToolError, toolError } from '../errors.js';
import { classifyErrorType, classifyNetworkError, oneLine, type DdbErrorInfo } from '../dynamodb/errors.js';

export type StreamErrorKind =
  /** The iterator is older than 15 minutes: take a new one from the last sequence number. */
  | 'expired'
  /** The iterator points before the oldest record still kept (24 h retention), or DynamoDB Local's false trim. */
  | 'trimmed'
  /** LimitExceeded, throttling, or a 5xx: wait and ask again. */
  | 'throttled'
  /** The stream or shard does not exist (deleted, or the shard was trimmed away entirely). */
  | 'not-found'
  /** The signal aborted the request. */
  | 'aborted'
  | 'other';

const THROTTLE_NAMES = new Set(['LimitExceededException', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

interface SdkErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  /** Set on the lean path's DdbError. */
  readonly info?: DdbErrorInfo;
}

interface Failure {
  /** `ExpiredIteratorException`, `AbortError`…; '' when there is none. */
  readonly name: string;
  /** Undefined below HTTP (network, abort). */
  readonly status: number | undefined;
  /** The lean path's own classification. */
  readonly info: DdbErrorInfo | undefined;
}

function failureOf(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  if (e.name === 'DdbError' && typeof e.info === 'object' && e.info !== null) {
    const info = e.info;
    return { name: info.awsType ?? '', status: info.status === 0 ? undefined : info.status, info };
  }
  return { name: typeof e.name === 'string' ? e.name : '', status: e.$metadata?.httpStatusCode, info: undefined };
}

export function streamErrorKind(error: unknown): StreamErrorKind {
  const { name, status } = failureOf(error);
  switch (name) {
    case 'ExpiredIteratorException':
      return 'expired';
    case 'TrimmedDataAccessException':
      return 'trimmed';
    case 'ResourceNotFoundException':
      return 'not-found';
    case 'AbortError':
      return 'aborted';
  }
  if (THROTTLE_NAMES.has(name)) return 'throttled';
  if ((status ?? 0) >= 500 || name === 'InternalServerError') return 'throttled';
  return 'other';
}

/** `LimitExceededException`, or `HTTP 503` when the error gives no name. */
export function errorLabel(error: unknown): string {
  const { name, status } = failureOf(error);
  if (name !== '' && name !== 'Error') return name;
  return `HTTP ${status ?? 0}`;
}

/**
 * A ToolError for a streams failure that ends the call. A missing stream or shard is not fatal
 * (DYNAMODB_REQUEST_REJECTED): one shard trimmed away must not end the whole monitor; the caller
 * decides, knowing the listing. Everything else is classified like any DynamoDB error, keeping
 * the registry's retryable flag so the scheduler retries the shard from its cursor.
 */
export function toStreamToolError(error: unknown, action: string, context: Record<string, string>): ToolError {
  if (error instanceof ToolError) return error; // already classified (a retry loop that gave up)
  const { name, status, info: lean } = failureOf(error);
  const message = (error as SdkErrorLike | undefined)?.message;
  const serverMessage = typeof message === 'string' ? message : String(error);
  if (streamErrorKind(error) === 'not-found') {
    return toolError(ErrorCode.DYNAMODB_REQUEST_REJECTED, `${action}: not found (${oneLine(serverMessage)})`, { ...context, awsType: 'ResourceNotFoundException' });
  }
  if (status === undefined) {
    const info = lean ?? classifyNetworkError(error, context.streamArn ?? 'DynamoDB Streams');
    return toolError(info.code, `${action}: ${info.message}`, context, info.retryable);
  }
  // The lean path classified its answer already (classifyErrorResponse), as this would.
  const info = lean ?? classifyErrorType(name === '' ? undefined : name, status, serverMessage);
  const out: Record<string, string | number> = { ...context, status };
  if (info.awsType !== undefined) out.awsType = info.awsType;
  return toolError(info.code, `${action}: ${info.message}`, out, info.retryable);
}
