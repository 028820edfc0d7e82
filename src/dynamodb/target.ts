/**
 * The DynamoDB target of a table job, from options to clients: the lean keep-alive client the
 * workers write and read with, and a short-lived AWS SDK client for the table checks at start.
 *
 *   flags ── describeTarget ── TargetDescription ── withAdminClient ── check / ensureTargetTable
 *                                                                      └─ TargetTable: created?, capacity
 *   DynamoTargetConfig (worker data) ── openTargetHttpClient ── DynamoDbHttpClient (hot path)
 */
import { waitUntilTableExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ErrorCode, ToolError } from '../errors.js';
import { createCredentialSource, createDynamoDbClient } from './credentials.js';
import { resolveEndpoint, type EndpointOptions, type ResolvedEndpoint } from './endpoint.js';
import { openDynamoDbHttpClient, type DynamoDbHttpClient } from './http-client.js';
import { tableCapacity, type TableCapacity } from './capacity.js';
import { TableAdmin, compareKeySchema, type KeySchema, type StreamViewType } from './table-admin.js';

/** The target as workers receive it: plain data, resolved on the main thread. */
export interface DynamoTargetConfig {
  /** `--endpoint-url`; undefined: the region's AWS endpoint. */
  readonly endpoint?: string;
  readonly region: string;
  readonly profile?: string;
  readonly table: string;
  /** Keep-alive connections per worker. */
  readonly connections: number;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
}

/** Opens a worker's keep-alive client; rejects with USAGE / DYNAMODB_AUTH errors before any request. */
export function openTargetHttpClient(target: DynamoTargetConfig): Promise<DynamoDbHttpClient> {
  return openDynamoDbHttpClient({
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    region: target.region,
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    connections: target.connections,
    requestTimeoutMs: target.requestTimeoutMs,
  });
}

export interface TargetDescription {
  readonly endpoint: ResolvedEndpoint;
  readonly region: string;
  /** `origin region`: names the target in checkpoints and messages; never a credential. */
  readonly identity: string;
}

