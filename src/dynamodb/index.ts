/** The DynamoDB side of the tool: endpoint and credentials, the lean write path, table checks. */
export { resolveEndpoint, parseEndpointUrl, isLoopbackHost, type EndpointOptions, type ResolvedEndpoint } from './endpoint.js';
export {
  createCredentialSource,
  createDynamoDbClient,
  LOOPBACK_CREDENTIALS,
  type CredentialSource,
  type CredentialKind,
} from './credentials.js';
export { RequestSigner, type DynamoDbOperation } from './signer.js';
export { Transport, type HttpResult, type TransportOptions } from './transport.js';
export { DynamoDbHttpClient, openDynamoDbHttpClient, type DynamoDbCaller, type OpenOptions } from './http-client.js';
export {
  classifyErrorResponse,
  classifyNetworkError,
  toFatalPlainError,
  DdbError,
  type DdbErrorCode,
  type DdbErrorInfo,
} from './errors.js';
export { mergeDuplicateKeys } from './dedupe.js';
export { buildBatchBody, buildBatchBodyFromItems, batchBodyPrefix } from './batch-body.js';
export {
  BatchWriter,
  type BatchEntry,
  type BatchOutcome,
  type BatchWriterOptions,
  type FailedEntry,
  type ResponseInfo,
} from './batch-writer.js';
export type { RequestCounters, RetryOptions } from './retry-loop.js';
export {
  BatchReader,
  MAX_BATCH_GET_KEYS,
  type BatchReaderOptions,
  type GetItemsOptions,
  type KeyRequest,
  type ReadOutcome,
  type ReadResult,
} from './batch-reader.js';
export { BatchDeleter, type BatchDeleterOptions, type DeleteEntry, type DeleteOutcome } from './batch-deleter.js';
export { scanSegment, scanAll, MAX_TOTAL_SEGMENTS, type ScanOptions, type ScanPage, type ScanSegmentOptions, type ScanTotals } from './scanner.js';
export { TableAdmin, compareKeySchema, type KeySchema, type KeyAttribute, type CapacityMode } from './table-admin.js';
