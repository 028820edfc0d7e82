// The secure node's throw-away PKI, made with openssl at each start while the node is down:
// a CA, the node's certificate (SAN: its IP address only, so a client that reaches it by any
// other address sees a hostname mismatch) and one client certificate. Private keys are 0600.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from './errors.mjs';

/** @typedef {import('./secure-config.mjs').SecureConfig} SecureConfig */

const DAYS = '30';

/** @param {string[]} args @param {string} cwd */
function openssl(args, cwd) {
  try {
    execFileSync(process.env.OPENSSL || 'openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = /** @type {{stderr?: Buffer, message: string}} */ (e);
    throw new ServiceError(`secure: openssl ${args[0]} failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`);
  }
}

const serial = () => `0x${crypto.randomBytes(8).toString('hex')}`;

/**
 * Key and certificate signed by the CA in dir.
 * @param {string} dir @param {string} name file stem @param {string} cn @param {string} extensions
 */
function issue(dir, name, cn, extensions) {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', serial(), '-days', DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`],
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(path.join(dir, `${name}.ext`));
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
}

/**
 * Generate a fresh CA, server and client certificate into c.certs.dir (replacing old ones).
 * @param {SecureConfig} c
 */
export function generateCertificates(c) {
  const dir = c.certs.dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', DAYS, '-sha256',
      '-subj', '/CN=cass2ddb throw-away test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  fs.chmodSync(c.certs.caKey, 0o600);
  issue(dir, 'server', c.address, `subjectAltName=IP:${c.address}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  issue(dir, 'client', 'cass2ddb-test-client', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  fs.writeFileSync(c.certs.serverKeystore, fs.readFileSync(path.join(dir, 'server.key'), 'utf8') + fs.readFileSync(c.certs.serverCert, 'utf8'), { mode: 0o600 });
  fs.rmSync(path.join(dir, 'server.key'));
}

/** Are all the files a start needs (and a client uses) there? @param {SecureConfig} c */
export function certificatesPresent(c) {
  return [c.certs.ca, c.certs.serverKeystore, c.certs.clientCert, c.certs.clientKey].every((f) => fs.existsSync(f));
}
