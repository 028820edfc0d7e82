#!/usr/bin/env node
// Installs, starts, checks, tails and stops a real local Apache Cassandra 5.0 and a
// real DynamoDB Local, both from Maven Central, both on Java 17.
//
//   node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all]
//
// Also a module: ensureServices(), servicesStatus(), stopServices() (test global setup).
// Only node: built-ins plus the project's cassandra-driver and @aws-sdk/client-dynamodb
// (both imported lazily, only when a readiness probe runs).
//
// Environment: CASSANDRA_PORT (9042), CASSANDRA_STORAGE_PORT (7000), DYNAMODB_PORT (8000),
// JAVA_HOME (a Java 17; default /usr/lib/jvm/java-17-openjdk-amd64; CASS2DDB_JAVA_HOME wins over it),
// CASS2DDB_SERVICES_DIR (<repo>/.services), CASS2DDB_CACHE_DIR (<repo>/.cache),
// CASSANDRA_START_TIMEOUT (seconds, 180), CASSANDRA_HEAP (1g), CASSANDRA_JMX_PORT (unset:
// no JMX).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------------------
// Pinned versions
// ---------------------------------------------------------------------------------------

/** Newest 5.0.x on Maven Central when this was written. */
export const CASSANDRA_VERSION = '5.0.9';
/**
 * DynamoDB Local from Maven Central. 3.3.1 exists but depends on AWS SDK 2.48.3 modules
 * (cognitoidentity, pinpoint, dynamodb-enhanced) that the registry mirror reachable here
 * does not serve; 3.1.0 (SDK 2.33.0) resolves completely.
 */
export const DYNAMODB_LOCAL_VERSION = '3.1.0';
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
export const DEFAULT_JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';
export const CASSANDRA_MAIN_CLASS = 'org.apache.cassandra.service.CassandraDaemon';
export const DYNAMODB_MAIN_CLASS = 'software.amazon.dynamodb.services.local.main.ServerRunner';
export const LOCAL_DATA_CENTER = 'datacenter1';
const HOST = '127.0.0.1';

const SCRIPTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.dirname(SCRIPTS_DIR);
const CASSANDRA_ASSETS = path.join(SCRIPTS_DIR, 'cassandra');

// ---------------------------------------------------------------------------------------
// Errors: one clear line (plus an optional log excerpt), never a stack trace in the CLI
// ---------------------------------------------------------------------------------------

export class ServiceError extends Error {
  /** @param {string} message @param {string} [details] extra lines (log tail) */
  constructor(message, details) {
    super(message);
    this.name = 'ServiceError';
    this.details = details;
  }
}

// ---------------------------------------------------------------------------------------
// Pure helpers (unit-tested in test/unit/services-config.test.ts)
// ---------------------------------------------------------------------------------------

/**
 * Fill {{NAME}} placeholders. Throws on a placeholder without a value, so a template
 * change cannot silently produce a broken config.
 * @param {string} template @param {Record<string, string|number>} vars
 */
export function renderTemplate(template, vars) {
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, name) => {
    if (!Object.prototype.hasOwnProperty.call(vars, name)) {
      throw new Error(`template placeholder {{${name}}} has no value`);
    }
    return String(vars[name]);
  });
}

/**
 * Java major version from a JDK `release` file (JAVA_VERSION="17.0.15") or from
 * `java -version` output (openjdk version "17.0.15" 2025-04-15, java version "1.8.0_402").
 * @param {string} text @returns {number|undefined}
 */
export function parseJavaMajor(text) {
  const m = /(?:JAVA_VERSION=|version\s+)"(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  if (first === 1 && m[2] !== undefined) return Number(m[2]);
  return first;
}

/**
 * Why a Java major version cannot run the service, or undefined when it can.
 * Cassandra 5.0 supports Java 11 and 17 only (it installs a SecurityManager, which JDK 24
 * removed, and 18+ refuse it without extra flags). DynamoDB Local 3.x needs Java 17+.
 * @param {'cassandra'|'dynamodb'} service @param {number} major
 */
export function javaProblem(service, major) {
  if (service === 'cassandra') {
    if (major >= 24) return 'which cannot run Cassandra 5.0 (it installs a SecurityManager, which JDK 24 removed; it needs Java 17)';
    if (major !== 17 && major !== 11) return 'which Cassandra 5.0 does not support (it needs Java 17, or 11)';
    return undefined;
  }
  if (major < 17) return `which is too old for DynamoDB Local ${DYNAMODB_LOCAL_VERSION} (it needs Java 17+)`;
  return undefined;
}

/**
 * What identifies the data on disk: when any of it changes, old data would not start
 * (cluster name mismatch, token count change, ...), so the data folder is wiped.
 * @param {string} yaml rendered cassandra.yaml
 */
export function cassandraDataIdentity(yaml) {
  const get = (/** @type {string} */ key) => {
    const m = new RegExp(`^${key}:\\s*['"]?([^'"\\n#]*?)['"]?\\s*(?:#.*)?$`, 'm').exec(yaml);
    return m?.[1]?.trim() ?? '';
  };
  return {
    cluster_name: get('cluster_name'),
    num_tokens: get('num_tokens'),
    partitioner: get('partitioner'),
    storage_port: get('storage_port'),
  };
}

/**
 * Lines of a Java @argfile: arguments with whitespace, quotes, '#' or backslashes are
 * double-quoted with backslash escapes.
 * @param {string[]} args
 */
