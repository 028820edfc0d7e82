/**
 * Pages through one token range: `token(pk) > start AND token(pk) <= end`, on a replica of the
 * range when one is up, with the next page fetched while the caller handles the current one
 * (two pages in memory at most).
 */
import cassandra from 'cassandra-driver';
import { classifyCassandraError, type CassandraConnection } from './client.js';

export interface RangeToRead {
  /** Exclusive lower bound (a range's start, or its resume position). */
  readonly after: string;
  readonly end: string;
  readonly replicas: readonly string[];
}

export interface RangePage {
  readonly rows: readonly cassandra.types.Row[];
  /** Token of the page's last row, when it has rows. */
  readonly lastToken?: string;
  /** More pages follow. */
  readonly more: boolean;
}

export interface ReadOptions {
  readonly cql: string;
  readonly tokenAlias: string;
  readonly fetchSize: number;
  /** Driver consistency level name, e.g. LOCAL_ONE. */
  readonly consistency: string;
  readonly connection: CassandraConnection;
  /** Latency of each page fetch, in µs. */
  readonly onFetch?: (micros: number) => void;
}

/** Write consistency levels: the read levels and ANY. */
export const WRITE_CONSISTENCIES = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;

export function consistencyCode(name: string): number | undefined {
  const key = name.toLowerCase().replace(/_(\w)/g, (_, ch: string) => ch.toUpperCase());
  return (cassandra.types.consistencies as unknown as Record<string, number>)[key];
}

/** A replica of the range that is up, so the read is served locally; else the driver chooses. */
export function replicaHost(client: cassandra.Client, replicas: readonly string[]): cassandra.Host | undefined {
  for (const address of replicas) {
    const host = client.hosts.get(address) as cassandra.Host | undefined;
    if (host !== undefined && host.isUp()) return host;
  }
  return undefined;
}

/** Throws plain errors with a code (classifyCassandraError). */
export async function* readRange(client: cassandra.Client, range: RangeToRead, o: ReadOptions): AsyncGenerator<RangePage> {
  const host = replicaHost(client, range.replicas);
  const consistency = consistencyCode(o.consistency);
  const params = [cassandra.types.Long.fromString(range.after), cassandra.types.Long.fromString(range.end)];
  const options = {
    prepare: true,
    fetchSize: o.fetchSize,
    isIdempotent: true,
    ...(consistency === undefined ? {} : { consistency }),
    ...(host === undefined ? {} : { host }),
  };
  const fetch = async (pageState: string | undefined): Promise<cassandra.types.ResultSet> => {
    const started = performance.now();
    try {
      const rs = await client.execute(o.cql, params, pageState === undefined ? options : { ...options, pageState });
      o.onFetch?.((performance.now() - started) * 1000);
      return rs;
    } catch (error) {
      throw classifyCassandraError(error, o.connection);
    }
  };
  let page = await fetch(undefined);
  for (;;) {
    const next = page.pageState ? fetch(page.pageState) : undefined;
    next?.catch(() => undefined); // handled when awaited
    const last = page.rows.at(-1);
    yield {
      rows: page.rows,
      ...(last === undefined ? {} : { lastToken: String(last[o.tokenAlias]) }),
      more: next !== undefined,
    };
    if (next === undefined) return;
    page = await next;
  }
}
