/**
 * Client-to-node TLS for Cassandra: the flags read into PEM text once at the edge (a missing or
 * bad file is a usage error before any connection), the driver's `sslOptions` built from it in
 * every thread, and a TLS handshake failure explained in one line that names the flag to fix.
 *
 * Hostname verification: the driver calls `tls.connect(port, address, sslOptions)` with the
 * node's IP address, and Node checks that address against the certificate's subjectAltName
 * whenever `rejectUnauthorized` is true (test/integration/cassandra-security.test.ts proves it
 * through a proxy on another address). `verifyHostname: false` keeps the chain check and drops
 * only the name check.
 */
import fs from 'node:fs';
import tls from 'node:tls';
import { ErrorCode, ToolError } from '../errors.js';

export interface TlsFlags {
  readonly tls?: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly noVerifyHostname?: boolean;
}

/** Plain data (it crosses to the workers): PEM text, never paths to read again. */
export interface CassandraTls {
  /** PEM CA certificates to trust; absent: Node's built-in root CAs. */
  readonly ca?: string;
  /** PEM client certificate (chain) and its private key, both or neither. */
  readonly cert?: string;
  /** Secret like a password: never logged or written anywhere. */
  readonly key?: string;
  /** Check the node's address against its certificate (on unless --cassandra-no-verify-hostname). */
  readonly verifyHostname: boolean;
}

function usage(message: string): ToolError {
  return new ToolError({ code: ErrorCode.USAGE, message, retryable: false });
}

function readPem(flag: string, file: string, marker: RegExp, what: string): string {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) throw usage(`${flag} ${file}: not a regular file`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw usage(`${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!marker.test(text)) throw usage(`${flag} ${file}: no PEM ${what} in it (expected a "-----BEGIN ...-----" block)`);
  return text;
}

/**
 * The TLS settings the flags ask for, with every file read and checked; undefined when TLS is
 * off. A CA, certificate or key file turns TLS on by itself.
 */
export function loadTls(flags: TlsFlags): CassandraTls | undefined {
  const wanted = flags.tls === true || flags.caFile !== undefined || flags.certFile !== undefined || flags.keyFile !== undefined;
  if (!wanted) {
    if (flags.noVerifyHostname === true) {
      throw usage('--cassandra-no-verify-hostname is a TLS setting: add --cassandra-tls (and --cassandra-ca FILE) or drop it');
    }
    return undefined;
  }
  if (flags.tls === false) {
    throw usage('--no-cassandra-tls contradicts --cassandra-ca / --cassandra-cert / --cassandra-key, which turn TLS on');
  }
  if ((flags.certFile === undefined) !== (flags.keyFile === undefined)) {
    throw usage(flags.certFile === undefined ? '--cassandra-key needs --cassandra-cert FILE (the certificate of that key)' : '--cassandra-cert needs --cassandra-key FILE (its private key)');
  }
  const ca = flags.caFile === undefined ? undefined : readPem('--cassandra-ca', flags.caFile, /-----BEGIN CERTIFICATE-----/, 'certificate');
  const cert = flags.certFile === undefined ? undefined : readPem('--cassandra-cert', flags.certFile, /-----BEGIN CERTIFICATE-----/, 'certificate');
  const key = flags.keyFile === undefined ? undefined : readPem('--cassandra-key', flags.keyFile, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key');
  const out: CassandraTls = {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    verifyHostname: flags.noVerifyHostname !== true,
  };
  // Parse everything now, as the driver would on every connection: a bad PEM or a key that does
  // not belong to the certificate is the user's mistake, reported before any connection.
  try {
    tls.createSecureContext(contextOptions(out));
  } catch (error) {
    throw usage(`${tlsFilesNamed(flags)}: ${tlsContextProblem(error)}`);
  }
  return out;
}

function tlsFilesNamed(flags: TlsFlags): string {
  const parts: string[] = [];
  if (flags.caFile !== undefined) parts.push(`--cassandra-ca ${flags.caFile}`);
  if (flags.certFile !== undefined) parts.push(`--cassandra-cert ${flags.certFile}`);
  if (flags.keyFile !== undefined) parts.push(`--cassandra-key ${flags.keyFile}`);
  return parts.join(', ');
}

function tlsContextProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/key values mismatch/i.test(message)) return 'the private key does not belong to the certificate';
  if (/bad decrypt|bad password|interrupted or cancelled/i.test(message)) return 'the private key is encrypted; give an unencrypted key';
  return `not usable for TLS (${message.split('\n')[0]})`;
}

function contextOptions(t: CassandraTls): tls.SecureContextOptions {
  return {
    ...(t.ca === undefined ? {} : { ca: [t.ca] }),
    ...(t.cert === undefined ? {} : { cert: t.cert }),
    ...(t.key === undefined ? {} : { key: t.key }),
  };
}

/** The driver's `sslOptions` (handed to `tls.connect`): the chain is always checked. */
export function sslOptions(t: CassandraTls): tls.ConnectionOptions {
  return {
    ...contextOptions(t),
    rejectUnauthorized: true,
    ...(t.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);

/**
 * One line for a failed connection that TLS explains, with the flag that fixes it; undefined
 * when the error is not about TLS. `tlsOn`: whether this connection used TLS.
 */
export function explainTlsFailure(error: unknown, tlsOn: boolean): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error.message.split('\n')[0] ?? '';
  const detail = (error as { reason?: string }).reason ?? message;
  if (!tlsOn) {
    // A node with TLS only resets (or closes) a plain connection as soon as the driver speaks CQL.
    if (code === 'ECONNRESET' || code === 'EPIPE' || /socket (was )?closed|connection closed/i.test(message)) {
      return `the node closed the connection (${message}); if it requires TLS, connect with --cassandra-tls and --cassandra-ca FILE`;
    }
    return undefined;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS: the node's certificate does not match the address connected to (${(error as { reason?: string }).reason ?? message}); connect by a name or address the certificate lists, or skip this check with --cassandra-no-verify-hostname`;
  }
  if (UNTRUSTED_CHAIN.has(code)) {
    return `TLS: the node's certificate is not signed by a trusted CA (${message}); pass the CA that signed it with --cassandra-ca FILE`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `TLS: the node's certificate is not valid now (${message})`;
  }
  if (/certificate required|CERTIFICATE_REQUIRED/i.test(`${code} ${detail}`)) {
    return `TLS: the node requires a client certificate (${detail}); pass --cassandra-cert FILE and --cassandra-key FILE`;
  }
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)/.test(code)) {
    return `TLS: the node refused the client certificate (${detail}); pass a --cassandra-cert FILE signed by a CA the node trusts`;
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL/.test(code)) {
    return `TLS: the port does not speak TLS (${detail}); drop --cassandra-tls / --cassandra-ca / --cassandra-cert, or use the node's TLS port`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `TLS handshake failed (${detail})`;
  }
  if (code === 'ECONNRESET' || /socket (was )?closed|disconnected before secure/i.test(message)) {
    return `TLS handshake failed: the node closed the connection (${message}); check that the port speaks TLS and accepts this client certificate`;
  }
  return undefined;
}