export function toArgFile(args) {
  return (
    args
      .map((a) => (/[\s"'#\\]/.test(a) ? `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : a))
      .join('\n') + '\n'
  );
}

/**
 * Arguments of a jvm*.options file: comments and blank lines dropped, and a line such as
 * `--add-opens java.base/java.io=ALL-UNNAMED` split into its two arguments.
 * @param {string} text
 */
export function parseJvmOptions(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-'))
    .flatMap((l) => l.split(/\s+/));
}

/**
 * Last n lines of a text (without a trailing empty line); with dropStackFrames, Java
 * stack-frame lines ("\tat ...", "... 12 more") are left out so exception messages show.
 * @param {string} text @param {number} n @param {boolean} [dropStackFrames]
 */
export function lastLines(text, n, dropStackFrames = false) {
  let lines = text.split('\n');
  if (dropStackFrames) lines = lines.filter((l) => !/^\s+(at |\.\.\. \d+ (more|common frames omitted))/.test(l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).join('\n');
}

/** Throwaway pom.xml whose runtime dependencies are the artifact to run. */
export function renderPom(/** @type {{artifactId: string, deps: {groupId: string, artifactId: string, version: string}[]}} */ spec) {
  const deps = spec.deps
    .map(
      (d) =>
        `    <dependency>\n      <groupId>${d.groupId}</groupId>\n      <artifactId>${d.artifactId}</artifactId>\n      <version>${d.version}</version>\n    </dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/services.mjs: only used to download runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cass2ddb</groupId>
  <artifactId>${spec.artifactId}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** Parse a port from the environment. @param {string|undefined} value @param {number} def @param {string} name */
export function parsePort(value, def, name) {
  if (value === undefined || value === '') return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ServiceError(`${name}=${value} is not a TCP port (1-65535)`);
  return n;
}

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

function config() {
  const env = process.env;
  const servicesDir = path.resolve(env.CASS2DDB_SERVICES_DIR || path.join(REPO_ROOT, '.services'));
  const cacheDir = path.resolve(env.CASS2DDB_CACHE_DIR || path.join(REPO_ROOT, '.cache'));
  const timeout = Number(env.CASSANDRA_START_TIMEOUT || 180);
  return {
    servicesDir,
    cacheDir,
    cassandraPort: parsePort(env.CASSANDRA_PORT, 9042, 'CASSANDRA_PORT'),
    storagePort: parsePort(env.CASSANDRA_STORAGE_PORT, 7000, 'CASSANDRA_STORAGE_PORT'),
    jmxPort: env.CASSANDRA_JMX_PORT ? parsePort(env.CASSANDRA_JMX_PORT, 7199, 'CASSANDRA_JMX_PORT') : undefined,
    dynamodbPort: parsePort(env.DYNAMODB_PORT, 8000, 'DYNAMODB_PORT'),
    cassandraHeap: env.CASSANDRA_HEAP || '1g',
    cassandraTimeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 180) * 1000,
    dynamodbTimeoutMs: 60_000,
  };
}

/** @typedef {'cassandra'|'dynamodb'} ServiceName */

const SERVICES = /** @type {const} */ ({
  cassandra: {
    label: 'Cassandra',
    version: CASSANDRA_VERSION,
    cacheName: `cassandra-${CASSANDRA_VERSION}`,
    marker: CASSANDRA_MAIN_CLASS,
    deps: [{ groupId: 'org.apache.cassandra', artifactId: 'cassandra-all', version: CASSANDRA_VERSION }],
  },
  dynamodb: {
    label: 'DynamoDB Local',
    version: DYNAMODB_LOCAL_VERSION,
    cacheName: `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`,
    marker: DYNAMODB_MAIN_CLASS,
    deps: [{ groupId: 'software.amazon.dynamodb', artifactId: 'DynamoDBLocal', version: DYNAMODB_LOCAL_VERSION }],
  },
});

/** @param {ReturnType<typeof config>} cfg @param {ServiceName} name */
function paths(cfg, name) {
  const cache = path.join(cfg.cacheDir, SERVICES[name].cacheName);
  const home = path.join(cfg.servicesDir, name);
  const common = {
    cache,
    lib: path.join(cache, 'lib'),
    native: path.join(cache, 'native'),
    pom: path.join(cache, 'pom.xml'),
    mavenLog: path.join(cache, 'maven.log'),
    complete: path.join(cache, '.complete'),
    home,
    pidFile: path.join(cfg.servicesDir, `${name}.pid`),
    lockFile: path.join(cfg.servicesDir, `${name}.lock`),
    installLock: path.join(cfg.cacheDir, `${SERVICES[name].cacheName}.lock`),
  };
  if (name === 'cassandra') {
    return {
      ...common,
      conf: path.join(home, 'conf'),
      yaml: path.join(home, 'conf', 'cassandra.yaml'),
      argFile: path.join(home, 'conf', 'jvm.args'),
      identity: path.join(home, 'data-identity.json'),
      data: path.join(home, 'data'),
      logDir: path.join(home, 'logs'),
      log: path.join(home, 'logs', 'system.log'),
      output: path.join(home, 'logs', 'output.log'),
    };
  }
  return {
    ...common,
    conf: home,
    yaml: '',
    argFile: path.join(home, 'jvm.args'),
    identity: '',
    data: home,
    logDir: home,
    log: path.join(home, 'dynamodb.log'),
    output: path.join(home, 'dynamodb.log'),
  };
}

// ---------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (/** @type {number} */ ms) => (ms / 1000).toFixed(1);

/** @param {string} file */
function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Tail of a file from an optional byte offset.
 * @param {string} file @param {number} n @param {number} [from] @param {boolean} [dropStackFrames]
 */
function tailFile(file, n, from = 0, dropStackFrames = false) {
  try {
    const size = fs.statSync(file).size;
    const start = Math.max(from, size - 256 * 1024);
    if (size <= start) return '';
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      return lastLines(buf.toString('utf8'), n, dropStackFrames);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** @param {string} file */
function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** @param {string} dir */
function dirSize(dir) {
  let total = 0;
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = dirSize(p);
      total += sub.total;
      count += sub.count;
    } else {
      total += fs.statSync(p).size;
      count++;
    }
  }
  return { total, count };
}

/** Is something accepting TCP connections on 127.0.0.1:port? @param {number} port */
function tcpOpen(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (/** @type {boolean} */ open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Is pid a live (non-zombie) process whose command line contains marker?
 * @param {number} pid @param {string} marker
 */
function processAlive(pid, marker) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EPERM') return false;
  }
  // Linux: zombies answer kill(0) too, and the pid may have been reused.
  const stat = readText(`/proc/${pid}/stat`);
  if (stat !== undefined) {
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readText(`/proc/${pid}/cmdline`);
    if (cmdline !== undefined && !cmdline.includes(marker)) return false;
  }
  return true;
}

/**
 * @typedef {{pid: number, port: number, storagePort?: number, startedAt: string, version: string, java: string}} PidInfo
 * @param {string} file @returns {PidInfo|undefined}
 */
function readPidFile(file) {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    const info = JSON.parse(text);
    if (typeof info.pid === 'number') return info;
  } catch {
    const pid = Number(text.trim());
    if (Number.isInteger(pid)) return { pid, port: NaN, startedAt: '', version: '', java: '' };
  }
  return undefined;
}

/**
 * Cross-process lock (atomic create of a file holding our pid); a lock whose owner is
 * dead is taken over. Serialises concurrent `up`s (a human and a test run, say).
 * @template T @param {string} file @param {number} timeoutMs @param {string} what @param {() => Promise<T>} fn
 */
async function withLock(file, timeoutMs, what, fn) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      const owner = Number(readText(file)?.trim());
      if (!Number.isInteger(owner) || owner === process.pid || !processAlive(owner, '')) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ServiceError(`${what}: another services.mjs (pid ${owner}) holds ${file}; gave up waiting after ${seconds(timeoutMs)} s`);
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Java
// ---------------------------------------------------------------------------------------

/**
 * The java binary for a service: $JAVA_HOME when set, else the Debian Java 17.
 * @param {ServiceName} service
 */
function resolveJava(service) {
  const env = process.env;
  const [varName, fromEnv] = env.CASS2DDB_JAVA_HOME?.trim()
    ? ['CASS2DDB_JAVA_HOME', env.CASS2DDB_JAVA_HOME.trim()]
    : ['JAVA_HOME', env.JAVA_HOME?.trim() || undefined];
  const home = fromEnv || DEFAULT_JAVA_HOME;
  const where = fromEnv ? `${varName}=${home}` : `${home} (JAVA_HOME is not set)`;
  const bin = path.join(home, 'bin', 'java');
  if (!fs.existsSync(bin)) {
    throw new ServiceError(
      `Java 17 not found: no ${bin} (looked at ${where}); install openjdk-17-jre-headless or point JAVA_HOME (or CASS2DDB_JAVA_HOME) at a Java 17`,
    );
  }
  let major = parseJavaMajor(readText(path.join(home, 'release')) ?? '');
  if (major === undefined) {
    const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
    major = parseJavaMajor(`${r.stderr ?? ''}${r.stdout ?? ''}`);
  }
  if (major === undefined) throw new ServiceError(`cannot tell the Java version of ${bin} (looked at ${where})`);
  const problem = javaProblem(service, major);
  if (problem) {
    const fix = fromEnv
      ? `unset ${varName} (the default is ${DEFAULT_JAVA_HOME}) or point it at a Java 17`
      : 'point JAVA_HOME (or CASS2DDB_JAVA_HOME) at a Java 17';
    throw new ServiceError(`${service}: ${where} is Java ${major}, ${problem}; ${fix}`);
  }
  return { home, bin, major };
}

// ---------------------------------------------------------------------------------------
// install: Maven downloads into the cache
// ---------------------------------------------------------------------------------------

/** @param {ServiceName} name @param {(msg: string) => void} log */
async function install(name, log) {
  const cfg = config();
  const p = paths(cfg, name);
  const svc = SERVICES[name];
  if (cacheComplete(p)) return { downloaded: false, dir: p.cache };
  return withLock(p.installLock, 15 * 60_000, `${name} install`, async () => {
    if (cacheComplete(p)) return { downloaded: false, dir: p.cache };
    const mvn = findOnPath('mvn');
    if (!mvn) throw new ServiceError(`${name}: mvn (Apache Maven) is not on PATH; it downloads ${svc.label} from Maven Central (apt-get install maven)`);
    fs.mkdirSync(p.cache, { recursive: true });
    fs.writeFileSync(p.pom, renderPom({ artifactId: `${name}-runtime`, deps: [...svc.deps] }));
    const partial = `${p.lib}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    const coords = svc.deps.map((d) => `${d.groupId}:${d.artifactId}:${d.version}`).join(', ');
    log(`${name}: downloading ${coords} and its runtime dependencies with Maven (log: ${p.mavenLog})`);
    const t0 = Date.now();
    const args = [
      '-B',
      '-ntp',
      '-f',
      p.pom,
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${partial}`,
    ];
    const out = fs.openSync(p.mavenLog, 'w');
    fs.writeSync(out, `$ ${mvn} ${args.join(' ')}\n`);
    const code = await new Promise((resolve, reject) => {
      const child = spawn(mvn, args, { cwd: p.cache, stdio: ['ignore', out, out] });
      child.once('error', reject);
      child.once('exit', (c, sig) => resolve(c ?? sig));
    }).finally(() => fs.closeSync(out));
    if (code !== 0) {
      const tail = tailFile(p.mavenLog, 15)
        .split('\n')
        .filter((l) => !/^\[ERROR\]\s*(->.*)?$/.test(l))
        .join('\n');
      throw new ServiceError(`${name}: Maven download failed (exit ${code}); last lines of ${p.mavenLog}:`, tail);
    }
    fs.rmSync(p.lib, { recursive: true, force: true });
    fs.renameSync(partial, p.lib);
    if (name === 'dynamodb') prepareSqliteNative(p);
    const { total, count } = dirSize(p.lib);
    fs.writeFileSync(
      p.complete,
      JSON.stringify({ coords, files: count, bytes: total, at: new Date().toISOString() }, null, 2) + '\n',
    );
    log(`${name}: cached ${count} files (${(total / 1e6).toFixed(0)} MB) in ${p.cache} (${seconds(Date.now() - t0)} s)`);
    return { downloaded: true, dir: p.cache };
  });
}

/** @param {ReturnType<typeof paths>} p */
function cacheComplete(p) {
  return fs.existsSync(p.complete) && fs.existsSync(p.lib);
}

/**
 * sqlite4java loads lib<name>.so by its plain name: Maven names the artifact with its
 * version (libsqlite4java-linux-amd64-1.0.392.so), so copy it under the expected name.
 * @param {ReturnType<typeof paths>} p
 */
function prepareSqliteNative(p) {
  fs.rmSync(p.native, { recursive: true, force: true });
  fs.mkdirSync(p.native, { recursive: true });
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'amd64' : process.arch;
  let found = false;
  for (const f of fs.readdirSync(p.lib)) {
    const m = /^(libsqlite4java-linux-[a-z0-9_]+)-[\d.]+\.so$/.exec(f);
    if (m) {
      fs.copyFileSync(path.join(p.lib, f), path.join(p.native, `${m[1]}.so`));
      if (m[1] === `libsqlite4java-linux-${arch}`) found = true;
    }
  }
  if (!found && process.platform === 'linux') {
    throw new ServiceError(`dynamodb: Maven did not bring libsqlite4java-linux-${arch}.so into ${p.lib}`);
  }
}

/** @param {string} cmd */
function findOnPath(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** @param {ReturnType<typeof paths>} p */
function classpath(p) {
  return fs
    .readdirSync(p.lib)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => path.join(p.lib, f))
    .join(path.delimiter);
}

// ---------------------------------------------------------------------------------------
// Readiness probes
// ---------------------------------------------------------------------------------------

/** @type {Promise<any>|undefined} */
let cassandraDriver;
/** @type {Promise<any>|undefined} */
let dynamodbSdk;

/**
 * SELECT release_version FROM system.local through cassandra-driver, bounded in time (the
 * driver retries protocol versions on a port that answers something else).
 * @param {number} port @param {number} [timeoutMs]
 * @returns {Promise<{ok: true, version: string}|{ok: false, error: string}>}
 */
async function probeCassandra(port, timeoutMs = 6000) {
  cassandraDriver ??= import('cassandra-driver').then((m) => m.default ?? m);
  const driver = await cassandraDriver;
  const client = new driver.Client({
    contactPoints: [`${HOST}:${port}`],
    localDataCenter: LOCAL_DATA_CENTER,
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    // heartBeatInterval 0: otherwise a failed connection leaves a heartbeat timer behind that
    // keeps the process alive for a minute.
    pooling: { coreConnectionsPerHost: { [driver.types.distance.local]: 1 }, heartBeatInterval: 0 },
  });
  /** @type {NodeJS.Timeout|undefined} */
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer to a CQL query within ${seconds(timeoutMs)} s` }), timeoutMs);
  });
  const query = client.execute('SELECT release_version FROM system.local').then(
    (/** @type {any} */ rs) => ({ ok: true, version: String(rs.first()?.release_version ?? '?') }),
    (/** @type {unknown} */ e) => ({ ok: false, error: oneLine(e) }),
  );
  try {
    return /** @type {any} */ (await Promise.race([query, timeout]));
  } finally {
    clearTimeout(timer);
    const shutdown = client.shutdown().catch(() => {});
    await Promise.race([shutdown, sleep(2000)]);
  }
}

/** ListTables through @aws-sdk/client-dynamodb. @param {number} port */
async function probeDynamodb(port) {
  dynamodbSdk ??= import('@aws-sdk/client-dynamodb');
  const { DynamoDBClient, ListTablesCommand } = await dynamodbSdk;
  const client = new DynamoDBClient({
    endpoint: `http://${HOST}:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const out = await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(5000) });
    return { ok: true, version: DYNAMODB_LOCAL_VERSION, tables: out.TableNames?.length ?? 0 };
  } catch (e) {
    return { ok: false, error: oneLine(e) };
  } finally {
    client.destroy();
  }
}

/** @param {ServiceName} name @param {number} port */
function probe(name, port) {
  return name === 'cassandra' ? probeCassandra(port) : probeDynamodb(port);
}

/** @param {unknown} e */
function oneLine(e) {
  const msg = e instanceof Error ? e.message || e.name : String(e);
  return msg.split('\n')[0] ?? '';
}

// ---------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------

/** @param {ReturnType<typeof config>} cfg @param {ServiceName} name */
function servicePort(cfg, name) {
  return name === 'cassandra' ? cfg.cassandraPort : cfg.dynamodbPort;
}

/**
 * Prepare config files and the argument list for Cassandra.
 * @param {ReturnType<typeof config>} cfg @param {ReturnType<typeof paths>} p @param {(m: string) => void} log
 */
function prepareCassandra(cfg, p, log) {
  for (const d of [p.conf, p.logDir, p.data]) fs.mkdirSync(d, { recursive: true });
  const template = fs.readFileSync(path.join(CASSANDRA_ASSETS, 'cassandra.yaml.template'), 'utf8');
  const yaml = renderTemplate(template, {
    NATIVE_PORT: cfg.cassandraPort,
    STORAGE_PORT: cfg.storagePort,
    DATA_DIR: p.data,
  });
  fs.writeFileSync(p.yaml, yaml);

  // Data written under another cluster name / token count would not start: wipe it.
  const identity = cassandraDataIdentity(yaml);
  const previous = readText(p.identity);
  const dataDirs = ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw'].map((d) => path.join(p.data, d));
  const hasData = dataDirs.some((d) => fs.existsSync(d) && fs.readdirSync(d).length > 0);
  if (hasData && previous !== undefined && previous.trim() !== JSON.stringify(identity)) {
    /** @type {Record<string, string>} */
    let old = {};
    try {
      old = JSON.parse(previous);
    } catch {
      /* unreadable: treat every key as changed */
    }
    const changed = Object.entries(identity)
      .filter(([k, v]) => old[k] !== v)
      .map(([k, v]) => `${k} ${old[k] ?? '?'} -> ${v}`)
      .join(', ');
    log(`cassandra: the data on disk was written with another configuration (${changed}); wiping ${p.data}`);
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
  }
  fs.writeFileSync(p.identity, JSON.stringify(identity) + '\n');

  const jvmOptions = parseJvmOptions(fs.readFileSync(path.join(CASSANDRA_ASSETS, 'jvm17-server.options'), 'utf8'));
  const jamm = fs.readdirSync(p.lib).find((f) => /^jamm-[\d.]+\.jar$/.test(f));
  const args = [
    ...jvmOptions,
    `-Xms${cfg.cassandraHeap}`,
    `-Xmx${cfg.cassandraHeap}`,
    ...(jamm ? [`-javaagent:${path.join(p.lib, jamm)}`] : []),
    `-Dcassandra.config=${pathToFileURL(p.yaml).href}`,
    `-Dcassandra.storagedir=${p.data}`,
    `-Dcassandra.logdir=${p.logDir}`,
    `-Dlogback.configurationFile=${path.join(CASSANDRA_ASSETS, 'logback.xml')}`,
    '-Dcassandra-foreground=yes',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.unsafesystem=true',
    '-Djava.net.preferIPv4Stack=true',
    ...(cfg.jmxPort ? [`-Dcassandra.jmx.local.port=${cfg.jmxPort}`] : []),
    `-XX:ErrorFile=${path.join(p.logDir, 'hs_err_pid%p.log')}`,
    '-cp',
    classpath(p),
  ];
  fs.writeFileSync(p.argFile, toArgFile(args));
  return [`@${p.argFile}`, '-Dcass2ddb.service=cassandra', CASSANDRA_MAIN_CLASS];
}

/** @param {ReturnType<typeof config>} cfg @param {ReturnType<typeof paths>} p */
function prepareDynamodb(cfg, p) {
  fs.mkdirSync(p.home, { recursive: true });
  const args = [
    '-Xms256m',
    '-Xmx1g',
    `-Djava.library.path=${p.native}`,
    `-Dsqlite4java.library.path=${p.native}`,
    `-XX:ErrorFile=${path.join(p.home, 'hs_err_pid%p.log')}`,
    '-cp',
    classpath(p),
  ];
  fs.writeFileSync(p.argFile, toArgFile(args));
  return [
    `@${p.argFile}`,
    '-Dcass2ddb.service=dynamodb',
    DYNAMODB_MAIN_CLASS,
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(cfg.dynamodbPort),
  ];
}

/**
 * @typedef {{name: ServiceName, state: 'ready'|'starting'|'down'|'foreign', pid?: number, port: number, version?: string, detail?: string}} ServiceState
 */

/**
 * Current state of a service, from its pid file and a readiness probe.
 * @param {ServiceName} name @returns {Promise<ServiceState & {pidInfo?: PidInfo}>}
 */
async function inspect(name) {
  const cfg = config();
  const p = paths(cfg, name);
  const port = servicePort(cfg, name);
  const info = readPidFile(p.pidFile);
  const alive = info ? processAlive(info.pid, SERVICES[name].marker) : false;
  if (info && !alive) fs.rmSync(p.pidFile, { force: true });
  const probePort = alive && info && Number.isInteger(info.port) ? info.port : port;
  const result = await probe(name, probePort);
  if (result.ok) {
    return {
      name,
      state: 'ready',
      port: probePort,
      version: result.version,
      ...(alive && info ? { pid: info.pid, pidInfo: info } : { detail: 'not started by this script (no live pid file)' }),
    };
  }
  if (alive && info) {
    return { name, state: 'starting', pid: info.pid, port: probePort, pidInfo: info, detail: result.error };
  }
  if (await tcpOpen(port)) return { name, state: 'foreign', port, detail: result.error };
  return { name, state: 'down', port };
}

/**
 * Make one service ready: reuse it when it answers, else start it and wait.
 * @param {ServiceName} name @param {{log: (m: string) => void, progress: 'dots'|'lines'}} opts
 * @param {ServiceState|undefined} [known] state just inspected by the caller
 * @returns {Promise<{line: string, port: number, version: string}>}
 */
async function up(name, opts, known = undefined) {
  const cfg = config();
  const p = paths(cfg, name);
  const port = servicePort(cfg, name);
  const svc = SERVICES[name];

  const state = known ?? (await inspect(name));
  if (state.state === 'ready') {
    if (state.port !== port) {
      throw new ServiceError(
        `${name}: already running (pid ${state.pid}) on port ${state.port}, but ${name === 'cassandra' ? 'CASSANDRA_PORT' : 'DYNAMODB_PORT'} asks for ${port}; run \`node scripts/services.mjs down ${name}\` first`,
      );
    }
    return {
      line: `${name}: already running on ${HOST}:${port} (${state.version}${state.pid ? `, pid ${state.pid}` : ', not started by this script'})`,
      port,
      version: state.version ?? '?',
    };
  }
  if (state.state === 'foreign') {
    throw new ServiceError(
      `${name}: port ${port} on ${HOST} is taken by something that is not ${svc.label} (${state.detail}); stop it or set ${name === 'cassandra' ? 'CASSANDRA_PORT' : 'DYNAMODB_PORT'}`,
    );
  }

  const java = resolveJava(name);
  await install(name, opts.log);

  return withLock(p.lockFile, cfg.cassandraTimeoutMs + 60_000, `${name} start`, async () => {
    // Another process may have started it while we waited for the lock.
    const current = await inspect(name);
    if (current.state === 'ready') {
      return { line: `${name}: already running on ${HOST}:${port} (${current.version}, pid ${current.pid ?? '?'})`, port, version: current.version ?? '?' };
    }
    /** @type {{pid: number, exited: () => {code: number|null, signal: string|null}|undefined, startedAt: number, logFrom: number, outFrom: number}} */
    let proc;
    if (current.state === 'starting' && current.pid) {
      if (current.port !== port) {
        throw new ServiceError(
          `${name}: already starting (pid ${current.pid}) on port ${current.port}, but ${name === 'cassandra' ? 'CASSANDRA_PORT' : 'DYNAMODB_PORT'} asks for ${port}; run \`node scripts/services.mjs down ${name}\` first`,
        );
      }
      opts.log(`${name}: already starting (pid ${current.pid}), waiting for it`);
      proc = { pid: current.pid, exited: () => undefined, startedAt: Date.parse(current.pidInfo?.startedAt ?? '') || Date.now(), logFrom: fileSize(p.log), outFrom: 0 };
    } else {
      if (name === 'cassandra' && (await tcpOpen(cfg.storagePort))) {
        throw new ServiceError(`cassandra: storage port ${cfg.storagePort} on ${HOST} is taken by another process; stop it or set CASSANDRA_STORAGE_PORT`);
      }
      const args = name === 'cassandra' ? prepareCassandra(cfg, p, opts.log) : prepareDynamodb(cfg, p);
      fs.mkdirSync(path.dirname(p.output), { recursive: true });
      const logFrom = name === 'cassandra' ? fileSize(p.log) : 0;
      const out = fs.openSync(p.output, 'w');
      fs.writeSync(out, `# ${new Date().toISOString()} ${java.bin} ${args.join(' ')}\n`);
      const startedAt = Date.now();
      /** @type {{code: number|null, signal: string|null}|undefined} */
      let exit;
      const child = spawn(java.bin, args, {
        cwd: p.home,
        detached: true,
        stdio: ['ignore', out, out],
        env: { ...process.env, JAVA_HOME: java.home },
      });
      fs.closeSync(out);
      const spawnError = await new Promise((resolve) => {
        child.once('error', resolve);
        child.once('spawn', () => resolve(undefined));
      });
      if (spawnError) throw new ServiceError(`${name}: could not start ${java.bin}: ${oneLine(spawnError)}`);
      child.once('exit', (code, signal) => {
        exit = { code, signal };
      });
      child.unref();
      const pid = /** @type {number} */ (child.pid);
      /** @type {PidInfo} */
      const info = {
        pid,
        port,
        ...(name === 'cassandra' ? { storagePort: cfg.storagePort } : {}),
        startedAt: new Date(startedAt).toISOString(),
        version: svc.version,
        java: java.bin,
      };
      fs.writeFileSync(p.pidFile, JSON.stringify(info) + '\n');
      opts.log(`${name}: starting ${svc.label} ${svc.version} (pid ${pid}, Java ${java.major}, log ${p.log})`);
      proc = { pid, exited: () => exit, startedAt, logFrom, outFrom: 0 };
    }

    const timeoutMs = name === 'cassandra' ? cfg.cassandraTimeoutMs : cfg.dynamodbTimeoutMs;
    const progress = makeProgress(name, opts);
    try {
      for (;;) {
        const exit = proc.exited();
        if (exit || !processAlive(proc.pid, svc.marker)) {
          fs.rmSync(p.pidFile, { force: true });
          progress.done();
          const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : 'it is gone';
          throw new ServiceError(`${name}: exited during start-up (${how}); ${startupLogTail(name, p)}`, startupLogText(name, p, proc));
        }
        const r = await probe(name, port);
        if (r.ok) {
          progress.done();
          const took = seconds(Date.now() - proc.startedAt);
          return { line: `${name}: ready on ${HOST}:${port} (${r.version}, started in ${took} s)`, port, version: r.version ?? '?' };
        }
        const waited = Date.now() - proc.startedAt;
        if (waited > timeoutMs) {
          progress.done();
          throw new ServiceError(
            `${name}: not answering on ${HOST}:${port} after ${seconds(waited)} s (pid ${proc.pid} still running; last probe: ${r.error}); see ${p.log}`,
            startupLogText(name, p, proc),
          );
        }
        progress.tick(waited);
        await sleep(name === 'cassandra' ? 1000 : 250);
      }
    } finally {
      progress.done();
    }
  });
}

