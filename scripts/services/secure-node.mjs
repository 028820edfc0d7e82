// The local secured Cassandra node (`up|status|down|logs --secure`): password authentication
// and client-to-node TLS with a required client certificate, for the integration tests of the
// tool's --cassandra-* security flags. One node, its own loopback address (secure-config.mjs),
// a throw-away CA made at each start (secure-certs.mjs).
//
// Ready means: a TLS connection that checks the node's certificate against the CA (and its IP
// against the certificate's SAN), shows the client certificate and logs in as the default
// superuser answers a query. The superuser is created a few seconds after the native port
// opens, so the first probes fail with bad credentials while the node is already listening.

import fs from 'node:fs';
import path from 'node:path';
import { CASSANDRA_ASSETS, CASSANDRA_MAIN_CLASS, CASSANDRA_VERSION, LOCAL_DATA_CENTER, paths } from './config.mjs';
import { cassandraDataIdentity, cassandraJvmArgs, renderTemplate, withNodeClient } from './cassandra.mjs';
import { ServiceError } from './errors.mjs';
import { fileSize, readText, tailFile } from './files.mjs';
import { resolveJava, toArgFile } from './java.mjs';
import { install } from './maven.mjs';
import { processAlive, readPidFile, spawnDetached, tcpOpen, terminate, withLock, writePidFile } from './process.mjs';
import { makeProgress } from './progress.mjs';
import { SECURE_CLUSTER_NAME, SUPERUSER, secureConfig } from './secure-config.mjs';
import { certificatesPresent, generateCertificates } from './secure-certs.mjs';
import { seconds, sleep } from './time.mjs';

/** @typedef {import('./secure-config.mjs').SecureConfig} SecureConfig */
/**
 * @typedef {{name: 'secure', address: string, port: number, state: 'ready'|'starting'|'down'|'foreign',
 *   pid?: number, startedAt?: string, version?: string, detail?: string}} SecureState
 */

/** The cassandra.yaml of the secure node. @param {SecureConfig} c */
export function renderSecureYaml(c) {
  const template = fs.readFileSync(path.join(CASSANDRA_ASSETS, 'secure.yaml.template'), 'utf8');
  return renderTemplate(template, {
    CLUSTER_NAME: SECURE_CLUSTER_NAME,
    ADDRESS: c.address,
    NATIVE_PORT: c.nativePort,
    STORAGE_PORT: c.storagePort,
    DATA_DIR: c.data,
    SERVER_KEYSTORE: c.certs.serverKeystore,
    TRUSTSTORE: c.certs.ca,
  });
}

/** Where clients connect, the files they trust and show, and the superuser. @param {SecureConfig} c */
export function secureAddresses(c = secureConfig()) {
  return {
    host: c.address,
    port: c.nativePort,
    contactPoint: `${c.address}:${c.nativePort}`,
    localDataCenter: LOCAL_DATA_CENTER,
    caFile: c.certs.ca,
    clientCertFile: c.certs.clientCert,
    clientKeyFile: c.certs.clientKey,
    superuser: { ...SUPERUSER },
    log: c.log,
  };
}

/**
 * Log in over TLS as the superuser and read the release version, bounded in time.
 * @param {SecureConfig} c @param {number} [timeoutMs]
 * @returns {Promise<{ok: true, value: {version: string, clusterName: string}}|{ok: false, error: string}>}
 */
export async function probeSecure(c, timeoutMs = 8000) {
  if (!certificatesPresent(c)) return { ok: false, error: `no certificates in ${c.certs.dir}` };
  return withNodeClient(
    c.address,
    c.nativePort,
    timeoutMs,
    async (client) => {
      const local = (await client.execute('SELECT release_version, cluster_name FROM system.local')).first();
      return { version: String(local?.release_version ?? '?'), clusterName: String(local?.cluster_name ?? '?') };
    },
    {
      credentials: { ...SUPERUSER },
      sslOptions: {
        ca: [fs.readFileSync(c.certs.ca, 'utf8')],
        cert: fs.readFileSync(c.certs.clientCert, 'utf8'),
        key: fs.readFileSync(c.certs.clientKey, 'utf8'),
        rejectUnauthorized: true,
      },
    },
  );
}

