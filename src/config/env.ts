/** The environment variables the tool reads, parsed once at the edge. */
import { ToolError, ErrorCode } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CassandraEnv {
  readonly contactPoints?: string;
  readonly port?: number;
  readonly localDc?: string;
  /** CASSANDRA_USERNAME / CASSANDRA_PASSWORD; the connection takes them through src/config/cassandra-credentials.ts. */
  readonly username?: string;
  readonly password?: string;
}

export function cassandraEnv(env: Env): CassandraEnv {
  const out: { -readonly [K in keyof CassandraEnv]: CassandraEnv[K] } = {};
  if (env.CASS2DDB_CONTACT_POINTS) out.contactPoints = env.CASS2DDB_CONTACT_POINTS;
  if (env.CASSANDRA_PORT) out.port = parsePort(env.CASSANDRA_PORT, 'CASSANDRA_PORT');
  if (env.CASS2DDB_LOCAL_DC) out.localDc = env.CASS2DDB_LOCAL_DC;
  if (env.CASSANDRA_USERNAME) out.username = env.CASSANDRA_USERNAME;
  if (env.CASSANDRA_PASSWORD !== undefined) out.password = env.CASSANDRA_PASSWORD;
  return out;
}

export function parsePort(text: string, where: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new ToolError({ code: ErrorCode.USAGE, message: `${where} must be a port number between 1 and 65535, got "${text}"`, retryable: false });
  }
  return n;
}