/** @param {ServiceName} name @param {ReturnType<typeof paths>} p */
function startupLogTail(name, p) {
  const what = name === 'cassandra' ? `${p.log} and ${p.output}` : p.log;
  return `last lines of ${what} (stack frames left out):`;
}

/** @param {ServiceName} name @param {ReturnType<typeof paths>} p @param {{logFrom: number}} proc */
function startupLogText(name, p, proc) {
  if (name !== 'cassandra') return tailFile(p.log, 20, 0, true);
  const parts = [];
  const sys = tailFile(p.log, 20, proc.logFrom, true);
  if (sys) parts.push(`--- ${p.log}\n${sys}`);
  const out = tailFile(p.output, 20, 0, true);
  if (out && out.split('\n').length > 1) parts.push(`--- ${p.output}\n${out}`);
  return parts.join('\n') || '(no log output)';
}

/**
 * Progress while waiting: dots (CLI on stderr) or a line every 15 s (API).
 * @param {ServiceName} name @param {{log: (m: string) => void, progress: 'dots'|'lines'}} opts
 */
function makeProgress(name, opts) {
  let lastTick = 0;
  let started = false;
  let open = false;
  return {
    tick(/** @type {number} */ waitedMs) {
      if (opts.progress === 'dots') {
        if (!started) {
          process.stderr.write(`${name}: waiting `);
          started = open = true;
          lastTick = waitedMs;
          return;
        }
        const s = Math.floor(waitedMs / 1000);
        if (Math.floor(lastTick / 10000) !== Math.floor(waitedMs / 10000)) process.stderr.write(` ${s}s `);
        else if (Math.floor(lastTick / 2000) !== Math.floor(waitedMs / 2000)) process.stderr.write('.');
        lastTick = waitedMs;
      } else if (waitedMs - lastTick >= 15000) {
        opts.log(`${name}: still starting (${Math.round(waitedMs / 1000)} s)`);
        lastTick = waitedMs;
      }
    },
    done() {
      if (open) process.stderr.write('\n');
      open = false;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Stop
// ---------------------------------------------------------------------------------------

/** @param {ServiceName} name @param {(m: string) => void} log */
async function down(name, log) {
  const cfg = config();
  const p = paths(cfg, name);
  const info = readPidFile(p.pidFile);
  const marker = SERVICES[name].marker;
  if (!info || !processAlive(info.pid, marker)) {
    fs.rmSync(p.pidFile, { force: true });
    const port = servicePort(cfg, name);
    if (await tcpOpen(port)) return `${name}: not started by this script (port ${port} is in use, no live pid file); left alone`;
    return `${name}: not running`;
  }
  const t0 = Date.now();
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  let killed = false;
  while (processAlive(info.pid, marker)) {
    const waited = Date.now() - t0;
    if (!killed && waited > 30_000) {
      log(`${name}: pid ${info.pid} ignored SIGTERM for 30 s, sending SIGKILL`);
      try {
        process.kill(info.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      killed = true;
    }
    if (waited > 45_000) throw new ServiceError(`${name}: pid ${info.pid} is still alive after SIGKILL`);
    await sleep(200);
  }
  fs.rmSync(p.pidFile, { force: true });
  return `${name}: stopped (pid ${info.pid}${killed ? ', killed' : ''}, ${seconds(Date.now() - t0)} s)`;
}

// ---------------------------------------------------------------------------------------
// Programmatic API
// ---------------------------------------------------------------------------------------

/**
 * Start (or reuse) the requested services and wait until they answer.
 * @param {{cassandra?: boolean, dynamodb?: boolean, log?: (msg: string) => void}} [options]
 */
export async function ensureServices({ cassandra = true, dynamodb = true, log = console.error } = {}) {
  return ensure({ cassandra, dynamodb, log, progress: 'lines' });
}

/**
 * @param {{cassandra: boolean, dynamodb: boolean, log: (m: string) => void, progress: 'dots'|'lines', report?: (line: string) => void}} o
 */
async function ensure(o) {
  const cfg = config();
  const names = /** @type {ServiceName[]} */ ([...(o.cassandra ? ['cassandra'] : []), ...(o.dynamodb ? ['dynamodb'] : [])]);
  const report = o.report ?? o.log;
  // Downloads one after the other (they share ~/.m2), then DynamoDB Local (2 s) before
  // Cassandra (20-60 s) so progress output stays readable.
  /** @type {Map<ServiceName, ServiceState>} */
  const states = new Map();
  for (const n of names) {
    const state = await inspect(n);
    states.set(n, state);
    if (state.state !== 'down') continue;
    resolveJava(n);
    await install(n, o.log);
  }
  for (const n of /** @type {ServiceName[]} */ (['dynamodb', 'cassandra'])) {
    if (!names.includes(n)) continue;
    const r = await up(n, o, states.get(n));
    report(r.line);
  }
  return {
    cassandra: { host: HOST, port: cfg.cassandraPort, contactPoint: `${HOST}:${cfg.cassandraPort}`, localDataCenter: LOCAL_DATA_CENTER },
    dynamodb: {
      endpoint: `http://${HOST}:${cfg.dynamodbPort}`,
      port: cfg.dynamodbPort,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    },
  };
}

/** State of both services (no side effects but removing stale pid files). */
export async function servicesStatus() {
  const [cassandra, dynamodb] = await Promise.all([inspect('cassandra'), inspect('dynamodb')]);
  const strip = (/** @type {any} */ s) => {
    const { pidInfo, ...rest } = s;
    void pidInfo;
    return /** @type {ServiceState} */ (rest);
  };
  return { cassandra: strip(cassandra), dynamodb: strip(dynamodb) };
}

/**
 * Stop the services started by this script.
 * @param {{cassandra?: boolean, dynamodb?: boolean, log?: (msg: string) => void}} [options]
 */
export async function stopServices({ cassandra = true, dynamodb = true, log = console.error } = {}) {
  const lines = [];
  if (dynamodb) lines.push(await down('dynamodb', log));
  if (cassandra) lines.push(await down('cassandra', log));
  for (const l of lines) log(l);
  return lines;
}

// ---------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------

const USAGE = 'usage: node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all] [-f]';

/** @param {ServiceState} s */
function statusLine(s) {
  const where = `${HOST}:${s.port}`;
  switch (s.state) {
    case 'ready':
      return `${s.name}: ready on ${where} (${s.version}${s.pid ? `, pid ${s.pid}` : `, ${s.detail}`})`;
    case 'starting':
      return `${s.name}: starting (pid ${s.pid}, ${where} not answering yet)`;
    case 'foreign':
      return `${s.name}: down, but port ${s.port} is taken by something else (${s.detail})`;
    default:
      return `${s.name}: down (port ${s.port} free)`;
  }
}

/** @param {ServiceName[]} names @param {boolean} follow */
async function logs(names, follow) {
  const cfg = config();
  const files = [];
  for (const n of names) {
    const p = paths(cfg, n);
    files.push(p.log);
    if (p.output !== p.log && fileSize(p.output) > 0) files.push(p.output);
  }
  for (const f of files) {
    if (files.length > 1) console.log(`==> ${f} <==`);
    if (!fs.existsSync(f)) {
      console.log(`(no log yet: ${f})`);
      continue;
    }
    const text = tailFile(f, 100);
    if (text) console.log(text);
  }
  if (!follow) return;
  const offsets = new Map(files.map((f) => [f, fileSize(f)]));
  for (;;) {
    await sleep(500);
    for (const f of files) {
      const size = fileSize(f);
      const from = offsets.get(f) ?? 0;
      if (size < from) offsets.set(f, 0);
      else if (size > from) {
        const fd = fs.openSync(f, 'r');
        const buf = Buffer.alloc(size - from);
        fs.readSync(fd, buf, 0, buf.length, from);
        fs.closeSync(fd);
        process.stdout.write(buf);
        offsets.set(f, size);
      }
    }
  }
}

/** @param {string[]} argv */
async function main(argv) {
  const positional = argv.filter((a) => !a.startsWith('-'));
  const follow = argv.includes('-f') || argv.includes('--follow');
  const [command, target = 'all'] = positional;
  if (!command || argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (!['all', 'cassandra', 'dynamodb'].includes(target)) throw new ServiceError(`unknown service '${target}'; ${USAGE}`);
  const names = /** @type {ServiceName[]} */ (target === 'all' ? ['cassandra', 'dynamodb'] : [target]);
  const log = (/** @type {string} */ m) => console.error(m);
  switch (command) {
    case 'install': {
      for (const n of names) {
        const r = await install(n, log);
        if (!r.downloaded) {
          const done = JSON.parse(readText(paths(config(), n).complete) ?? '{}');
          console.log(`${n}: cache complete in ${r.dir} (${done.files ?? '?'} files, ${((done.bytes ?? 0) / 1e6).toFixed(0)} MB)`);
        } else console.log(`${n}: installed in ${r.dir}`);
      }
      return 0;
    }
    case 'up': {
      await ensure({
        cassandra: names.includes('cassandra'),
        dynamodb: names.includes('dynamodb'),
        log,
        progress: 'dots',
        report: (l) => console.log(l),
      });
      return 0;
    }
    case 'status': {
      const all = await servicesStatus();
      let ok = true;
      for (const n of names) {
        console.log(statusLine(all[n]));
        if (all[n].state !== 'ready') ok = false;
      }
      return ok ? 0 : 1;
    }
    case 'down': {
      // Cassandra first takes longest; stop both at once.
      const lines = await Promise.all(names.map((n) => down(n, log)));
      for (const l of lines) console.log(l);
      return 0;
    }
    case 'logs':
      await logs(names, follow);
      return 0;
    default:
      throw new ServiceError(`unknown command '${command}'; ${USAGE}`);
  }
}

const isEntryPoint = (() => {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();

if (isEntryPoint) {
  // The AWS SDK warns once per process that future releases need Node 22; in the CLI that
  // is noise (the project supports Node 20), so drop that one warning here only.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = /** @type {typeof process.emitWarning} */ (
    (/** @type {any} */ warning, /** @type {any[]} */ ...rest) => {
      if (String(warning?.message ?? warning).startsWith('NodeVersionSupportWarning')) return;
      emitWarning(warning, ...rest);
    }
  );
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (err instanceof ServiceError) {
        console.error(`services: ${err.message}`);
        if (err.details) console.error(err.details.replace(/^/gm, '  '));
      } else {
        console.error(`services: unexpected error: ${oneLine(err)}${process.env.DEBUG ? `\n${err?.stack}` : ' (set DEBUG=1 for a stack trace)'}`);
      }
      process.exitCode = 1;
    },
  );
}
