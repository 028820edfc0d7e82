/**
 * What a migration needs of its target, checked with read-only calls only, for `--dry-run`:
 * the endpoint answers, the credentials resolve and DynamoDB accepts their signature, the target
 * table exists with the mapping's key schema (or, with --create-table, is missing or fits).
 * Each check is a result, not an exception; a check whose prerequisite failed is skipped.
 *
 *   endpoint ──── an unsigned POST: any HTTP answer means reachable (it is refused, nothing read)
 *   credentials ─ the default chain (or --profile), as the real run resolves them
 *        └──────── DescribeTable, signed: an answer other than an auth error means accepted
 *   table ─────── that DescribeTable, judged as the real run would (readTargetTable)
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ErrorCode, ToolError, type ErrorCodeName } from '../errors.js';
import { createCredentialSource, createDynamoDbClient, type AwsCredentialIdentity } from './credentials.js';
import { oneLine } from './errors.js';
import { JSON_CONTENT_TYPE, TARGET_PREFIX } from './signer.js';
import { describeKeys, mismatchMessage, missingTableMessage, readTargetTable, type TargetDescription, type TargetTableOptions, type TargetTableState } from './target.js';
import { Transport } from './transport.js';

export type TargetCheckName = 'endpoint' | 'credentials' | 'table';
export type TargetCheckStatus = 'ok' | 'failed' | 'skipped';

export interface TargetCheck {
  readonly name: TargetCheckName;
  readonly status: TargetCheckStatus;
  /** One line, no secret. */
  readonly detail: string;
  /** For a failed check: the code the real run would stop with (exit status 3 for all three). */
  readonly code?: ErrorCodeName;
}

export interface TargetCheckOptions extends TargetTableOptions {
  /** --create-table: a missing table is fine. */
  readonly create: boolean;
}

const ok = (name: TargetCheckName, detail: string): TargetCheck => ({ name, status: 'ok', detail });
const failed = (name: TargetCheckName, code: ErrorCodeName, detail: string): TargetCheck => ({ name, status: 'failed', detail, code });
const skipped = (name: TargetCheckName, detail: string): TargetCheck => ({ name, status: 'skipped', detail });

function messageOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

/** Runs the three checks; never throws for what it finds. */
export async function checkTarget(target: TargetDescription, options: TargetCheckOptions): Promise<readonly TargetCheck[]> {
  const endpoint = await checkEndpoint(target, options.requestTimeoutMs);
  const source = createCredentialSource({ endpoint: target.endpoint });
  let credentials: TargetCheck;
  try {
    credentials = ok('credentials', describeCredentials(await source.get(), source.kind));
  } catch (error) {
    credentials = failed('credentials', error instanceof ToolError ? error.code : ErrorCode.DYNAMODB_AUTH, messageOf(error));
  }
  if (endpoint.status !== 'ok' || credentials.status !== 'ok') {
    const missing = [endpoint.status !== 'ok' ? 'a reachable endpoint' : undefined, credentials.status !== 'ok' ? 'credentials' : undefined].filter(Boolean).join(' and ');
    return [endpoint, credentials, skipped('table', `not checked: needs ${missing}`)];
  }

  const client = createDynamoDbClient(target.endpoint, source, { maxAttempts: 2, ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }) });
  try {
    return [endpoint, ...(await checkTable(client, target, options, credentials))];
  } finally {
    client.destroy();
  }
}

/** An unsigned request: DynamoDB refuses it (MissingAuthenticationToken), which proves it is there. */
async function checkEndpoint(target: TargetDescription, requestTimeoutMs: number | undefined): Promise<TargetCheck> {
  const transport = new Transport(target.endpoint.url, { connections: 1, ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }) });
  try {
    const res = await transport.post({ 'content-type': JSON_CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}DescribeTable` }, Buffer.from('{}'));
    return ok('endpoint', `${target.identity} answers (HTTP ${res.status} to an unsigned request)`);
  } catch (error) {
    return failed('endpoint', ErrorCode.DYNAMODB_UNREACHABLE, `cannot reach DynamoDB at ${target.identity}: ${messageOf(error)}`);
  } finally {
    await transport.destroy().catch(() => undefined);
  }
}

/** Safe to print: the access key id's last 4 characters, and when the keys expire. */
function describeCredentials(creds: AwsCredentialIdentity, kind: string | undefined): string {
  if (kind === 'loopback-dummy') return 'none configured: the dummy pair local/local, which DynamoDB Local accepts';
  const key = creds.accessKeyId.length > 4 ? `…${creds.accessKeyId.slice(-4)}` : '…';
  return `access key ${key}${creds.expiration === undefined ? '' : `, temporary until ${creds.expiration.toISOString()}`}`;
}

async function checkTable(client: DynamoDBClient, target: TargetDescription, options: TargetCheckOptions, credentials: TargetCheck): Promise<TargetCheck[]> {
  const { table, keySchema } = options;
  let state: TargetTableState;
  try {
    state = await readTargetTable(client, table, keySchema);
  } catch (error) {
    const code = error instanceof ToolError ? error.code : ErrorCode.INTERNAL;
    if (code === ErrorCode.DYNAMODB_AUTH) {
      return [failed('credentials', code, `${credentials.detail}; refused by DynamoDB: ${messageOf(error)}`), skipped('table', 'not checked: needs credentials DynamoDB accepts')];
    }
    return [credentials, failed('table', code, messageOf(error))];
  }
  // DescribeTable answered, even ResourceNotFound: the signature was accepted.
  const accepted = ok('credentials', `${credentials.detail}; accepted by DynamoDB (DescribeTable)`);
  switch (state.kind) {
    case 'fits':
      return [accepted, ok('table', `'${table}' exists with key ${describeKeys(keySchema)}, as the mapping wants`)];
    case 'missing':
      return [accepted, options.create
        ? ok('table', `'${table}' does not exist yet: --create-table would create it (on demand) with key ${describeKeys(keySchema)}`)
        : failed('table', ErrorCode.DYNAMODB_SCHEMA, missingTableMessage(table, target, keySchema))];
    case 'mismatch':
      return [accepted, failed('table', ErrorCode.DYNAMODB_SCHEMA, mismatchMessage(table, state))];
    default:
      throw new Error(`unknown target table state ${JSON.stringify(state satisfies never)}`);
  }
}
