/**
 * Every failure of a DynamoDB request, classified once into a stable code the writer branches
 * on: retry (throttle, 5xx, network), bisect (the batch holds an item DynamoDB refuses), or
 * abort the job (no table, bad credentials).
 *
 * Codes here are finer than src/errors.ts `ErrorCode`; `toFatalPlainError` maps the fatal ones
 * onto it. Messages are the server's own, cut to their first line: some (InvalidSignature)
 * go on to echo the canonical request, which may carry a session token.
 */
import { toolError, type ErrorCodeName, type ToolError } from '../errors.js';

export type DdbErrorCode =
  /** ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded: retry with backoff. */
  | 'DYNAMODB_THROTTLED'
  /** ValidationException, SerializationException: an item (or the request) is invalid. */
  | 'DYNAMODB_VALIDATION'
  /** ItemCollectionSizeLimitExceededException: a partition with local indexes is over 10 GB. */
  | 'DYNAMODB_ITEM_COLLECTION_LIMIT'
  /** TransactionConflictException: an item is part of a running transaction; retry. */
  | 'DYNAMODB_CONFLICT'
  /** ResourceNotFoundException: fatal. */
  | 'DYNAMODB_TABLE_NOT_FOUND'
  /** Unrecognized client, access denied, bad signature, expired token: fatal. */
  | 'DYNAMODB_AUTH'
  /** HTTP 5xx (InternalServerError, ServiceUnavailable): retry. */
  | 'DYNAMODB_SERVER_ERROR'
  /** Any other 4xx: not retryable. */
  | 'DYNAMODB_REQUEST_REJECTED'
  /** HTTP 200 with a body that is not the expected JSON: retry (puts are idempotent). */
  | 'DYNAMODB_BAD_RESPONSE'
  /** Connection refused, DNS failure, host unreachable: retry. */
  | 'DYNAMODB_UNREACHABLE'
  /** Connection reset or closed mid-request: retry. */
  | 'DYNAMODB_NETWORK'
  /** Connect, headers or body timeout: retry. */
  | 'DYNAMODB_TIMEOUT'
  /** The writer's own client was closed: not retryable. */
  | 'DYNAMODB_CLIENT_CLOSED'
  /** maxRetries resends did not get the item written. */
  | 'RETRIES_EXHAUSTED';

export interface DdbErrorInfo {
  readonly code: DdbErrorCode;
  /** One line, no secrets: `ValidationException: Item size has exceeded the maximum allowed size`. */
  readonly message: string;
  readonly retryable: boolean;
  /** The server asked us to slow down (feeds the rate controller). */
  readonly throttle: boolean;
  /** Writing more cannot succeed: abort the job. */
  readonly fatal: boolean;
  /** HTTP status, or 0 for a network error. */
  readonly status: number;
  /** Short `__type` (`ValidationException`), when the server sent one. */
  readonly awsType?: string;
}

/** An Error carrying a classification; thrown by the transport for network failures. */
export class DdbError extends Error {
  readonly info: DdbErrorInfo;
  constructor(info: DdbErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'DdbError';
    this.info = info;
  }
}

const MAX_MESSAGE_CHARS = 500;

type Kind = Pick<DdbErrorInfo, 'code' | 'retryable' | 'throttle' | 'fatal'>;
const kind = (code: DdbErrorCode, retryable: boolean, throttle = false, fatal = false): Kind =>
  Object.freeze({ code, retryable, throttle, fatal });

const THROTTLED = kind('DYNAMODB_THROTTLED', true, true);
const VALIDATION = kind('DYNAMODB_VALIDATION', false);
const AUTH = kind('DYNAMODB_AUTH', false, false, true);
const SERVER = kind('DYNAMODB_SERVER_ERROR', true);
const REJECTED = kind('DYNAMODB_REQUEST_REJECTED', false);

/** Short `__type` names (after the `#`) → how to handle them. */
const BY_TYPE: ReadonlyMap<string, Kind> = new Map([
  ['ProvisionedThroughputExceededException', THROTTLED],
  ['ThrottlingException', THROTTLED],
  ['RequestLimitExceeded', THROTTLED],
  ['ValidationException', VALIDATION],
  ['SerializationException', VALIDATION],
  ['ItemCollectionSizeLimitExceededException', kind('DYNAMODB_ITEM_COLLECTION_LIMIT', false)],
  ['TransactionConflictException', kind('DYNAMODB_CONFLICT', true)],
  ['ResourceNotFoundException', kind('DYNAMODB_TABLE_NOT_FOUND', false, false, true)],
  ['UnrecognizedClientException', AUTH],
  ['AccessDeniedException', AUTH],
  ['InvalidSignatureException', AUTH],
  ['IncompleteSignatureException', AUTH],
  ['MissingAuthenticationTokenException', AUTH],
  ['MissingAuthenticationToken', AUTH],
  ['ExpiredTokenException', AUTH],
  ['InvalidClientTokenId', AUTH],
  ['InternalServerError', SERVER],
  ['InternalFailure', SERVER],
  ['ServiceUnavailable', SERVER],
  ['ServiceUnavailableException', SERVER],
]);

