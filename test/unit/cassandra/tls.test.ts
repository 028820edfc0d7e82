/**
 * Cassandra TLS settings: the flags read into PEM text (usage errors naming the flag and path),
 * the driver's sslOptions, and a failed handshake explained with the flag that fixes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { explainTlsFailure, loadTls, sslOptions } from '../../../src/cassandra/tls.js';
import { classifyCassandraError } from '../../../src/cassandra/client.js';
import { ToolError } from '../../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cass-tls-'));
const f = (name: string) => path.join(dir, name);

beforeAll(() => {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=unit CA']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.pem', '-days', '2', '-subj', '/CN=client']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=other']);
  writeFileSync(f('not-pem.txt'), 'hello\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('USAGE');
    return (error as ToolError).message;
  }
  throw new Error('expected a usage error');
}

describe('loadTls', () => {
  it('off unless asked for', () => {
    expect(loadTls({})).toBeUndefined();
    expect(loadTls({ tls: false })).toBeUndefined();
  });

  it('--cassandra-tls alone: TLS with the built-in CAs, hostname verification on', () => {
    expect(loadTls({ tls: true })).toEqual({ verifyHostname: true });
  });

  it('a CA or a client certificate turns TLS on, reading the PEM text once', () => {
    const t = loadTls({ caFile: f('ca.pem'), certFile: f('client.pem'), keyFile: f('client.key') });
    expect(t?.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(t?.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(t?.key).toMatch(/PRIVATE KEY-----/);
    expect(t?.verifyHostname).toBe(true);
    expect(loadTls({ caFile: f('ca.pem'), noVerifyHostname: true })?.verifyHostname).toBe(false);
  });

  it.each([
    [{ caFile: 'MISSING' }, '--cassandra-ca'],
    [{ certFile: 'MISSING', keyFile: 'client.key' }, '--cassandra-cert'],
    [{ certFile: 'client.pem', keyFile: 'MISSING' }, '--cassandra-key'],
  ])('a missing file (%j) names %s and the path', (flags, flag) => {
    const abs = Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, f(v)]));
    expect(usageMessage(() => loadTls(abs))).toBe(`${flag} ${f('MISSING')}: cannot read it (ENOENT)`);
  });

  it('a file that is no PEM, a certificate without its key, a key of another certificate: usage errors', () => {
    expect(usageMessage(() => loadTls({ caFile: f('not-pem.txt') }))).toMatch(/^--cassandra-ca .*not-pem\.txt: no PEM certificate in it/);
    expect(usageMessage(() => loadTls({ caFile: dir }))).toMatch(/not a regular file/);
    expect(usageMessage(() => loadTls({ certFile: f('client.pem') }))).toBe('--cassandra-cert needs --cassandra-key FILE (its private key)');
    expect(usageMessage(() => loadTls({ keyFile: f('client.key') }))).toBe('--cassandra-key needs --cassandra-cert FILE (the certificate of that key)');
    expect(usageMessage(() => loadTls({ certFile: f('client.pem'), keyFile: f('other.key') }))).toMatch(/the private key does not belong to the certificate/);
  });

  it('--cassandra-no-verify-hostname without TLS, or --no-cassandra-tls with a CA: usage errors', () => {
    expect(usageMessage(() => loadTls({ noVerifyHostname: true }))).toMatch(/is a TLS setting/);
    expect(usageMessage(() => loadTls({ tls: false, caFile: f('ca.pem') }))).toMatch(/contradicts/);
  });
});

describe('sslOptions', () => {
  it('always checks the chain; the name check is dropped only when asked', () => {
    const on = sslOptions({ ca: 'CA', verifyHostname: true });
    expect(on).toEqual({ ca: ['CA'], rejectUnauthorized: true });
    const off = sslOptions({ ca: 'CA', cert: 'C', key: 'K', verifyHostname: false });
    expect(off).toMatchObject({ ca: ['CA'], cert: 'C', key: 'K', rejectUnauthorized: true });
    expect(off.checkServerIdentity?.('127.0.0.1', {} as never)).toBeUndefined();
  });
});

function err(message: string, fields: Record<string, string>): Error {
  return Object.assign(new Error(message), fields);
}

describe('explainTlsFailure', () => {
  it.each([
    [err("Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: 127.0.0.5", { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "IP: 127.0.0.1 is not in the cert's list: 127.0.0.5" }), /--cassandra-no-verify-hostname/],
    [err('unable to verify the first certificate', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), /not signed by a trusted CA .*--cassandra-ca FILE/],
    [err('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), /--cassandra-ca FILE/],
    [err('x:tlsv13 alert certificate required:y', { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', reason: 'tlsv13 alert certificate required' }), /requires a client certificate .*--cassandra-cert FILE and --cassandra-key FILE/],
    [err('x:tlsv1 alert unknown ca:y', { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', reason: 'tlsv1 alert unknown ca' }), /refused the client certificate/],
    [err('x:wrong version number:y', { code: 'ERR_SSL_WRONG_VERSION_NUMBER', reason: 'wrong version number' }), /the port does not speak TLS/],
  ])('with TLS: %s', (error, pattern) => {
    expect(explainTlsFailure(error, true)).toMatch(pattern);
  });

  it('without TLS, a reset suggests --cassandra-tls; a refused connection is no TLS matter', () => {
    expect(explainTlsFailure(err('read ECONNRESET', { code: 'ECONNRESET' }), false)).toMatch(/--cassandra-tls and --cassandra-ca FILE/);
    expect(explainTlsFailure(err('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), false)).toBeUndefined();
    expect(explainTlsFailure(err('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), true)).toBeUndefined();
  });
});

describe('classifyCassandraError', () => {
  const conn = { contactPoints: ['10.0.0.1'], port: 9042 };
  const noHost = (inner: Error) => new cassandra.errors.NoHostAvailableError({ '10.0.0.1:9042': inner });

  it('a TLS failure is CASSANDRA_AUTH (exit 3, not retried) with the hint', () => {
    const plain = classifyCassandraError(noHost(err('unable to verify the first certificate', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })), { ...conn, tls: { verifyHostname: true } });
    expect(plain).toMatchObject({ code: 'CASSANDRA_AUTH', retryable: false });
    expect(plain.message).toMatch(/^cannot connect to Cassandra at 10\.0\.0\.1:9042: TLS: .*--cassandra-ca FILE$/);
  });

  it('rejected credentials name the user and where the password came from, and never hold it', () => {
    const password = 'Tr0ub4dor&3';
    const auth = new cassandra.errors.AuthenticationError(`Provided username u and/or password ${password} are incorrect`);
    const plain = classifyCassandraError(noHost(auth), { ...conn, username: 'u', password, credentialsSource: 'env MY_PW' });
    expect(plain.code).toBe('CASSANDRA_AUTH');
    expect(plain.message).toBe('Cassandra at 10.0.0.1:9042 rejected the credentials of user "u" (password from env MY_PW): Provided username u and/or password *** are incorrect');
  });

  it('a node that requires a login when none is given names the flags', () => {
    const auth = new cassandra.errors.AuthenticationError('Host 10.0.0.1:9042 requires authentication, but no authenticator found in the options');
    expect(classifyCassandraError(noHost(auth), conn).message).toMatch(/requires a login .*--cassandra-username NAME/);
  });

  it('a closed socket is a TLS hint while connecting, and a node gone (CASSANDRA_UNREACHABLE, retried) mid-run', () => {
    const closed = () => noHost(err('Socket was closed', {}));
    const atConnect = classifyCassandraError(closed(), conn, { connecting: true });
    expect(atConnect).toMatchObject({ code: 'CASSANDRA_AUTH', retryable: false });
    expect(atConnect.message).toMatch(/if it requires TLS, connect with --cassandra-tls/);
    const midRun = classifyCassandraError(closed(), conn);
    expect(midRun).toEqual({ code: 'CASSANDRA_UNREACHABLE', message: 'cannot reach Cassandra at 10.0.0.1:9042: Socket was closed', retryable: true });
    expect(classifyCassandraError(noHost(err('read ECONNRESET', { code: 'ECONNRESET' })), { ...conn, tls: { verifyHostname: true } })).toMatchObject({ code: 'CASSANDRA_UNREACHABLE', retryable: true });
  });

  it('a refused connection stays CASSANDRA_UNREACHABLE', () => {
    expect(classifyCassandraError(noHost(err('connect ECONNREFUSED', { code: 'ECONNREFUSED' })), conn).code).toBe('CASSANDRA_UNREACHABLE');
  });
});
