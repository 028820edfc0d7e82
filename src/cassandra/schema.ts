/** Reads a table's schema through the driver's metadata into the mapping's plain TableSpec. */
import type cassandra from 'cassandra-driver';
import { ErrorCode, ToolError } from '../errors.js';
import { tableSpecFromMetadata, type DriverTableMetadata, type TableSpec } from '../mapping/table-spec.js';

export async function loadTableSpec(client: cassandra.Client, keyspace: string, table: string): Promise<TableSpec> {
  const keyspaces = client.metadata.keyspaces as Record<string, unknown>;
  if (keyspaces[keyspace] === undefined) {
    const known = Object.keys(keyspaces)
      .filter((k) => !k.startsWith('system'))
      .sort();
    throw new ToolError({
      code: ErrorCode.CASSANDRA_SCHEMA,
      message: `keyspace "${keyspace}" does not exist${known.length > 0 ? ` (keyspaces: ${known.slice(0, 10).join(', ')})` : ''}`,
      retryable: false,
    });
  }
  const meta = await client.metadata.getTable(keyspace, table);
  if (meta === null || meta === undefined) {
    throw new ToolError({ code: ErrorCode.CASSANDRA_SCHEMA, message: `table "${keyspace}.${table}" does not exist`, retryable: false });
  }
  if ((meta as unknown as { virtual?: boolean }).virtual === true) {
    throw new ToolError({ code: ErrorCode.CASSANDRA_SCHEMA, message: `table "${keyspace}.${table}" is a virtual table`, retryable: false });
  }
  try {
    return tableSpecFromMetadata(meta as unknown as DriverTableMetadata);
  } catch (error) {
    throw new ToolError({
      code: ErrorCode.CASSANDRA_SCHEMA,
      message: `table "${keyspace}.${table}": ${(error as Error).message}`,
      retryable: false,
    });
  }
}
