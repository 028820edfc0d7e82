/** The table description the mapping works from: plain data (structured-cloneable). */
import type { CqlType } from './cql-type.js';
import { type DriverDataTypeInfo, fromDriverType } from './driver-type.js';
import type { ClusteringOrder } from './key-encoding.js';

export interface ColumnSpec {
  readonly name: string;
  readonly type: CqlType;
  readonly isStatic?: boolean;
}

export interface ClusteringColumnSpec extends ColumnSpec {
  readonly order: ClusteringOrder;
}

export interface TableSpec {
  readonly partitionKeys: readonly ColumnSpec[];
  readonly clusteringKeys: readonly ClusteringColumnSpec[];
  /** All columns; may or may not repeat the key columns (both are accepted). */
  readonly columns: readonly ColumnSpec[];
}

/** The parts of the driver's TableMetadata (`client.metadata.getTable(ks, t)`) this reads. */
export interface DriverTableMetadata {
  readonly partitionKeys: readonly { readonly name: string; readonly type: DriverDataTypeInfo }[];
  readonly clusteringKeys: readonly { readonly name: string; readonly type: DriverDataTypeInfo }[];
  readonly clusteringOrder: readonly string[];
  readonly columns: readonly { readonly name: string; readonly type: DriverDataTypeInfo; readonly isStatic?: boolean }[];
}

/** Converts the driver's table metadata to a TableSpec (throws TypeError on unreadable types). */
export function tableSpecFromMetadata(meta: DriverTableMetadata): TableSpec {
  const col = (c: { name: string; type: DriverDataTypeInfo; isStatic?: boolean }): ColumnSpec =>
    c.isStatic === true ? { name: c.name, type: fromDriverType(c.type), isStatic: true } : { name: c.name, type: fromDriverType(c.type) };
  return {
    partitionKeys: meta.partitionKeys.map(col),
    clusteringKeys: meta.clusteringKeys.map((c, i) => ({
      ...col(c),
      order: String(meta.clusteringOrder[i] ?? 'ASC').toUpperCase() === 'DESC' ? 'DESC' : 'ASC',
    })),
    columns: meta.columns.map(col),
  };
}
