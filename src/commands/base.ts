/**
 * What every command shares: its streams and environment (injected, so commands run in-process
 * in tests), the `--json` switch, and the Cassandra connection options.
 */
import { Command, Option, UsageError, type BaseContext } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS } from '../config/defaults.js';
import { cassandraEnv, parsePort, type Env } from '../config/env.js';
import { DEFAULT_PASSWORD_ENV, resolveCredentials } from '../config/cassandra-credentials.js';
import type { CassandraConnection } from '../cassandra/client.js';
import { loadTls } from '../cassandra/tls.js';

export interface ToolContext extends BaseContext {
  env: Env;
  /** Signals an interrupt (SIGINT/SIGTERM) to a running command. */
  signal?: AbortSignal;
}

export abstract class ToolCommand extends Command<ToolContext> {
  json = Option.Boolean('--json', false, {
    description: 'Print JSON lines (events and a final summary) on stdout instead of a progress bar',
  });
}

export const isPositiveInt = (max: number) => t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, max)]);
export const isNonNegativeInt = () => t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(0)]);

/** Cassandra connection flags, shared by every command that reads or writes Cassandra. */
export abstract class CassandraCommand extends ToolCommand {
  contactPoints = Option.String('--contact-points', {
    description: `Cassandra contact points, comma-separated host or host:port (default ${DEFAULTS.cassandra.contactPoints}, env CASS2DDB_CONTACT_POINTS; port from CASSANDRA_PORT, default ${DEFAULTS.cassandra.port})`,
  });

  localDc = Option.String('--local-dc', {
    description: `Local data centre of the driver's load balancing (default ${DEFAULTS.cassandra.localDc}, env CASS2DDB_LOCAL_DC)`,
  });

  // Security: the password never on the command line (`ps` shows it): a flag names the variable
  // that holds it, or a file (src/config/cassandra-credentials.ts).
  cassandraUsername = Option.String('--cassandra-username', {
    description: 'Cassandra login name (default: username= of --cassandra-credentials, else env CASSANDRA_USERNAME)',
  });

  cassandraPasswordEnv = Option.String('--cassandra-password-env', {
    description: `Name of the environment variable that holds the password (default ${DEFAULT_PASSWORD_ENV}); never the password itself`,
  });

  cassandraCredentials = Option.String('--cassandra-credentials', {
    description: 'File with username=... and password=... lines (or a cqlshrc [authentication] section); must not be readable by group or others (chmod 600)',
  });

  cassandraTls = Option.Boolean('--cassandra-tls', {
    description: "Connect with TLS, trusting Node's built-in CAs unless --cassandra-ca is given (implied by --cassandra-ca, --cassandra-cert)",
  });

  cassandraCa = Option.String('--cassandra-ca', {
    description: 'PEM file of the CA certificate(s) that signed the nodes\' certificates; turns TLS on',
  });

  cassandraCert = Option.String('--cassandra-cert', {
    description: 'PEM client certificate, for nodes that require client authentication (with --cassandra-key); turns TLS on',
  });

  cassandraKey = Option.String('--cassandra-key', {
    description: 'PEM private key of --cassandra-cert (unencrypted)',
  });

  cassandraNoVerifyHostname = Option.Boolean('--cassandra-no-verify-hostname', false, {
    description: "Accept a node certificate that does not name the address connected to (the CA is still checked); off by default",
  });

  /**
   * Resolved connection: defaults < environment < flags. Credentials and TLS files are read and
   * checked here, before any connection (a missing or bad one is a usage error, exit 64).
   */
  cassandraConnection(): CassandraConnection {
    const env = cassandraEnv(this.context.env);
    const contactPoints = (this.contactPoints ?? env.contactPoints ?? DEFAULTS.cassandra.contactPoints)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (contactPoints.length === 0) throw new UsageError('--contact-points must name at least one host');
    for (const cp of contactPoints) {
      const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+)(?::(.*))?$/.exec(cp);
      if (m === null) throw new UsageError(`--contact-points: "${cp}" is not host or host:port`);
      if (m[2] !== undefined) parsePort(m[2], `--contact-points port in "${cp}"`);
    }
    const conn: CassandraConnection = {
      contactPoints,
      port: env.port ?? DEFAULTS.cassandra.port,
      localDc: this.localDc ?? env.localDc ?? DEFAULTS.cassandra.localDc,
      connectTimeoutMs: DEFAULTS.cassandra.connectTimeoutMs,
      requestTimeoutMs: DEFAULTS.cassandra.requestTimeoutMs,
      connectionsPerHost: DEFAULTS.cassandra.connectionsPerHost,
    };
    const credentials = resolveCredentials(
      {
        ...(this.cassandraUsername === undefined ? {} : { username: this.cassandraUsername }),
        ...(this.cassandraPasswordEnv === undefined ? {} : { passwordEnv: this.cassandraPasswordEnv }),
        ...(this.cassandraCredentials === undefined ? {} : { credentialsFile: this.cassandraCredentials }),
      },
      this.context.env,
    );
    const tls = loadTls({
      ...(this.cassandraTls === undefined ? {} : { tls: this.cassandraTls }),
      ...(this.cassandraCa === undefined ? {} : { caFile: this.cassandraCa }),
      ...(this.cassandraCert === undefined ? {} : { certFile: this.cassandraCert }),
      ...(this.cassandraKey === undefined ? {} : { keyFile: this.cassandraKey }),
      noVerifyHostname: this.cassandraNoVerifyHostname,
    });
    return {
      ...conn,
      ...(credentials === undefined
        ? {}
        : { username: credentials.username, password: credentials.password, credentialsSource: credentials.source }),
      ...(tls === undefined ? {} : { tls }),
    };
  }
}
