/**
 * Cell metadata a mapping can carry into the item: the row's expiry (Cassandra TTL → epoch
 * seconds, for a DynamoDB TTL attribute) and its newest WRITETIME. The range query selects
 * `TTL(c)` and `WRITETIME(c)` of every eligible column under the aliases named here; the row
 * converter reads them back.
 */
import type { AttributeValue } from './attribute-value.js';
import type { CqlType } from './cql-type.js';
import type { MappingOptions } from './options.js';
import type { ColumnSpec, TableSpec } from './table-spec.js';

export interface MetadataColumn {
  readonly column: string;
  readonly ttlAlias: string;
  readonly writetimeAlias: string;
}

/** TTL()/WRITETIME() take single cells: not keys, counters, non-frozen collections or UDTs, vectors. */
function eligible(type: CqlType): boolean {
  switch (type.kind) {
    case 'counter':
    case 'vector':
      return false;
    case 'list':
    case 'set':
    case 'map':
    case 'udt':
      return type.frozen === true;
    default:
      return true;
  }
}

/** The columns whose TTL/WRITETIME the query must select for these options (none if unused). */
export function metadataColumns(table: TableSpec, opts: Pick<MappingOptions, 'ttlAttribute' | 'writetimeAttribute'>): MetadataColumn[] {
  if (opts.ttlAttribute === null && opts.writetimeAttribute === null) return [];
  const keys = new Set([...table.partitionKeys, ...table.clusteringKeys].map((c) => c.name));
  const seen = new Set<string>();
  const out: MetadataColumn[] = [];
  for (const c of table.columns as readonly ColumnSpec[]) {
    if (keys.has(c.name) || seen.has(c.name) || !eligible(c.type)) continue;
    seen.add(c.name);
    out.push({ column: c.name, ttlAlias: `cass2ddb_ttl_${out.length}`, writetimeAlias: `cass2ddb_wt_${out.length}` });
  }
  return out;
}

type Row = Readonly<Record<string, unknown>>;

function num(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'number' ? v : Number(String(v));
}

/** Expiry in epoch seconds, or undefined when some non-null cell never expires (or none has a value). */
export function compileTtl(columns: readonly MetadataColumn[], now: () => number = Date.now): (row: Row) => AttributeValue | undefined {
  return (row) => {
    let max = -1;
    for (const c of columns) {
      if (row[c.column] === null || row[c.column] === undefined) continue;
      const ttl = num(row[c.ttlAlias]);
      if (ttl === undefined) return undefined; // this cell lives for ever, so does the row
      if (ttl > max) max = ttl;
    }
    return max < 0 ? undefined : { N: String(Math.floor(now() / 1000) + max) };
  };
}

/** The newest WRITETIME of the row's cells, in microseconds since the epoch. */
export function compileWritetime(columns: readonly MetadataColumn[]): (row: Row) => AttributeValue | undefined {
  return (row) => {
    let max: bigint | undefined;
    for (const c of columns) {
      const v = row[c.writetimeAlias];
      if (v === null || v === undefined) continue;
      const w = BigInt(String(v));
      if (max === undefined || w > max) max = w;
    }
    return max === undefined ? undefined : { N: max.toString() };
  };
}
