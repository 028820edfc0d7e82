/** The range query a worker pages through. */
import type { TableSpec } from '../mapping/table-spec.js';
import type { MappingOptions } from '../mapping/options.js';
import { metadataColumns } from '../mapping/row-metadata.js';

export interface RangeSelect {
  readonly cql: string;
  /** Alias of the token column in the result rows. */
  readonly tokenAlias: string;
}

/** Always quoted: safe for reserved words and mixed case alike. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function buildRangeSelect(
  keyspace: string,
  table: string,
  spec: TableSpec,
  mapping: Pick<MappingOptions, 'ttlAttribute' | 'writetimeAttribute'> = { ttlAttribute: null, writetimeAttribute: null },
): RangeSelect {
  const names = new Set([...spec.partitionKeys, ...spec.clusteringKeys, ...spec.columns].map((c) => c.name));
  let tokenAlias = 'cass2ddb_token';
  while (names.has(tokenAlias)) tokenAlias += '_';
  const pk = spec.partitionKeys.map((c) => quoteIdent(c.name)).join(', ');
  const columns = [...new Set([...spec.partitionKeys, ...spec.clusteringKeys, ...spec.columns].map((c) => c.name))].map(quoteIdent);
  for (const m of metadataColumns(spec, mapping)) {
    if (mapping.ttlAttribute !== null) columns.push(`TTL(${quoteIdent(m.column)}) AS ${m.ttlAlias}`);
    if (mapping.writetimeAttribute !== null) columns.push(`WRITETIME(${quoteIdent(m.column)}) AS ${m.writetimeAlias}`);
  }
  const cql =
    `SELECT token(${pk}) AS ${tokenAlias}, ${columns.join(', ')} FROM ${quoteIdent(keyspace)}.${quoteIdent(table)}` +
    ` WHERE token(${pk}) > ? AND token(${pk}) <= ?`;
  return { cql, tokenAlias };
}
