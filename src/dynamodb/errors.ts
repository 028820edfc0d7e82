/**
 * Every failure of a DynamoDB request, classified once into a stable code the writer branches
 * on: retry (throttle, 5xx, network), bisect (the batch holds an item DynamoDB refuses), or
 * abort the job (no table, bad credentials).
 *
 * The codes, and whether each is retryable or fatal, are declared in src/errors.ts like every
 * other code. Messages are the server's own, cut to their first line: some (InvalidSignature)
 * go on to echo the canonical request, which may carry a session token.
 */
import { ErrorCode, isFatal, isRetryable, toolError, type ErrorCodeName, type ToolError } from '../errors.js';

/** The codes a DynamoDB request (or one of its items) can fail with; documented in src/errors.ts. */
export type DdbErrorCode =
  | typeof ErrorCode.DYNAMODB_THROTTLED
  | typeof ErrorCode.DYNAMODB_VALIDATION
  | typeof ErrorCode.DYNAMODB_ITEM_COLLECTION_LIMIT
  | typeof ErrorCode.DYNAMODB_CONFLICT
  | typeof ErrorCode.DYNAMODB_TABLE_NOT_FOUND
  | typeof ErrorCode.DYNAMODB_AUTH
  | typeof ErrorCode.DYNAMODB_SERVER_ERROR
  | typeof ErrorCode.DYNAMODB_REQUEST_REJECTED
  | typeof ErrorCode.DYNAMODB_BAD_RESPONSE
  | typeof ErrorCode.DYNAMODB_UNREACHABLE
  | typeof ErrorCode.DYNAMODB_NETWORK
  | typeof ErrorCode.DYNAMODB_TIMEOUT
  | typeof ErrorCode.DYNAMODB_CLIENT_CLOSED
  | typeof ErrorCode.RETRIES_EXHAUSTED;

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
/** Retryable and fatal as the registry declares the code. */
const kind = (code: DdbErrorCode, throttle = false): Kind => Object.freeze({ code, retryable: isRetryable(code), throttle, fatal: isFatal(code) });

const THROTTLED = kind(ErrorCode.DYNAMODB_THROTTLED, true);
const VALIDATION = kind(ErrorCode.DYNAMODB_VALIDATION);
const AUTH = kind(ErrorCode.DYNAMODB_AUTH);
const SERVER = kind(ErrorCode.DYNAMODB_SERVER_ERROR);
const REJECTED = kind(ErrorCode.DYNAMODB_REQUEST_REJECTED);

/** Short `__type` names (after the `#`) → how to handle them. */
const BY_TYPE: ReadonlyMap<string, Kind> = new Map([
  ['ProvisionedThroughputExceededException', THROTTLED],
  ['ThrottlingException', THROTTLED],
  ['RequestLimitExceeded', THROTTLED],
  ['ValidationException', VALIDATION],
  ['SerializationException', VALIDATION],
  ['ItemCollectionSizeLimitExceededException', kind(ErrorCode.DYNAMODB_ITEM_COLLECTION_LIMIT)],
  ['TransactionConflictException', kind(ErrorCode.DYNAMODB_CONFLICT)],
  ['ResourceNotFoundException', kind(ErrorCode.DYNAMODB_TABLE_NOT_FOUND)],
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

/**
 * The answers that say the signing keys have expired. DYNAMODB_AUTH, fatal, like every refused
 * signature: the lean path has already sent the request once more on refreshed keys
 * (signed-post.ts) before one of these reaches a caller.
 */
const EXPIRED_CREDENTIALS = new Set(['ExpiredTokenException', 'ExpiredToken']);

/** DynamoDB refused the request because the keys that signed it expired: new keys may succeed. */
export function isExpiredCredentials(info: Pick<DdbErrorInfo, 'awsType'>): boolean {
  return info.awsType !== undefined && EXPIRED_CREDENTIALS.has(info.awsType);
}

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
    const code = ErrorCode.DYNAMODB_CLIENT_CLOSED;
    return { ...base, code, retryable: isRetryable(code), message: `DynamoDB client for ${origin} is closed` };
  }
  const code: DdbErrorCode = UNREACHABLE_CODES.has(sysCode)
    ? ErrorCode.DYNAMODB_UNREACHABLE
    : TIMEOUT_CODES.has(sysCode)
      ? ErrorCode.DYNAMODB_TIMEOUT
      : ErrorCode.DYNAMODB_NETWORK;
  return { ...base, code, retryable: isRetryable(code), message: `${sysCode} talking to ${origin}: ${detail}` };
}

/** The code a DynamoDB failure that ends the job is reported under (exit status 3 for all of them). */
export function jobCodeFor(code: DdbErrorCode): ErrorCodeName {
  // Prepare reports a missing target table as DYNAMODB_SCHEMA; a run that loses it says the same.
  if (code === ErrorCode.DYNAMODB_TABLE_NOT_FOUND) return ErrorCode.DYNAMODB_SCHEMA;
  // Fatal codes, and an endpoint still unreachable after every resend, stand for themselves.
  if (isFatal(code) || code === ErrorCode.DYNAMODB_UNREACHABLE) return code;
  // The rest name one request (a closed client, a scan refused or out of retries): thrown as
  // fatal, they end the job although their code alone would not.
  return ErrorCode.INTERNAL;
}

/** A ToolError (a PlainError with a stack) for a failure that must abort the job; never retryable. */
export function toFatalPlainError(info: DdbErrorInfo, table?: string): ToolError {
  const where = table === undefined ? '' : ` (table '${table}')`;
  const context: Record<string, string | number> = { dynamodbCode: info.code, status: info.status };
  if (table !== undefined) context.table = table;
  if (info.awsType !== undefined) context.awsType = info.awsType;
  return toolError(jobCodeFor(info.code), `DynamoDB${where}: ${info.message}`, context, false);
}