/** `com.amazonaws.dynamodb.v20120810#ValidationException` → `ValidationException`. */
export function shortErrorType(type: string): string {
  const hash = type.lastIndexOf('#');
  const name = hash >= 0 ? type.slice(hash + 1) : type;
  const colon = name.indexOf(':'); // some front ends append `:http://internal.amazon.com/...`
  return colon >= 0 ? name.slice(0, colon) : name;
}

/** First line of a server message, trimmed and capped. */
export function oneLine(text: string): string {
  const nl = text.search(/[\r\n]/);
  const line = (nl >= 0 ? text.slice(0, nl) : text).trim();
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}…` : line;
}

/** Classification by error type name and HTTP status; also used for AWS SDK errors (`error.name`). */
export function classifyErrorType(type: string | undefined, status: number, serverMessage: string): DdbErrorInfo {
  const short = type === undefined || type === '' ? undefined : shortErrorType(type);
  let k = short === undefined ? undefined : BY_TYPE.get(short);
  if (k === undefined) k = status >= 500 ? SERVER : status === 401 || status === 403 ? AUTH : REJECTED;
  const text = oneLine(serverMessage);
  const label = short ?? `HTTP ${status}`;
  const message = text === '' ? label : `${label}: ${text}`;
  return short === undefined ? { ...k, message, status } : { ...k, message, status, awsType: short };
}

/** Classifies a non-200 DynamoDB response from its status and JSON body (`__type`, `message`). */
export function classifyErrorResponse(status: number, body: string): DdbErrorInfo {
  let type: string | undefined;
  let serverMessage = '';
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const p = parsed as Record<string, unknown>;
      if (typeof p.__type === 'string') type = p.__type;
      const m = p.message ?? p.Message;
      if (typeof m === 'string') serverMessage = m;
    }
  } catch {
    serverMessage = body; // e.g. an HTML 502 page from a proxy: keep its first line
  }
  return classifyErrorType(type, status, serverMessage);
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CLOSED_CODES = new Set(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects fail with an AggregateError of one error per address.
  if (error instanceof AggregateError) return errorCodeOf(error.errors[0]);
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errorCodeOf(cause);
}

/** Maps a failure below HTTP (undici or socket error) to a plain classification. */
export function classifyNetworkError(error: unknown, origin: string): DdbErrorInfo {
  if (error instanceof DdbError) return error.info;
  const sysCode = errorCodeOf(error) ?? 'UNKNOWN';
  const detail = oneLine(error instanceof Error ? error.message || error.name : String(error));
  const base = { throttle: false, fatal: false, status: 0 };
  if (CLOSED_CODES.has(sysCode)) {
    return { ...base, code: 'DYNAMODB_CLIENT_CLOSED', retryable: false, message: `DynamoDB client for ${origin} is closed` };
  }
  const code: DdbErrorCode = UNREACHABLE_CODES.has(sysCode)
    ? 'DYNAMODB_UNREACHABLE'
    : TIMEOUT_CODES.has(sysCode)
      ? 'DYNAMODB_TIMEOUT'
      : 'DYNAMODB_NETWORK';
  return { ...base, code, retryable: true, message: `${sysCode} talking to ${origin}: ${detail}` };
}

/** Global code for a fatal DynamoDB failure, so it crosses threads and maps to exit status 3. */
const FATAL_GLOBAL_CODE: Partial<Record<DdbErrorCode, ErrorCodeName>> = {
  DYNAMODB_TABLE_NOT_FOUND: 'DYNAMODB_SCHEMA',
  DYNAMODB_AUTH: 'DYNAMODB_AUTH',
  DYNAMODB_UNREACHABLE: 'DYNAMODB_UNREACHABLE',
};

/** A ToolError (a PlainError with a stack) for a failure that must abort the job. */
export function toFatalPlainError(info: DdbErrorInfo, table?: string): ToolError {
  const global = FATAL_GLOBAL_CODE[info.code] ?? 'INTERNAL';
  const where = table === undefined ? '' : ` (table '${table}')`;
  const context: Record<string, string | number> = { dynamodbCode: info.code, status: info.status };
  if (table !== undefined) context.table = table;
  if (info.awsType !== undefined) context.awsType = info.awsType;
  return toolError(global, `DynamoDB${where}: ${info.message}`, context);
}
