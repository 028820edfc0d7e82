/**
 * The coordination table: one DynamoDB table, written only with conditional writes, through
 * which many processes share one job, the way the Kinesis Client Library shares a stream's
 * shards through its lease table. No process is in charge; every change is a conditional write
 * that either wins or is refused.
 *
 *   pk = the job (`migrate`, `verify`, `monitor`)     sk = what the item is
 *   ───────────────────────────────────────────────    ───────────────────────────────────────────
 *   plan                                             the job's identity, its plan id, creating|ready
 *   item#<planId>#<itemId>                           one work item (a token range, a scan segment, a
 *                                                    stream shard): task, state, owner, lease counter,
 *                                                    cursor, who finished it, who gave it up
 *   proc#<processId>                                 one process: heartbeat counter, rate membership,
 *                                                    totals, where its dead letters and report are
 *
 * Leases follow the KCL: an owner bumps its lease counter to renew; another process takes the
 * lease over only with a write conditioned on the counter it observed unchanged for the lease
 * time on its own clock (no clock is compared between machines). Every write an owner makes is
 * conditioned on `owner = me AND counter = what I last wrote`: once a lease is taken over, the
 * old owner's writes are refused (fencing), so it never moves that item's position again.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  waitUntilTableExists,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ErrorCode, ToolError, toolError } from '../errors.js';

export type Item = Record<string, AttributeValue>;

export const PLAN_SK = 'plan';
export const itemSk = (planId: string, id: string): string => `item#${planId}#${id}`;
export const itemPrefix = (planId: string): string => `item#${planId}#`;
export const procSk = (processId: string): string => `proc#${processId}`;
export const PROC_PREFIX = 'proc#';

export const s = (v: string): AttributeValue => ({ S: v });
export const n = (v: number): AttributeValue => ({ N: String(v) });
export const str = (item: Item | undefined, name: string): string | undefined => item?.[name]?.S;
export const num = (item: Item | undefined, name: string): number | undefined => {
  const v = item?.[name]?.N;
  return v === undefined ? undefined : Number(v);
};

/** A refused conditional write: someone else changed the item first. Not an error: a result. */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

/** Turns an SDK failure on the coordination table into our error vocabulary, naming the table. */
export function coordError(error: unknown, table: string, action: string): ToolError {
  if (error instanceof ToolError) return error;
  const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status === 0 && (typeof e.code === 'string' || name === 'TimeoutError')) {
    return toolError(ErrorCode.DYNAMODB_UNREACHABLE, `coordination table '${table}': cannot ${action}: ${message}`, { table }, true);
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|MissingAuthentication/.test(name)) {
    return toolError(ErrorCode.DYNAMODB_AUTH, `coordination table '${table}': cannot ${action}: ${name}: ${message} (see the IAM policy in the README, "One machine or many")`, { table });
  }
  if (name === 'ResourceNotFoundException') return toolError(ErrorCode.DYNAMODB_TABLE_NOT_FOUND, `coordination table '${table}' does not exist (migrate, verify and monitor started with --coordinator create it on demand)`, { table });
  const retryable = status >= 500 || /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(name);
  return toolError(retryable ? ErrorCode.DYNAMODB_SERVER_ERROR : ErrorCode.DYNAMODB_REQUEST_REJECTED, `coordination table '${table}': cannot ${action}: ${name}: ${message}`, { table }, retryable);
}

/** The calls a job makes on its coordination table, counted (the benchmark prints calls per range and per second). */
export class LeaseTable {
  calls = 0;

  constructor(
    private readonly client: DynamoDBClient,
    readonly table: string,
    readonly job: string,
  ) {}

