/** Reads a whole table back from DynamoDB and compares it, row by row, with Cassandra. */
import { expect } from 'vitest';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { allRows } from './cassandra.js';
import { scanAll, type RawItem } from './dynamodb.js';
import { expectedAttributes, normalize, tableColumns } from './expected-items.js';

/** What an independent read-back found: every count but `rows` and `items` must be 0 for an exact copy. */
export interface ReadBack {
  /** Source rows read from Cassandra. */
  readonly rows: number;
  /** Items scanned from DynamoDB. */
  readonly items: number;
  /** Source rows with no item. */
  readonly missing: number;
  /** Source rows whose item differs in any attribute. */
  readonly mismatched: number;
  /** Items scanned more than once for the same key (a second copy of one row). */
  readonly duplicated: number;
  /** Items whose key is no source row. */
  readonly extra: number;
  /** Items whose extra key attributes (a mapping's encoded keys) are not strings. */
  readonly badKeyAttributes: number;
  /** The first few differences, for the failure message. */
  readonly examples: readonly string[];
}

/**
 * Reads both sides and counts missing, mismatched, duplicated and extra items, without
 * asserting: fault tests print the counts and then expect them all to be 0.
 */
export async function readBack(
  cql: cassandra.Client,
  ddb: DynamoDBClient,
  keyspace: string,
  table: string,
  target: string,
  keyAttributes: string[] = [],
): Promise<ReadBack & { readonly scanned: RawItem[] }> {
  const rows = await allRows(cql, keyspace, table);
  const scanned = await scanAll(ddb, target);
  const { columns, udts } = await tableColumns(cql, keyspace, table);
  const keyCols = (await cql.metadata.getTable(keyspace, table)) as unknown as { partitionKeys: { name: string }[]; clusteringKeys: { name: string }[] };
  const keyNames = [...keyCols.partitionKeys, ...keyCols.clusteringKeys].map((c) => c.name);
  const identity = (attrs: Record<string, unknown>) => JSON.stringify(keyNames.map((k) => attrs[k]));
  const examples: string[] = [];
  const note = (line: string) => void (examples.length < 5 && examples.push(line));
  const byKey = new Map<string, Record<string, unknown>>();
  let duplicated = 0;
  let badKeyAttributes = 0;
  for (const item of scanned) {
    const attrs = Object.fromEntries(Object.entries(item).filter(([k]) => !keyAttributes.includes(k)).map(([k, v]) => [k, normalize(v)]));
    for (const k of keyAttributes) {
      if (typeof item[k]?.S === 'string') continue;
      badKeyAttributes++;
      note(`item ${identity(attrs)}: key attribute ${k} is not a string`);
    }
    const id = identity(attrs);
    if (byKey.has(id)) {
      duplicated++;
      note(`item ${id} scanned twice`);
    }
    byKey.set(id, attrs);
  }
  let missing = 0;
  let mismatched = 0;
  const seen = new Set<string>();
  for (const row of rows) {
    const expected = expectedAttributes(row, columns, udts);
    const id = identity(expected);
    seen.add(id);
    const actual = byKey.get(id);
    if (actual === undefined) {
      missing++;
      note(`row ${id} missing`);
    } else if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected))) {
      mismatched++;
      note(`row ${id} differs: expected ${JSON.stringify(sorted(expected))}, got ${JSON.stringify(sorted(actual))}`);
    }
  }
  let extra = 0;
  for (const id of byKey.keys()) {
    if (!seen.has(id)) {
      extra++;
      note(`item ${id} is no source row`);
    }
  }
  return { rows: rows.length, items: scanned.length, missing, mismatched, duplicated, extra, badKeyAttributes, examples, scanned };
}

/** A plain object with its keys sorted, nested objects too, so two equal items serialise alike. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sorted(v)]));
}

function expectExact(r: ReadBack): void {
  const counts = { missing: r.missing, mismatched: r.mismatched, duplicated: r.duplicated, extra: r.extra, badKeyAttributes: r.badKeyAttributes };
  expect(counts, r.examples.join('\n')).toEqual({ missing: 0, mismatched: 0, duplicated: 0, extra: 0, badKeyAttributes: 0 });
  expect(r.items).toBe(r.rows);
}

/** A read-back with nothing missing, mismatched, duplicated or extra; returns the counts. */
export async function expectExactReadBack(
  cql: cassandra.Client,
  ddb: DynamoDBClient,
  keyspace: string,
  table: string,
  target: string,
): Promise<ReadBack> {
  const { scanned: _, ...r } = await readBack(cql, ddb, keyspace, table, target);
  expectExact(r);
  return r;
}

/** Compares every row with its item: same count, every attribute equal after normalisation; returns the items. */
export async function expectExactCopy(
  cql: cassandra.Client,
  ddb: DynamoDBClient,
  keyspace: string,
  table: string,
  target: string,
  keyAttributes: string[] = [],
): Promise<RawItem[]> {
  const r = await readBack(cql, ddb, keyspace, table, target, keyAttributes);
  expectExact(r);
  return r.scanned;
}
