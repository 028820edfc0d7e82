/**
 * Tables for monitor tests on DynamoDB Local: a table with a NEW_AND_OLD_IMAGES stream and a
 * composite key with a numeric sort key (the Go monitor drops non-string keys), a writer that
 * makes inserts, modifies and removes, and a replicator that copies the result into another
 * table, dropping some items and altering others.
 */
import { BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { scanAll, type RawItem } from './dynamodb.js';

/** A table keyed (pk S, sk N) with a stream (NEW_AND_OLD_IMAGES unless asked otherwise). */
export async function createStreamTable(ddb: DynamoDBClient, name: string, viewType: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY' = 'NEW_AND_OLD_IMAGES'): Promise<void> {
  await ddb.send(new CreateTableCommand({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: viewType },
  }));
}

export const changeKey = (i: number) => ({ pk: { S: `user-${i % 50}` }, sk: { N: String(i) } });

/**
 * `keys` inserts (200: 200 inserts, 80 modifies, 40 removes), then modifies of the first 40 % and
 * removes of the last 20 %, in that order; returns what was written.
 */
export async function writeChanges(ddb: DynamoDBClient, table: string, keys = 200): Promise<{ inserts: number; modifies: number; removes: number }> {
  const modifies = Math.floor(keys * 0.4);
  const removes = Math.floor(keys * 0.2);
  for (let i = 0; i < keys; i++) {
    await ddb.send(new PutItemCommand({ TableName: table, Item: { ...changeKey(i), name: { S: `name ${i}` }, score: { N: String(i * 1.5) }, tags: { SS: ['a', `t${i % 7}`] } } }));
  }
  for (let i = 0; i < modifies; i++) {
    await ddb.send(new UpdateItemCommand({ TableName: table, Key: changeKey(i), UpdateExpression: 'SET score = :s', ExpressionAttributeValues: { ':s': { N: String(1000 + i) } } }));
  }
  for (let i = keys - removes; i < keys; i++) await ddb.send(new DeleteItemCommand({ TableName: table, Key: changeKey(i) }));
  return { inserts: keys, modifies, removes };
}

/** Copies the source's items into the target, leaving out `drop` keys and changing `alter` ones. */
export async function replicate(ddb: DynamoDBClient, source: string, target: string, drop: ReadonlySet<string>, alter: ReadonlySet<string>): Promise<void> {
  const items = (await scanAll(ddb, source)).filter((i) => !drop.has(i.sk!.N!));
  const copies: RawItem[] = items.map((i) => (alter.has(i.sk!.N!) ? { ...i, name: { S: 'altered' } } : i));
  for (let k = 0; k < copies.length; k += 25) {
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [target]: copies.slice(k, k + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}
