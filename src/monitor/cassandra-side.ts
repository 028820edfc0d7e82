/**
 * `monitor --source cassandra`: Cassandra is the truth and the stream is the DynamoDB target's.
 * Each sampled change's key is decoded back to the Cassandra key of the row it came from, the row
 * is read, and converted through the same type mapping as migrate: the item migrate would write
 * now. The checker compares that with the stream's image as for any other side.
 *
 *   stream Keys ─ compileItemKeyDecoder ─┬─ not a key this mapping writes ─▶ undefined (no row made it)
 *                                        └─ key values ─▶ SELECT by key (a few in flight)
 *   row ─ compileRowConverter (TTL/WRITETIME selected as migrate does) ─▶ item, TTL attribute left out
 *   no row ─┬─ exact key ───────────────────────────────▶ undefined (REMOVE matched; INSERT/MODIFY missing)
 *           └─ decimal / −0.0 key (`exact: false`) ─────▶ unread: the lookup may have missed it
 *   read error ─────────────────────────────────────────▶ unread (rechecked, then unreadable)
 *
 * The TTL attribute is computed when the row is read (seconds from now), so it moves between the
 * item's write and this read: it is left out on both sides (`ignoredAttributes`, `withoutAttributes`).
 */
import type cassandra from 'cassandra-driver';
import type { CassandraConnection } from '../cassandra/client.js';
import { consistencyCode } from '../cassandra/range-reader.js';
import { quoteIdent } from '../cassandra/select.js';
import type { AttributeValue, Item } from '../mapping/attribute-value.js';
import type { MappingOptions } from '../mapping/options.js';
import { metadataColumns } from '../mapping/row-metadata.js';
import { compileRowConverter } from '../mapping/row-converter.js';
import type { TableSpec } from '../mapping/table-spec.js';
import { compileItemKeyDecoder } from '../verify/item-key.js';
import type { StreamRecord } from '../streams/records.js';
import type { OtherSide, OtherSideRead } from './checker-other-side.js';

/** What a worker needs to read the source rows: prepared once on the main thread. */
export interface CassandraSourceData {
  readonly connection: CassandraConnection;
  readonly keyspace: string;
  readonly table: string;
  readonly tableSpec: TableSpec;
  readonly mapping: MappingOptions;
  /** Read consistency level name, e.g. LOCAL_QUORUM. */
  readonly consistency: string;
}

/** One row by its full primary key, with the columns and cell metadata migrate's range query selects. */
export function rowLookupCql(data: Pick<CassandraSourceData, 'keyspace' | 'table' | 'tableSpec' | 'mapping'>): string {
  const spec = data.tableSpec;
  const keys = [...spec.partitionKeys, ...spec.clusteringKeys].map((c) => quoteIdent(c.name));
  const columns = [...new Set([...spec.partitionKeys, ...spec.clusteringKeys, ...spec.columns].map((c) => c.name))].map(quoteIdent);
  for (const m of metadataColumns(spec, data.mapping)) {
    if (data.mapping.ttlAttribute !== null) columns.push(`TTL(${quoteIdent(m.column)}) AS ${m.ttlAlias}`);
    if (data.mapping.writetimeAttribute !== null) columns.push(`WRITETIME(${quoteIdent(m.column)}) AS ${m.writetimeAlias}`);
  }
  return `SELECT ${columns.join(', ')} FROM ${quoteIdent(data.keyspace)}.${quoteIdent(data.table)} WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}`;
}

/** Attributes left out of the comparison: the TTL attribute, computed at read time. */
export function ignoredAttributes(mapping: Pick<MappingOptions, 'ttlAttribute'>): string[] {
  return mapping.ttlAttribute === null ? [] : [mapping.ttlAttribute];
}

function without(image: Item, names: readonly string[]): Item {
  if (!names.some((n) => Object.hasOwn(image, n))) return image;
  const out: Item = { ...image };
  for (const n of names) delete out[n];
  return out;
}

/** Stream records whose images leave out `names` (the same records when there is nothing to leave out). */
export function withoutAttributes(records: readonly StreamRecord[], names: readonly string[]): readonly StreamRecord[] {
  if (names.length === 0) return records;
  return records.map((r) => {
    const d = r.dynamodb;
    if (d?.NewImage === undefined || !names.some((n) => Object.hasOwn(d.NewImage as object, n))) return r;
    const NewImage = { ...d.NewImage };
    for (const n of names) delete NewImage[n];
    return { ...r, dynamodb: { ...d, NewImage } };
  });
}

export interface CassandraSideOptions {
  /** Row lookups in flight at once. */
  readonly lookupsInFlight: number;
}

/** The OtherSide of a Cassandra source over the worker's client (opened at start, kept for its life). */
export function cassandraSideOf(client: cassandra.Client, data: CassandraSourceData, options: CassandraSideOptions): OtherSide {
  const decode = compileItemKeyDecoder(data.tableSpec, data.mapping);
  const convert = compileRowConverter(data.tableSpec, data.mapping);
  const ignored = ignoredAttributes(data.mapping);
  const cql = rowLookupCql(data);
  const consistency = consistencyCode(data.consistency);
  const queryOptions = { prepare: true, isIdempotent: true, ...(consistency === undefined ? {} : { consistency }) };
  const lanes = Math.max(1, Math.floor(options.lookupsInFlight));
  return {
    async get(keys: ReadonlyArray<Record<string, AttributeValue>>): Promise<OtherSideRead> {
      const items: Array<Item | undefined> = new Array<Item | undefined>(keys.length).fill(undefined);
      const unread: number[] = [];
      let requests = 0;
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let i = next++; i < keys.length; i = next++) {
          const key = decode(keys[i] as Item);
          // Not a key this mapping writes for any row: no row of the table can have made the item.
          if (!key.ok) continue;
          requests++;
          let rs: cassandra.types.ResultSet;
          try {
            rs = await client.execute(cql, key.values, queryOptions);
          } catch {
            unread.push(i);
            continue;
          }
          const row = rs.first() as cassandra.types.Row | null;
          if (row === null) {
            // A decimal or −0.0 key read back from DynamoDB may not be the stored one: a miss proves nothing.
            if (!key.exact) unread.push(i);
            continue;
          }
          const converted = convert(row);
          // A row migrate cannot write (a dead letter) has no item either.
          if (converted.ok) items[i] = without(converted.item, ignored);
        }
      };
      await Promise.all(Array.from({ length: Math.min(lanes, keys.length) }, lane));
      unread.sort((a, b) => a - b);
      return { items, failed: unread.length, unread, requests, retries: 0, throttledRequests: 0, unprocessedRetries: 0 };
    },
  };
}
