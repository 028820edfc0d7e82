/** The test side of DynamoDB Local: an AWS SDK client, full scans, table clean-up. */
import { DeleteTableCommand, DynamoDBClient, ScanCommand, CreateTableCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

export const DYNAMODB_PORT = Number(process.env.DYNAMODB_PORT ?? 8000);
export const DYNAMODB_ENDPOINT = `http://127.0.0.1:${DYNAMODB_PORT}`;

export function testDynamo(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export type RawItem = Record<string, AttributeValue>;

/** Every item of a table, with a parallel segmented scan. */
export async function scanAll(client: DynamoDBClient, table: string, segments = 4): Promise<RawItem[]> {
  const parts = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const out: RawItem[] = [];
      let start: RawItem | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, Segment: segment, TotalSegments: segments, ExclusiveStartKey: start }));
        out.push(...((page.Items ?? []) as RawItem[]));
        start = page.LastEvaluatedKey as RawItem | undefined;
      } while (start !== undefined);
      return out;
    }),
  );
  return parts.flat();
}

export async function dropTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: table }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
}

export async function createTable(client: DynamoDBClient, table: string, hash: [string, 'S' | 'N' | 'B'], range?: [string, 'S' | 'N' | 'B']): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: hash[0], KeyType: 'HASH' }, ...(range ? [{ AttributeName: range[0], KeyType: 'RANGE' as const }] : [])],
      AttributeDefinitions: [
        { AttributeName: hash[0], AttributeType: hash[1] },
        ...(range ? [{ AttributeName: range[0], AttributeType: range[1] }] : []),
      ],
    }),
  );
}