/** State from the pid file and a probe; a pid file whose process is gone is removed. @param {SecureConfig} c @returns {Promise<SecureState>} */
export async function inspectSecure(c) {
  const info = readPidFile(c.pidFile);
  const alive = info ? processAlive(info.pid, c.marker) : false;
  if (info && !alive) fs.rmSync(c.pidFile, { force: true });
  /** @type {SecureState} */
  const base = { name: 'secure', address: c.address, port: c.nativePort, state: 'down' };
  const own = alive && info ? { pid: info.pid, startedAt: info.startedAt } : {};
  const r = await probeSecure(c);
  if (r.ok && r.value.clusterName !== SECURE_CLUSTER_NAME) {
    return { ...base, state: 'foreign', detail: `a Cassandra of cluster '${r.value.clusterName}' answers there` };
  }
  if (r.ok) return { ...base, ...own, state: 'ready', version: r.value.version, ...(alive ? {} : { detail: 'not started by this script (no live pid file)' }) };
  if (alive) return { ...base, ...own, state: 'starting', detail: r.error };
  if (await tcpOpen(c.nativePort, 1000, c.address)) return { ...base, state: 'foreign', detail: r.error };
  return base;
}

/**
 * Data written under another cluster name, token count or address would not start: wiped.
 * @param {SecureConfig} c @param {string} yaml @param {(m: string) => void} log
 */
function checkIdentity(c, yaml, log) {
  const text = JSON.stringify({ ...cassandraDataIdentity(yaml), address: c.address });
  const previous = readText(c.identity)?.trim();
  if (previous !== undefined && previous !== text && fs.existsSync(c.data)) {
    log(`secure: the data on disk was made with another configuration; wiping ${c.data}`);
    fs.rmSync(c.data, { recursive: true, force: true });
  }
  fs.mkdirSync(c.home, { recursive: true });
  fs.writeFileSync(c.identity, text + '\n');
}

/**
 * New certificates, the yaml and JVM arguments, then the node spawned detached.
 * @param {SecureConfig} c @param {import('./java.mjs').Java} java @param {(m: string) => void} log
 */
async function launch(c, java, log) {
  if (await tcpOpen(c.storagePort, 1000, c.address)) {
    throw new ServiceError(`secure: storage port ${c.address}:${c.storagePort} is taken by another process; stop it or set CASSANDRA_SECURE_STORAGE_PORT / CASSANDRA_SECURE_ADDRESS`);
  }
  for (const d of [c.conf, c.logDir, c.data]) fs.mkdirSync(d, { recursive: true });
  generateCertificates(c);
  const yaml = renderSecureYaml(c);
  checkIdentity(c, yaml, log);
  fs.mkdirSync(c.data, { recursive: true });
  fs.writeFileSync(c.yaml, yaml);
  const lib = paths(c.base, 'cassandra').lib;
  fs.writeFileSync(c.argFile, toArgFile(cassandraJvmArgs({ lib, yaml: c.yaml, data: c.data, logDir: c.logDir }, c.heap, [])));
  const { pid, startedAt, exited } = await spawnDetached({
    what: 'secure',
    bin: java.bin,
    args: [`@${c.argFile}`, c.marker, CASSANDRA_MAIN_CLASS],
    cwd: c.home,
    env: { ...process.env, JAVA_HOME: java.home },
    output: c.output,
  });
  writePidFile(c.pidFile, { pid, port: c.nativePort, storagePort: c.storagePort, startedAt: new Date(startedAt).toISOString(), version: CASSANDRA_VERSION, java: java.bin });
  log(`secure: starting on ${c.address}:${c.nativePort} (pid ${pid}, heap ${c.heap}, log ${c.log})`);
  return { pid, startedAt, exited };
}

/**
 * `up --secure`: reuse a node that answers, else install if needed, start it and wait until the
 * superuser can log in over TLS. Returns the outcome line.
 * @param {{log: (m: string) => void, progress: import('./progress.mjs').ProgressStyle}} opts
 */
