/** Reads a whole table back from DynamoDB and compares it, row by row, with Cassandra. */
import { expect } from 'vitest';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { allRows } from './cassandra.js';
import { scanAll, type RawItem } from './dynamodb.js';
import { expectedAttributes, normalize, tableColumns } from './expected-items.js';

/** Compares every row with its item: same count, every attribute equal after normalisation. */
export async function expectExactCopy(
  cql: cassandra.Client,
  ddb: DynamoDBClient,
  keyspace: string,
  table: string,
  target: string,
  keyAttributes: string[] = [],
): Promise<RawItem[]> {
  const rows = await allRows(cql, keyspace, table);
  const items = await scanAll(ddb, target);
  expect(items.length).toBe(rows.length);
  const { columns, udts } = await tableColumns(cql, keyspace, table);
  const keyCols = (await cql.metadata.getTable(keyspace, table)) as unknown as { partitionKeys: { name: string }[]; clusteringKeys: { name: string }[] };
  const keyNames = [...keyCols.partitionKeys, ...keyCols.clusteringKeys].map((c) => c.name);
  const identity = (attrs: Record<string, unknown>) => JSON.stringify(keyNames.map((k) => attrs[k]));
  const byKey = new Map<string, Record<string, unknown>>();
  for (const item of items) {
    const attrs = Object.fromEntries(Object.entries(item).filter(([k]) => !keyAttributes.includes(k)).map(([k, v]) => [k, normalize(v)]));
    byKey.set(identity(attrs), attrs);
    for (const k of keyAttributes) expect(item[k]?.S, `key attribute ${k}`).toBeTypeOf('string');
  }
  expect(byKey.size).toBe(rows.length);
  let compared = 0;
  for (const row of rows) {
    const expected = expectedAttributes(row, columns, udts);
    const actual = byKey.get(identity(expected));
    expect(actual, `item for ${identity(expected)}`).toBeDefined();
    expect(actual).toEqual(expected);
    compared++;
  }
  expect(compared).toBe(rows.length);
  return items;
}