  /** Creates the table (on-demand, pk/sk strings) when it is missing; waits until ACTIVE. Returns true when it created it. */
  async ensure(): Promise<boolean> {
    try {
      this.calls++;
      await this.client.send(new DescribeTableCommand({ TableName: this.table }));
      return false;
    } catch (error) {
      if ((error as { name?: unknown }).name !== 'ResourceNotFoundException') throw coordError(error, this.table, 'describe it');
    }
    try {
      this.calls++;
      await this.client.send(new CreateTableCommand({
        TableName: this.table,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      }));
    } catch (error) {
      // Another process created it first: as good.
      if ((error as { name?: unknown }).name !== 'ResourceInUseException') throw coordError(error, this.table, 'create it');
    }
    await waitUntilTableExists({ client: this.client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: this.table });
    return true;
  }

  /** Throws DYNAMODB_TABLE_NOT_FOUND (exit 3) when the table is missing. */
  async mustExist(): Promise<void> {
    this.calls++;
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.table }));
    } catch (error) {
      throw coordError(error, this.table, 'describe it');
    }
  }

  async get(sk: string): Promise<Item | undefined> {
    this.calls++;
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: this.key(sk), ConsistentRead: true }));
      return out.Item;
    } catch (error) {
      throw coordError(error, this.table, 'read an item');
    }
  }

  /** Puts an item that must not exist yet; false when it does. */
  async putNew(sk: string, attributes: Item): Promise<boolean> {
    this.calls++;
    try {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: { ...this.key(sk), ...attributes }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw coordError(error, this.table, 'write an item');
    }
  }

  async put(sk: string, attributes: Item): Promise<void> {
    this.calls++;
    try {
      await this.client.send(new PutItemCommand({ TableName: this.table, Item: { ...this.key(sk), ...attributes } }));
    } catch (error) {
      throw coordError(error, this.table, 'write an item');
    }
  }

  /** Writes many new items, 25 at a time, resending what DynamoDB leaves unprocessed. */
  async putAll(items: ReadonlyArray<{ sk: string; attributes: Item }>): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((it) => ({ PutRequest: { Item: { ...this.key(it.sk), ...it.attributes } } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        this.calls++;
        try {
          const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: requests } }));
          requests = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
        } catch (error) {
          throw coordError(error, this.table, 'write the plan');
        }
        if (requests.length > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  /**
   * A conditional update: the new item, or undefined when the condition was refused (the item
   * changed under us: a lease taken over, a claim lost to another process).
   */
  async update(sk: string, update: string, condition: string | undefined, names: Record<string, string>, values: Item): Promise<Item | undefined> {
    this.calls++;
    try {
      const out = await this.client.send(new UpdateItemCommand({
        TableName: this.table,
        Key: this.key(sk),
        UpdateExpression: update,
        ...(condition === undefined ? {} : { ConditionExpression: condition }),
        ...(Object.keys(names).length === 0 ? {} : { ExpressionAttributeNames: names }),
        ...(Object.keys(values).length === 0 ? {} : { ExpressionAttributeValues: values }),
        ReturnValues: 'ALL_NEW',
      }));
      return out.Attributes ?? {};
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw coordError(error, this.table, 'update an item');
    }
  }

  /** Every item of the job whose sort key starts with `prefix` (strongly consistent, all pages). */
  async query(prefix: string): Promise<Item[]> {
    const out: Item[] = [];
    let start: Item | undefined;
    do {
      this.calls++;
      try {
        const page = await this.client.send(new QueryCommand({
          TableName: this.table,
          // A key condition may not hold an empty string: no prefix is the whole job.
          KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: prefix === '' ? { ':pk': s(this.job) } : { ':pk': s(this.job), ':prefix': s(prefix) },
          ConsistentRead: true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }));
        out.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } catch (error) {
        throw coordError(error, this.table, 'read the job');
      }
    } while (start !== undefined);
    return out;
  }

  /** Deletes every item of the job (`--fresh`: start the job over). */
  async deleteJob(): Promise<number> {
    const items = await this.query('');
    for (const it of items) {
      this.calls++;
      try {
        await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: this.key(str(it, 'sk') ?? '') }));
      } catch (error) {
        throw coordError(error, this.table, 'delete the job');
      }
    }
    return items.length;
  }

  private key(sk: string): Item {
    return { pk: s(this.job), sk: s(sk) };
  }
}
