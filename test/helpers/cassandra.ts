/** Connection to the test Cassandra and unique names, so tests never see each other's data. */
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';

export const CASSANDRA_PORT = Number(process.env.CASSANDRA_PORT ?? 9042);
export const CONTACT_POINT = `127.0.0.1:${CASSANDRA_PORT}`;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function testClient(): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: [CONTACT_POINT],
    localDataCenter: 'datacenter1',
    socketOptions: { readTimeout: 60_000 },
  });
  await client.connect();
  return client;
}

/**
 * Every row of a table, read with paging. A page that times out or finds no replica is read
 * again (up to 10 times, 2 s apart) from the same page state: on a cluster a test has just
 * killed a node of, the coordinators send reads to it until gossip marks it down.
 */
export async function allRows(client: cassandra.Client, keyspace: string, table: string): Promise<cassandra.types.Row[]> {
  const rows: cassandra.types.Row[] = [];
  let pageState: string | undefined;
  do {
    let rs: cassandra.types.ResultSet | undefined;
    for (let attempt = 1; rs === undefined; attempt++) {
      try {
        rs = await client.execute(`SELECT * FROM ${keyspace}.${table}`, [], { fetchSize: 1000, pageState, prepare: true });
      } catch (error) {
        const transient = error instanceof cassandra.errors.NoHostAvailableError || error instanceof cassandra.errors.OperationTimedOutError
          || (error instanceof cassandra.errors.ResponseError && [cassandra.types.responseErrorCodes.readTimeout, cassandra.types.responseErrorCodes.unavailableException].includes(error.code));
        if (!transient || attempt >= 10) throw error;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
    rows.push(...rs.rows);
    pageState = rs.pageState ?? undefined;
  } while (pageState);
  return rows;
}

export async function dropKeyspace(client: cassandra.Client, keyspace: string): Promise<void> {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
}
