/**
 * Table checks and creation before a run, through the AWS SDK client (off the hot path):
 * read the target's key schema, compare it with the one the mapping expects, create the
 * table when asked to and wait until it is ACTIVE.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
  type DescribeTableCommandOutput,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DEFAULTS } from '../config/defaults.js';
import { ErrorCode, isPlainError, toPlainError, toolError, ToolError } from '../errors.js';
import type { KeyAttributeType } from '../mapping/attribute-value.js';
import { classifyErrorType, toFatalPlainError } from './errors.js';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** `rangeKey` null or absent: no sort key (src/mapping/keys.ts `KeySchema` fits as is). */
export interface KeySchema {
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute | null;
}

export type CapacityMode =
  | { readonly onDemand: true }
  | { readonly onDemand: false; readonly readCapacityUnits: number; readonly writeCapacityUnits: number };

/** What a table's stream records hold (`--stream-view-type`). */
export const STREAM_VIEW_TYPES = ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY', 'OLD_IMAGE'] as const;
export type StreamViewType = (typeof STREAM_VIEW_TYPES)[number];

export interface CreateTableOptions {
  /** How long to wait for ACTIVE; default DEFAULTS.dynamodb.tableActiveTimeoutMs (5 minutes). */
  readonly waitTimeoutMs?: number;
  /** Create the table with a stream of this view type: its stream then holds every write from the first. */
  readonly streamViewType?: StreamViewType;
}

/** A one-line description of how `actual` differs from `expected`, or undefined when they agree. */
export function compareKeySchema(expected: KeySchema, actual: KeySchema): string | undefined {
  const show = (k: KeyAttribute | undefined): string => (k === undefined ? 'none' : `${k.name} (${k.type})`);
  const diffs: string[] = [];
  if (expected.hashKey.name !== actual.hashKey.name || expected.hashKey.type !== actual.hashKey.type) {
    diffs.push(`partition key is ${show(actual.hashKey)}, expected ${show(expected.hashKey)}`);
  }
  const er = expected.rangeKey ?? undefined;
  const ar = actual.rangeKey ?? undefined;
  if (er?.name !== ar?.name || er?.type !== ar?.type) diffs.push(`sort key is ${show(ar)}, expected ${show(er)}`);
  return diffs.length === 0 ? undefined : diffs.join('; ');
}

function toError(error: unknown, table: string, action: string): Error {
  // Already ours (the credential source's DYNAMODB_AUTH, raised inside the SDK's middleware):
  // its code and its reason stand; it is no network failure.
  if (error instanceof ToolError) return error;
  if (isPlainError(error)) return new ToolError(toPlainError(error));
  const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  const name = typeof e.name === 'string' ? e.name : undefined;
  if (status === 0 && typeof e.code === 'string') {
    return toolError(ErrorCode.DYNAMODB_UNREACHABLE, `cannot ${action} DynamoDB table '${table}': ${e.code}`, { table });
  }
  const info = classifyErrorType(name, status, typeof e.message === 'string' ? e.message : '');
  if (info.fatal) return toFatalPlainError(info, table);
  return toolError(ErrorCode.DYNAMODB_SCHEMA, `cannot ${action} DynamoDB table '${table}': ${info.message}`, { table, dynamodbCode: info.code });
}

function keyType(t: string | undefined, table: string, name: string): KeyAttributeType {
  if (t === 'S' || t === 'N' || t === 'B') return t;
  throw toolError(ErrorCode.DYNAMODB_SCHEMA, `table '${table}': key attribute '${name}' has no S/N/B type in its definition`, { table });
}

export class TableAdmin {
  constructor(private readonly client: DynamoDBClient) {}

  /** The table's key schema, or undefined when the table does not exist. */
  async describeKeySchema(table: string): Promise<KeySchema | undefined> {
    return (await this.describe(table))?.keySchema;
  }

  /**
   * The table's key schema and the whole DescribeTable answer (capacity, indexes), or undefined
   * when the table does not exist.
   */
  async describe(table: string): Promise<{ readonly keySchema: KeySchema; readonly description: TableDescription } | undefined> {
    let out;
    try {
      out = await this.client.send(new DescribeTableCommand({ TableName: table }));
    } catch (error) {
      if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return undefined;
      throw toError(error, table, 'describe');
    }
    const description = out.Table ?? {};
    const keys = description.KeySchema ?? [];
    const defs = new Map((description.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType as string | undefined]));
    const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    if (hash === undefined) throw toolError(ErrorCode.DYNAMODB_SCHEMA, `table '${table}' has no partition key in DescribeTable`, { table });
    const hashKey = { name: hash, type: keyType(defs.get(hash), table, hash) };
    const keySchema = range === undefined ? { hashKey } : { hashKey, rangeKey: { name: range, type: keyType(defs.get(range), table, range) } };
    return { keySchema, description };
  }

  /**
   * Creates the table and waits until it is ACTIVE. Returns the waiter's last DescribeTable
   * answer: the new table's description (capacity included) without another call.
   */
  async createTable(table: string, keySchema: KeySchema, capacity: CapacityMode = { onDemand: true }, options: CreateTableOptions = {}): Promise<TableDescription | undefined> {
    const keys: KeySchemaElement[] = [{ AttributeName: keySchema.hashKey.name, KeyType: 'HASH' }];
    const defs: AttributeDefinition[] = [{ AttributeName: keySchema.hashKey.name, AttributeType: keySchema.hashKey.type }];
    const range = keySchema.rangeKey ?? undefined;
    if (range !== undefined) {
      keys.push({ AttributeName: range.name, KeyType: 'RANGE' });
      defs.push({ AttributeName: range.name, AttributeType: range.type });
    }
    const input: CreateTableCommandInput = capacity.onDemand
      ? { TableName: table, KeySchema: keys, AttributeDefinitions: defs, BillingMode: 'PAY_PER_REQUEST' }
      : {
          TableName: table,
          KeySchema: keys,
          AttributeDefinitions: defs,
          BillingMode: 'PROVISIONED',
          ProvisionedThroughput: { ReadCapacityUnits: capacity.readCapacityUnits, WriteCapacityUnits: capacity.writeCapacityUnits },
        };
    const withStream: CreateTableCommandInput = options.streamViewType === undefined
      ? input
      : { ...input, StreamSpecification: { StreamEnabled: true, StreamViewType: options.streamViewType } };
    try {
      await this.client.send(new CreateTableCommand(withStream));
      const done = await waitUntilTableExists(
        { client: this.client, maxWaitTime: Math.ceil((options.waitTimeoutMs ?? DEFAULTS.dynamodb.tableActiveTimeoutMs) / 1000), minDelay: 1, maxDelay: 5 },
        { TableName: table },
      );
      // On success the waiter's reason is the DescribeTable output that found the table ACTIVE.
      return (done.reason as DescribeTableCommandOutput | undefined)?.Table;
    } catch (error) {
      throw toError(error, table, 'create');
    }
  }
}