export async function secureUp(opts) {
  const c = secureConfig();
  const first = await inspectSecure(c);
  if (first.state === 'ready') return `secure: already running on ${c.address}:${c.nativePort} (${first.version}, pid ${first.pid ?? '?'})`;
  const java = resolveJava('cassandra');
  await install('cassandra', opts.log);
  return withLock(c.lockFile, c.timeoutMs + 30_000, 'secure start', async () => {
    const s = await inspectSecure(c);
    if (s.state === 'ready') return `secure: already running on ${c.address}:${c.nativePort} (${s.version}, pid ${s.pid ?? '?'})`;
    if (s.state === 'foreign') {
      throw new ServiceError(`secure: ${c.address}:${c.nativePort} is taken by something that is not the secure node (${s.detail}); stop it or set CASSANDRA_SECURE_ADDRESS`);
    }
    const logFrom = fileSize(c.log);
    const proc =
      s.state === 'starting' && s.pid
        ? { pid: s.pid, startedAt: Date.parse(s.startedAt ?? '') || Date.now(), exited: () => undefined }
        : await launch(c, java, opts.log);
    return waitUp(c, { ...proc, logFrom }, opts);
  });
}

/**
 * @param {SecureConfig} c
 * @param {{pid: number, startedAt: number, logFrom: number, exited: () => import('./process.mjs').Exit|undefined}} s
 * @param {{log: (m: string) => void, progress: import('./progress.mjs').ProgressStyle}} opts
 */
async function waitUp(c, s, opts) {
  const progress = makeProgress(/** @type {any} */ ('secure'), opts);
  try {
    for (;;) {
      const exit = s.exited();
      if (exit || !processAlive(s.pid, c.marker)) {
        fs.rmSync(c.pidFile, { force: true });
        const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : 'it is gone';
        throw new ServiceError(`secure: exited during start-up (${how}); last lines of ${c.log} and ${c.output}:`, logExcerpt(c, s.logFrom));
      }
      const r = await probeSecure(c);
      if (r.ok) return `secure: ready on ${c.address}:${c.nativePort} (${r.value.version}, TLS + password, pid ${s.pid}, started in ${seconds(Date.now() - s.startedAt)} s)`;
      const waited = Date.now() - s.startedAt;
      if (waited > c.timeoutMs) {
        throw new ServiceError(
          `secure: not answering on ${c.address}:${c.nativePort} after ${seconds(waited)} s (pid ${s.pid} still running; last probe: ${r.error}); see ${c.log}`,
          logExcerpt(c, s.logFrom),
        );
      }
      progress.tick(waited);
      await sleep(1000);
    }
  } finally {
    progress.done();
  }
}

/** @param {SecureConfig} c @param {number} from */
function logExcerpt(c, from) {
  const parts = [];
  const sys = tailFile(c.log, 20, from, true);
  if (sys) parts.push(`--- ${c.log}\n${sys}`);
  const out = tailFile(c.output, 20, 0, true);
  if (out.split('\n').length > 1) parts.push(`--- ${c.output}\n${out}`);
  return parts.join('\n') || '(no log output)';
}

/** `status --secure`: one line, and whether the node is ready. */
export async function secureStatus() {
  const c = secureConfig();
  const s = await inspectSecure(c);
  const where = `${c.address}:${c.nativePort}`;
  switch (s.state) {
    case 'ready':
      return { ready: true, state: s, line: `secure: ready on ${where} (${s.version}, TLS + password${s.pid ? `, pid ${s.pid}` : `, ${s.detail}`})` };
    case 'starting':
      return { ready: false, state: s, line: `secure: starting (pid ${s.pid}, ${where} not answering yet: ${s.detail})` };
    case 'foreign':
      return { ready: false, state: s, line: `secure: down, but ${where} is taken by something else (${s.detail})` };
    default:
      return { ready: false, state: s, line: `secure: down (${where} free)` };
  }
}

/** `down --secure`: stop the node if this script started it. @param {{log: (m: string) => void}} o */
export async function secureDown(o) {
  const c = secureConfig();
  const info = readPidFile(c.pidFile);
  if (!info || !processAlive(info.pid, c.marker)) {
    fs.rmSync(c.pidFile, { force: true });
    return 'secure: not running';
  }
  const t0 = Date.now();
  const { killed } = await terminate(info.pid, c.marker, 'secure', o.log);
  fs.rmSync(c.pidFile, { force: true });
  return `secure: ${killed ? 'killed after ignoring SIGTERM' : 'stopped'} (pid ${info.pid}, ${c.address}, ${seconds(Date.now() - t0)} s)`;
}

/** The secure node's log files. */
export function secureLogFiles() {
  const c = secureConfig();
  return [c.log, ...(fileSize(c.output) > 0 ? [c.output] : [])];
}
