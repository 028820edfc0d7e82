/**
 * Opening a cassandra-driver Client with the tool's settings, and turning the driver's errors
 * into the tool's codes. Used by the main thread (schema work, planning) and by every worker
 * (each owns its own client for its whole life).
 */
import cassandra from 'cassandra-driver';
import { ErrorCode, isPlainError, toPlainError, type PlainError, ToolError } from '../errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { explainTlsFailure, sslOptions, type CassandraTls } from './tls.js';

export interface CassandraConnection {
  /** `host` or `host:port`; the port defaults to `port`. */
  readonly contactPoints: readonly string[];
  readonly port: number;
  readonly localDc: string;
  readonly username?: string;
  /**
   * Never logged, never written anywhere (it reaches the workers in their workerData only): from
   * the variable --cassandra-password-env names, a --cassandra-credentials file or CASSANDRA_PASSWORD.
   */
  readonly password?: string;
  /** Where the password came from (`env VAR`, `file PATH`), for messages: never the password. */
  readonly credentialsSource?: string;
  /** Client-to-node TLS (src/cassandra/tls.ts); absent: plain TCP. */
  readonly tls?: CassandraTls;
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
  if (conn.tls !== undefined) options.sslOptions = sslOptions(conn.tls);
  // The driver's default waits up to 10 minutes between attempts to reach a node that went down;
  // a migration waiting out a restart should see the node within seconds of its return.
  const { reconnectBaseDelayMs, reconnectMaxDelayMs } = DEFAULTS.cassandra;
  options.policies = { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(reconnectBaseDelayMs, reconnectMaxDelayMs, false) };
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
    throw new ToolError(classifyCassandraError(error, conn, { connecting: true }));
  }
}

/** What classifyCassandraError may use of a connection: where, and what to keep out of messages. */
export type ConnectionForMessages = Pick<CassandraConnection, 'contactPoints' | 'port'> &
  Partial<Pick<CassandraConnection, 'username' | 'password' | 'credentialsSource' | 'tls'>>;

/**
 * Maps a driver error to a plain error with a stable code and a one-line message. Rejected
 * credentials and failed TLS handshakes are CASSANDRA_AUTH (exit 3, never retried: every attempt
 * would fail the same way); the message says which flag fixes it and never holds the password.
 *
 * A closed socket reads as a TLS problem only while `connecting` (a plain client at a TLS-only
 * port): later it is a node that went away mid-request, which the retry of the work mends
 * (CASSANDRA_UNREACHABLE, an outage code of the engine).
 */
export function classifyCassandraError(error: unknown, conn?: ConnectionForMessages, when: { readonly connecting?: boolean } = {}): PlainError {
  // Already classified (e.g. a ToolError from connect()): keep its code.
  if (isPlainError(error)) return toPlainError(error);
  // The driver's messages do not echo passwords; scrubbing its text (never ours, whose flag
  // names could contain a weak password such as "cassandra") keeps it so whatever it becomes.
  const secret = conn?.password;
  const oneLine = (text: string): string => {
    const line = text.replace(/\s+/g, ' ').trim();
    return secret === undefined || secret === '' ? line : line.split(secret).join('***');
  };
  const { errors } = cassandra;
  const where = conn === undefined ? 'Cassandra' : `Cassandra at ${describeContactPoints(conn)}`;
  if (error instanceof errors.NoHostAvailableError) {
    const inner = Object.values(error.innerErrors ?? {}) as unknown[];
    const first = inner[0];
    if (first instanceof errors.AuthenticationError) return authFailure(where, oneLine(first.message.split('\n')[0] ?? ''), conn);
    const tlsLine = when.connecting === true || !closedSocket(first) ? explainTlsFailure(first, conn?.tls !== undefined) : undefined;
    if (tlsLine !== undefined) return { code: ErrorCode.CASSANDRA_AUTH, message: `cannot connect to ${where}: ${tlsLine}`, retryable: false };
    const reason = first instanceof Error ? first.message : error.message;
    return { code: ErrorCode.CASSANDRA_UNREACHABLE, message: `cannot reach ${where}: ${oneLine(reason)}`, retryable: true };
  }
  if (error instanceof errors.AuthenticationError) return authFailure(where, oneLine(error.message.split('\n')[0] ?? ''), conn);
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

/** A connection reset or closed under a request: a TLS refusal at connect, a node gone later. */
function closedSocket(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return code === 'ECONNRESET' || code === 'EPIPE' || /socket (was )?closed|connection closed|disconnected before secure/i.test(error.message);
}

function authFailure(where: string, reason: string, conn?: ConnectionForMessages): PlainError {
  if (conn?.username === undefined) {
    return {
      code: ErrorCode.CASSANDRA_AUTH,
      message: `${where} requires a login (${reason}); pass --cassandra-username NAME with --cassandra-password-env VAR or --cassandra-credentials FILE`,
      retryable: false,
    };
  }
  const from = conn.credentialsSource === undefined || conn.credentialsSource === 'none' ? 'no password given' : `password from ${conn.credentialsSource}`;
  return {
    code: ErrorCode.CASSANDRA_AUTH,
    message: `${where} rejected the credentials of user "${conn.username}" (${from}): ${reason}`,
    retryable: false,
  };
}
