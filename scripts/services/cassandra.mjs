// Cassandra 5.0: cassandra.yaml from the template, the data-folder identity check, the JVM
// argument file, and the CQL readiness probe. Assets live in scripts/cassandra/.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASSANDRA_ASSETS, CASSANDRA_MAIN_CLASS, HOST, LOCAL_DATA_CENTER } from './config.mjs';
import { oneLine } from './errors.mjs';
import { readText } from './files.mjs';
import { parseJvmOptions, toArgFile } from './java.mjs';
import { classpath } from './maven.mjs';
import { seconds } from './time.mjs';

/** @typedef {import('./config.mjs').Config} Config */
/** @typedef {import('./config.mjs').Paths} Paths */

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
 * Data written under another cluster name / token count would not start: wipe it, then
 * record the identity the data is about to be written with.
 * @param {Paths} p @param {string} yaml @param {(m: string) => void} log
 */
function wipeForeignData(p, yaml, log) {
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
}

/**
 * Write cassandra.yaml and the JVM argument file; returns the java command-line arguments.
 * @param {Config} cfg @param {Paths} p @param {(m: string) => void} log
 */
export function prepareCassandra(cfg, p, log) {
  for (const d of [p.conf, p.logDir, p.data]) fs.mkdirSync(d, { recursive: true });
  const template = fs.readFileSync(path.join(CASSANDRA_ASSETS, 'cassandra.yaml.template'), 'utf8');
  const yaml = renderTemplate(template, {
    NATIVE_PORT: cfg.cassandraPort,
    STORAGE_PORT: cfg.storagePort,
    DATA_DIR: p.data,
  });
  fs.writeFileSync(p.yaml, yaml);
  wipeForeignData(p, yaml, log);
  const args = cassandraJvmArgs(p, cfg.cassandraHeap, cfg.jmxPort ? [`-Dcassandra.jmx.local.port=${cfg.jmxPort}`] : []);
  fs.writeFileSync(p.argFile, toArgFile(args));
  return [`@${p.argFile}`, '-Dcass2ddb.service=cassandra', CASSANDRA_MAIN_CLASS];
}

/**
 * The JVM arguments of a Cassandra process (single node or cluster node): Cassandra's own
 * Java 17 options, the heap, the yaml, storage and log folders, then `extra`, then the classpath.
 * @param {{lib: string, yaml: string, data: string, logDir: string}} p @param {string} heap
 * @param {string[]} extra
 * @param {{ durableSchema?: boolean }} [options] durableSchema: leave out
 *   -Dcassandra.unsafesystem=true, which skips flushing system tables (the schema) on every
 *   change. Without the flush a node killed with SIGKILL restarts without a table created since
 *   its last flush, and its commit log replay drops that table's rows ("Skipped N mutations from
 *   unknown CF"): the cluster, whose tests kill nodes, must keep it.
 */
export function cassandraJvmArgs(p, heap, extra, options = {}) {
  const jvmOptions = parseJvmOptions(fs.readFileSync(path.join(CASSANDRA_ASSETS, 'jvm17-server.options'), 'utf8'));
  const jamm = fs.readdirSync(p.lib).find((f) => /^jamm-[\d.]+\.jar$/.test(f));
  return [
    ...jvmOptions,
    `-Xms${heap}`,
    `-Xmx${heap}`,
    ...(jamm ? [`-javaagent:${path.join(p.lib, jamm)}`] : []),
    `-Dcassandra.config=${pathToFileURL(p.yaml).href}`,
    `-Dcassandra.storagedir=${p.data}`,
    `-Dcassandra.logdir=${p.logDir}`,
    `-Dlogback.configurationFile=${path.join(CASSANDRA_ASSETS, 'logback.xml')}`,
    '-Dcassandra-foreground=yes',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    ...(options.durableSchema === true ? [] : ['-Dcassandra.unsafesystem=true']),
    '-Djava.net.preferIPv4Stack=true',
    ...extra,
    `-XX:ErrorFile=${path.join(p.logDir, 'hs_err_pid%p.log')}`,
    '-cp',
    classpath(p),
  ];
}

/** @type {Promise<any>|undefined} */
let cassandraDriver;

/** cassandra-driver, imported once and only when a probe runs. */
export function loadDriver() {
  cassandraDriver ??= import('cassandra-driver').then((m) => m.default ?? m);
  return cassandraDriver;
}

/**
 * Run fn with a client that talks to host:port only (never to the peers it discovers),
 * bounded in time: the driver retries protocol versions on a port that answers something else.
 * `extra`: more client options (credentials, sslOptions: the secure node).
 * @template T @param {string} host @param {number} port @param {number} timeoutMs
 * @param {(client: any) => Promise<T>} fn @param {Record<string, unknown>} [extra]
 * @returns {Promise<{ok: true, value: T}|{ok: false, error: string}>}
 */
export async function withNodeClient(host, port, timeoutMs, fn, extra = {}) {
  const driver = await loadDriver();
  const { loadBalancing } = driver.policies;
  const client = new driver.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: LOCAL_DATA_CENTER,
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    // heartBeatInterval 0: otherwise a failed connection leaves a heartbeat timer behind that
    // keeps the process alive for a minute.
    pooling: { coreConnectionsPerHost: { [driver.types.distance.local]: 1 }, heartBeatInterval: 0 },
    policies: {
      loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy(LOCAL_DATA_CENTER), [`${host}:${port}`]),
    },
    isMetadataSyncEnabled: false,
    ...extra,
  });
  /** @type {NodeJS.Timeout|undefined} */
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `no answer to a CQL query within ${seconds(timeoutMs)} s` }), timeoutMs);
  });
  const work = fn(client).then(
    (value) => ({ ok: true, value }),
    (/** @type {unknown} */ e) => ({ ok: false, error: oneLine(e) }),
  );
  try {
    return /** @type {any} */ (await Promise.race([work, timeout]));
  } finally {
    clearTimeout(timer);
    // At most 2 s for the driver to close; the bound's timer is cleared so that it does not
    // keep a finished CLI alive for those 2 s.
    /** @type {NodeJS.Timeout|undefined} */
    let bound;
    await Promise.race([client.shutdown().catch(() => {}), new Promise((resolve) => (bound = setTimeout(resolve, 2000)))]);
    clearTimeout(bound);
  }
}

/**
 * SELECT release_version FROM system.local through cassandra-driver, bounded in time.
 * @param {number} port @param {number} [timeoutMs] @param {string} [host]
 * @returns {Promise<{ok: true, version: string}|{ok: false, error: string}>}
 */
export async function probeCassandra(port, timeoutMs = 6000, host = HOST) {
  const r = await withNodeClient(host, port, timeoutMs, async (client) => {
    const rs = await client.execute('SELECT release_version FROM system.local');
    return String(rs.first()?.release_version ?? '?');
  });
  return r.ok ? { ok: true, version: r.value } : r;
}
