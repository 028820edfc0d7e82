/**
 * Cassandra username and password, resolved once at the edge from flags, a credentials file and
 * the environment. The password itself never comes from the command line (where `ps` shows
 * it): a flag names the environment variable that holds it, or a file holds it.
 *
 *   --cassandra-username NAME         >  username= in --cassandra-credentials FILE  >  env CASSANDRA_USERNAME
 *   --cassandra-password-env VAR      >  password= in --cassandra-credentials FILE  >  env CASSANDRA_PASSWORD
 *
 * Flags and the file are explicit choices, so they win over the ambient variables.
 */
import fs from 'node:fs';
import { ErrorCode, ToolError } from '../errors.js';
import type { Env } from './env.js';

/** The default variable a password is read from (and `--cassandra-password-env`'s default). */
export const DEFAULT_PASSWORD_ENV = 'CASSANDRA_PASSWORD';
export const DEFAULT_USERNAME_ENV = 'CASSANDRA_USERNAME';

export interface CredentialsFlags {
  readonly username?: string;
  /** The name of the variable holding the password, never the password. */
  readonly passwordEnv?: string;
  /** Path of a credentials file. */
  readonly credentialsFile?: string;
}

export interface CassandraCredentials {
  readonly username: string;
  /** Never logged, never written anywhere. */
  readonly password: string;
  /** Where the password came from, for messages (`env MY_VAR`, `file /etc/x`): never the password. */
  readonly source: string;
}

export interface CredentialsFileContents {
  readonly username?: string;
  readonly password?: string;
}

function usage(message: string): ToolError {
  return new ToolError({ code: ErrorCode.USAGE, message, retryable: false });
}

const SECTION = /^\[([^\]]*)\]$/;
const KEYS = new Set(['username', 'password']);

/**
 * A credentials file: `username=...` and `password=...` lines (`:` works as well as `=`), blank
 * lines and `#` / `;` comments. Whitespace around keys and values is dropped; quotes are kept.
 * cqlshrc-style: lines under a `[section]` header other than `[authentication]` are ignored, so a
 * cqlshrc can be used as it is. Messages name the line, never a value.
 */
export function parseCredentialsFile(text: string, where: string): CredentialsFileContents {
  const out: { username?: string; password?: string } = {};
  let inAuth = true;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = SECTION.exec(line);
    if (section !== null) {
      inAuth = section[1]?.trim().toLowerCase() === 'authentication';
      continue;
    }
    if (!inAuth) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s?(.*)$/.exec(line);
    if (m === null) throw usage(`${where} line ${i + 1}: expected key=value (username=... or password=...)`);
    const key = (m[1] as string).toLowerCase();
    if (!KEYS.has(key)) throw usage(`${where} line ${i + 1}: unknown key "${m[1]}" (expected username or password)`);
    if (out[key as 'username' | 'password'] !== undefined) throw usage(`${where} line ${i + 1}: ${key} is given twice`);
    out[key as 'username' | 'password'] = (m[2] as string).trim();
  }
  return out;
}

/**
 * Reads a credentials file, refusing one that group or others may read or write: a password
 * file readable by every local user is a leak waiting to happen (as ssh refuses such a key).
 */
export function readCredentialsFile(file: string, flag = '--cassandra-credentials'): CredentialsFileContents {
  let stat: fs.Stats;
  let text: string;
  try {
    stat = fs.statSync(file);
    if (!stat.isFile()) throw usage(`${flag} ${file}: not a regular file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw usage(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw usage(`${flag} ${file}: group or others may read or write it (mode ${mode}); restrict it with chmod 600 ${file}`);
  }
  const contents = parseCredentialsFile(text, `${flag} ${file}`);
  if (contents.username === undefined && contents.password === undefined) {
    throw usage(`${flag} ${file}: has neither username= nor password=`);
  }
  return contents;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Username and password from flags, file and environment; undefined when none is configured. */
export function resolveCredentials(flags: CredentialsFlags, env: Env): CassandraCredentials | undefined {
  if (flags.passwordEnv !== undefined && !ENV_NAME.test(flags.passwordEnv)) {
    // A value that is no variable name is most likely the password itself: say so without echoing it.
    throw usage('--cassandra-password-env takes the NAME of an environment variable (letters, digits, _), not a password');
  }
  if (flags.username !== undefined && flags.username.trim() === '') throw usage('--cassandra-username must not be empty');
  const file = flags.credentialsFile === undefined ? undefined : readCredentialsFile(flags.credentialsFile);

  const username =
    flags.username ?? (file?.username !== undefined && file.username !== '' ? file.username : undefined) ?? (env[DEFAULT_USERNAME_ENV] || undefined);

  let password: string | undefined;
  let source = '';
  if (flags.passwordEnv !== undefined) {
    password = env[flags.passwordEnv];
    source = `env ${flags.passwordEnv}`;
    if (password === undefined) throw usage(`--cassandra-password-env ${flags.passwordEnv}: the variable ${flags.passwordEnv} is not set`);
  } else if (file?.password !== undefined) {
    password = file.password;
    source = `file ${flags.credentialsFile}`;
  } else if (env[DEFAULT_PASSWORD_ENV] !== undefined) {
    password = env[DEFAULT_PASSWORD_ENV];
    source = `env ${DEFAULT_PASSWORD_ENV}`;
  }

  if (username === undefined) {
    if (flags.passwordEnv !== undefined || file?.password !== undefined) {
      throw usage(`a password needs a username: --cassandra-username NAME, username= in the credentials file, or env ${DEFAULT_USERNAME_ENV}`);
    }
    return undefined;
  }
  if (password === undefined) {
    // Only the ambient CASSANDRA_USERNAME alone keeps its old meaning (an empty password).
    if (flags.username !== undefined || file !== undefined) {
      throw usage(
        `no password for Cassandra user "${username}": set ${DEFAULT_PASSWORD_ENV}, name another variable with --cassandra-password-env VAR, or add password= to a --cassandra-credentials file`,
      );
    }
    return { username, password: '', source: 'none' };
  }
  return { username, password, source };
}
