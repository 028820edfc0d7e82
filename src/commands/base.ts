/**
 * What every command shares: its streams and environment (injected, so commands run in-process
 * in tests), the `--json` switch, and the Cassandra connection options.
 */
import { Command, Option, UsageError, type BaseContext } from 'clipanion';
import * as t from 'typanion';
import { DEFAULTS } from '../config/defaults.js';
import { cassandraEnv, parsePort, type Env } from '../config/env.js';
import type { CassandraConnection } from '../cassandra/client.js';

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

  /** Resolved connection: defaults < environment < flags. Credentials only from the environment. */
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
      ...(env.username === undefined ? {} : { username: env.username, password: env.password ?? '' }),
    };
    return conn;
  }
}
