/**
 * Opening a cassandra-driver Client with the tool's settings, and turning the driver's errors
 * into the tool's codes. Used by the main thread (schema work, planning) and by every worker
 * (each owns its own client for its whole life).
 */
import cassandra from 'cassandra-driver';
import { ErrorCode, isPlainError, toPlainError, type PlainError, ToolError } from '../errors.js';

export interface CassandraConnection {
  /** `host` or `host:port`; the port defaults to `port`. */
  readonly contactPoints: readonly string[];
  readonly port: number;
  readonly localDc: string;
  readonly username?: string;
  /** Never logged, never written anywhere: taken from the environment. */
  readonly password?: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Connections per host; the driver multiplexes up to 2048 requests on each. */
  readonly connectionsPerHost: number;
}

export function describeContactPoints(conn: Pick<CassandraConnection, 'contactPoints' | 'port'>): string {
  return conn.contactPoints.map((cp) => (cp.includes(':') ? cp : `${cp}:${conn.port}`)).join(', ');
}

export interface ClientPurpose {
  /**
   * A client that only reads the schema, the ring and size estimates (the planner): rows are not
   * decoded, so maps keep the driver's default encoding. With `encoding.map = Map` the driver
   * reads each keyspace's `replication` map as a Map, loses its strategy, and
   * `metadata.getReplicas` then names only the primary replica of every range.
   */
  readonly metadataOnly?: boolean;
}

export function createClient(conn: CassandraConnection, keyspace?: string, purpose: ClientPurpose = {}): cassandra.Client {
  const { distance } = cassandra.types;
  const options: cassandra.DseClientOptions = {
    contactPoints: [...conn.contactPoints],
    localDataCenter: conn.localDc,
    protocolOptions: { port: conn.port },
    socketOptions: { connectTimeout: conn.connectTimeoutMs, readTimeout: conn.requestTimeoutMs },
    pooling: { coreConnectionsPerHost: { [distance.local]: conn.connectionsPerHost, [distance.remote]: 1 } },
    queryOptions: { prepare: true },
    // Maps decode as Map: as plain objects the driver turns every key into String(key), which
    // loses timestamp, blob, tuple and UDT keys and misprints decimals with a negative scale.
    // (Encoding still accepts plain objects too.)
    ...(purpose.metadataOnly === true ? {} : { encoding: { map: Map } }),
  };
  if (keyspace !== undefined) options.keyspace = keyspace;
  if (conn.username !== undefined) {
    options.credentials = { username: conn.username, password: conn.password ?? '' };
  }
  return new cassandra.Client(options);
}

/** Connects, or throws a ToolError with a one-line message that names the contact points. */
export async function connect(conn: CassandraConnection, keyspace?: string, purpose: ClientPurpose = {}): Promise<cassandra.Client> {
  const client = createClient(conn, keyspace, purpose);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw new ToolError(classifyCassandraError(error, conn));
  }
}

/** Maps a driver error to a plain error with a stable code and a one-line message. */
export function classifyCassandraError(error: unknown, conn?: Pick<CassandraConnection, 'contactPoints' | 'port'>): PlainError {
  // Already classified (e.g. a ToolError from connect()): keep its code.
  if (isPlainError(error)) return toPlainError(error);
  const { errors } = cassandra;
  const where = conn === undefined ? 'Cassandra' : `Cassandra at ${describeContactPoints(conn)}`;
  if (error instanceof errors.NoHostAvailableError) {
    const inner = Object.values(error.innerErrors ?? {}) as unknown[];
    const first = inner[0];
    if (first instanceof errors.AuthenticationError) {
      return { code: ErrorCode.CASSANDRA_AUTH, message: `${where} rejected the credentials: ${first.message}`, retryable: false };
    }
    const reason = first instanceof Error ? first.message : error.message;
    return { code: ErrorCode.CASSANDRA_UNREACHABLE, message: `cannot reach ${where}: ${oneLine(reason)}`, retryable: true };
  }
  if (error instanceof errors.AuthenticationError) {
    return { code: ErrorCode.CASSANDRA_AUTH, message: `${where} rejected the credentials: ${oneLine(error.message)}`, retryable: false };
  }
  if (error instanceof errors.ResponseError) {
    const rc = cassandra.types.responseErrorCodes;
    switch (error.code) {
      case rc.writeTimeout:
      case rc.readTimeout:
      case rc.overloaded:
      case rc.unavailableException:
      case rc.isBootstrapping:
      case rc.truncateError:
        return { code: ErrorCode.CASSANDRA_WRITE_TIMEOUT, message: `${where}: ${oneLine(error.message)}`, retryable: true };
      case rc.syntaxError:
      case rc.invalid:
      case rc.alreadyExists:
      case rc.configError:
        return { code: ErrorCode.CASSANDRA_SCHEMA, message: `${where}: ${oneLine(error.message)}`, retryable: false };
      case rc.badCredentials:
      case rc.unauthorized:
        return { code: ErrorCode.CASSANDRA_AUTH, message: `${where}: ${oneLine(error.message)}`, retryable: false };
      default:
        return { code: ErrorCode.CASSANDRA_QUERY, message: `${where}: ${oneLine(error.message)}`, retryable: false };
    }
  }
  if (error instanceof errors.OperationTimedOutError) {
    return { code: ErrorCode.CASSANDRA_WRITE_TIMEOUT, message: `${where}: ${oneLine(error.message)}`, retryable: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: ErrorCode.CASSANDRA_QUERY, message: `${where}: ${oneLine(message)}`, retryable: false };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
