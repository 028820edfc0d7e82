/**
 * The ring as the planner needs it: token ranges with their replicas (for the keyspace's
 * replication) and, when Cassandra has them, estimated rows per range from system.size_estimates.
 */
import type cassandra from 'cassandra-driver';
import { ErrorCode, ToolError } from '../errors.js';
import { MAX_TOKEN, MIN_TOKEN, type RingRange } from '../plan/token-ranges.js';

interface DriverToken {
  getValue(): { toString(): string };
}
interface DriverTokenRange {
  start: DriverToken;
  end: DriverToken;
}
interface DriverHost {
  address: string;
}

export interface SizeEstimate {
  readonly start: bigint;
  readonly end: bigint;
  readonly partitions: number;
  readonly meanPartitionBytes: number;
}

export function assertMurmur3(client: cassandra.Client): void {
  // The driver keeps no partitioner name, only the tokenizer it chose for it.
  const tokenizer = (client.metadata as unknown as { tokenizer?: object }).tokenizer?.constructor.name ?? 'none';
  if (tokenizer !== 'Murmur3Tokenizer') {
    throw new ToolError({
      code: ErrorCode.CASSANDRA_SCHEMA,
      message: `the cluster's partitioner is not Murmur3Partitioner (driver tokenizer: ${tokenizer}); only Murmur3Partitioner is supported`,
      retryable: false,
    });
  }
}

export function ringRanges(client: cassandra.Client, keyspace: string, estimates: readonly SizeEstimate[] = []): RingRange[] {
  assertMurmur3(client);
  const ranges = [...(client.metadata.getTokenRanges() as unknown as Set<DriverTokenRange>)];
  if (ranges.length === 0) {
    throw new ToolError({ code: ErrorCode.CASSANDRA_SCHEMA, message: 'the driver reports no token ranges (schema metadata disabled?)', retryable: false });
  }
  return ranges.map((r) => {
    const start = BigInt(r.start.getValue().toString());
    const end = BigInt(r.end.getValue().toString());
    const replicas = ((client.metadata.getReplicas(keyspace, r as never) ?? []) as unknown as DriverHost[]).map((h) => h.address);
    const rows = estimateRows(start, end, estimates);
    return rows === undefined ? { start, end, replicas } : { start, end, replicas, estimatedRows: rows };
  });
}

/** Sum of the estimates overlapping (start, end], pro rata of the overlap. */
function estimateRows(start: bigint, end: bigint, estimates: readonly SizeEstimate[]): number | undefined {
  if (estimates.length === 0) return undefined;
  const pieces: Array<[bigint, bigint]> = start < end ? [[start, end]] : [[start, MAX_TOKEN], [MIN_TOKEN, end]];
  let total = 0;
  for (const e of estimates) {
    const eWidth = e.end - e.start;
    if (eWidth <= 0n) continue;
    for (const [s, t] of pieces) {
      const lo = s > e.start ? s : e.start;
      const hi = t < e.end ? t : e.end;
      if (hi > lo) total += (e.partitions * Number(hi - lo)) / Number(eWidth);
    }
  }
  return total;
}

/** system.size_estimates for the table on the node the driver talks to (refreshed by Cassandra every 5 min). */
export async function sizeEstimates(client: cassandra.Client, keyspace: string, table: string): Promise<SizeEstimate[]> {
  try {
    const rs = await client.execute(
      'SELECT range_start, range_end, partitions_count, mean_partition_size FROM system.size_estimates WHERE keyspace_name = ? AND table_name = ?',
      [keyspace, table],
      { prepare: true },
    );
    const out: SizeEstimate[] = [];
    for (const row of rs.rows) {
      const start = BigInt(String(row.get('range_start')));
      const end = BigInt(String(row.get('range_end')));
      const partitions = Number(row.get('partitions_count') ?? 0);
      const mean = Number(row.get('mean_partition_size') ?? 0);
      // size_estimates may list wrapping ranges; split them like the planner does
      if (start >= end) {
        const head = MAX_TOKEN - start;
        const tail = end - MIN_TOKEN;
        const all = Number(head + tail) || 1;
        out.push({ start, end: MAX_TOKEN, partitions: (partitions * Number(head)) / all, meanPartitionBytes: mean });
        out.push({ start: MIN_TOKEN, end, partitions: (partitions * Number(tail)) / all, meanPartitionBytes: mean });
      } else {
        out.push({ start, end, partitions, meanPartitionBytes: mean });
      }
    }
    return out;
  } catch {
    return []; // estimates are optional: the planner falls back to token spans
  }
}