export async function describeTarget(options: EndpointOptions): Promise<TargetDescription> {
  const endpoint = await resolveEndpoint({
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
  return { endpoint, region: endpoint.region, identity: `${endpoint.url.origin} ${endpoint.signingRegion}` };
}

export interface AdminClientOptions {
  readonly requestTimeoutMs?: number;
}

/**
 * Runs `fn` with an AWS SDK client for the target (DescribeTable, CreateTable) and destroys the
 * client however `fn` ends. An unreachable endpoint is reported with the target's identity.
 */
export async function withAdminClient<T>(
  target: TargetDescription,
  fn: (client: DynamoDBClient) => Promise<T>,
  options: AdminClientOptions = {},
): Promise<T> {
  const credentials = createCredentialSource({ endpoint: target.endpoint });
  // Two attempts: these calls run once at start, and a dead endpoint should fail fast.
  const client = createDynamoDbClient(target.endpoint, credentials, {
    maxAttempts: 2,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  try {
    return await fn(client);
  } catch (error) {
    if (error instanceof ToolError && error.code === ErrorCode.DYNAMODB_UNREACHABLE) {
      throw new ToolError({ ...error.toPlain(), message: `cannot reach DynamoDB at ${target.identity}: ${error.message}` });
    }
    throw error;
  } finally {
    client.destroy();
  }
}

export type TargetTableState =
  | { readonly kind: 'fits'; readonly capacity: TableCapacity }
  | { readonly kind: 'missing' }
  | { readonly kind: 'mismatch'; readonly diff: string; readonly actual: KeySchema };

/** The target table as the checks at start found or made it. */
export interface TargetTable {
  /** True when this run created it (--create-table). */
  readonly created: boolean;
  /** What its DescribeTable answer says it takes at once: where the rate controls start. */
  readonly capacity: TableCapacity;
}

/** The table's key schema against the mapping's, as a result: only a failed DescribeTable throws. */
export async function readTargetTable(client: DynamoDBClient, table: string, keySchema: KeySchema): Promise<TargetTableState> {
  const found = await new TableAdmin(client).describe(table);
  if (found === undefined) return { kind: 'missing' };
  const diff = compareKeySchema(keySchema, found.keySchema);
  return diff === undefined ? { kind: 'fits', capacity: tableCapacity(found.description) } : { kind: 'mismatch', diff, actual: found.keySchema };
}

function schemaError(message: string): ToolError {
  return new ToolError({ code: ErrorCode.DYNAMODB_SCHEMA, message, retryable: false });
}

export function describeKeys(k: KeySchema): string {
  return `${k.hashKey.name} (${k.hashKey.type}) HASH${k.rangeKey ? `, ${k.rangeKey.name} (${k.rangeKey.type}) RANGE` : ''}`;
}

/** What a job that writes the target says of a missing table without --create-table (and the dry run's check). */
export function missingTableMessage(table: string, target: TargetDescription, keySchema: KeySchema): string {
  return `target table '${table}' does not exist at ${target.identity}; add --create-table to create it with key ${describeKeys(keySchema)}`;
}

/** What a job that writes the target says of a table whose keys differ from the mapping's (and the dry run's check). */
export function mismatchMessage(table: string, state: { readonly diff: string; readonly actual: KeySchema }): string {
  return `target table '${table}' does not fit the mapping: ${state.diff} (the table has ${describeKeys(state.actual)})`;
}

export interface TargetTableOptions extends AdminClientOptions {
  readonly table: string;
  /** The mapping's key schema (src/mapping/keys.ts `KeySchema` fits as is). */
  readonly keySchema: KeySchema;
}

/** For a job that reads the target (verify): the table must exist with the mapping's key schema. */
export async function checkTargetTable(target: TargetDescription, options: TargetTableOptions): Promise<TargetTable> {
  const { table } = options;
  const state = await withAdminClient(target, (client) => readTargetTable(client, table, options.keySchema), options);
  switch (state.kind) {
    case 'fits':
      return { created: false, capacity: state.capacity };
    case 'missing':
      throw schemaError(`target table '${table}' does not exist at ${target.identity}`);
    case 'mismatch':
      throw schemaError(`target table '${table}' does not fit the mapping: ${state.diff}`);
    default:
      throw new Error(`unknown target table state ${JSON.stringify(state satisfies never)}`);
  }
}

/**
 * For a job that writes the target (migrate): checks the table's key schema against the mapping's,
 * or, with `create` (--create-table), creates a missing table with it (on demand; with a stream of
 * `streamViewType` when given, --stream-view-type). Says whether it created the table, and
 * what the table takes at once. Nothing is written on a mismatch.
 */
export async function ensureTargetTable(
  target: TargetDescription,
  options: TargetTableOptions & { readonly create: boolean; readonly streamViewType?: StreamViewType },
): Promise<TargetTable> {
  const { table, keySchema } = options;
  return withAdminClient(target, async (client) => {
    const state = await readTargetTable(client, table, keySchema);
    switch (state.kind) {
      case 'fits':
        return { created: false, capacity: state.capacity };
      case 'missing': {
        if (!options.create) {
          throw schemaError(missingTableMessage(table, target, keySchema));
        }
        const admin = new TableAdmin(client);
        let created;
        try {
          created = await admin.createTable(table, keySchema, { onDemand: true }, options.streamViewType === undefined ? {} : { streamViewType: options.streamViewType });
        } catch (error) {
          // Another process of the same job created it a moment before (many processes start at
          // once under an orchestrator): the table is checked as one found at start.
          if (!(error instanceof ToolError && error.message.includes('ResourceInUseException'))) throw error;
          await waitUntilTableExists({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: table });
          const raced = await readTargetTable(client, table, keySchema);
          if (raced.kind === 'fits') return { created: false, capacity: raced.capacity };
          if (raced.kind === 'mismatch') throw schemaError(`${mismatchMessage(table, raced)}; nothing was written`);
          throw error;
        }
        // The waiter's answer describes the new table; only without one, a call of our own.
        const description = created ?? (await admin.describe(table))?.description ?? {};
        return { created: true, capacity: tableCapacity(description) };
      }
      case 'mismatch':
        throw schemaError(`${mismatchMessage(table, state)}; nothing was written`);
      default:
        throw new Error(`unknown target table state ${JSON.stringify(state satisfies never)}`);
    }
  }, options);
}
