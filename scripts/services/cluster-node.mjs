// One node of the local cluster: its cassandra.yaml and JVM arguments, its state (pid file
// plus a CQL probe of its own address that also reads its gossip view), starting it detached
// and stopping it.

import fs from 'node:fs';
import path from 'node:path';
import { CASSANDRA_ASSETS, CASSANDRA_MAIN_CLASS, CASSANDRA_VERSION, paths } from './config.mjs';
import { cassandraDataIdentity, cassandraJvmArgs, renderTemplate, withNodeClient } from './cassandra.mjs';
import { CLUSTER_NAME, RING_DELAY_MS } from './cluster-config.mjs';
import { ServiceError } from './errors.mjs';
import { readText } from './files.mjs';
import { toArgFile } from './java.mjs';
import { processAlive, readPidFile, spawnDetached, tcpOpen, terminate, writePidFile } from './process.mjs';
import { seconds } from './time.mjs';

/** @typedef {import('./cluster-config.mjs').ClusterConfig} ClusterConfig */
/** @typedef {import('./cluster-config.mjs').NodePaths} NodePaths */
/** @typedef {import('./java.mjs').Java} Java */

/**
 * A gossip view: every endpoint a node knows, with its gossip status (NORMAL, BOOT, shutdown,
 * LEFT, ... as in system_views.gossip_info, token dropped).
 * @typedef {{address: string, status: string}} Member
 */

/**
 * ready: answers CQL as a node of our cluster; starting: our pid alive, not answering yet;
 * foreign: its address and port answer as something else.
 * @typedef {{index: number, name: string, address: string, port: number, state: 'ready'|'starting'|'down'|'foreign',
 *   pid?: number, startedAt?: string, version?: string, rssBytes?: number, members?: Member[], detail?: string}} NodeState
 */

/** The cassandra.yaml of node p. @param {ClusterConfig} c @param {NodePaths} p */
export function renderNodeYaml(c, p) {
  const template = fs.readFileSync(path.join(CASSANDRA_ASSETS, 'cluster.yaml.template'), 'utf8');
  return renderTemplate(template, {
    CLUSTER_NAME,
    ADDRESS: p.address,
    SEED_ADDRESS: c.first,
    NATIVE_PORT: c.nativePort,
    STORAGE_PORT: c.storagePort,
    DATA_DIR: p.data,
  });
}

/**
 * What the cluster's data on disk depends on: when any of it changes, old data would not start
 * or would gossip with nodes that no longer exist, so every node's data is wiped.
 * @param {ClusterConfig} c @param {NodePaths} node1
 */
export function clusterIdentity(c, node1) {
  return { ...cassandraDataIdentity(renderNodeYaml(c, node1)), first_address: c.first, nodes: String(c.nodes) };
}

/**
 * Write the node's cassandra.yaml and JVM argument file; returns the java arguments.
 * @param {ClusterConfig} c @param {NodePaths} p
 */
function prepareNode(c, p) {
  for (const d of [p.conf, p.logDir, p.data]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(p.yaml, renderNodeYaml(c, p));
  const lib = paths(c.base, 'cassandra').lib;
  const args = cassandraJvmArgs({ lib, yaml: p.yaml, data: p.data, logDir: p.logDir }, c.heap, [`-Dcassandra.ring_delay_ms=${RING_DELAY_MS}`], { durableSchema: true });
  fs.writeFileSync(p.argFile, toArgFile(args));
  return [`@${p.argFile}`, p.marker, CASSANDRA_MAIN_CLASS];
}

/**
 * The node's own answer: version, cluster name and gossip view, from a client that talks to
 * this node only.
 * @param {string} address @param {number} port @param {number} [timeoutMs]
 */
export async function probeNode(address, port, timeoutMs = 6000) {
  return withNodeClient(address, port, timeoutMs, async (client) => {
    const local = (await client.execute('SELECT release_version, cluster_name FROM system.local')).first();
    // Between 4.0+ nodes only STATUS_WITH_PORT travels; the legacy STATUS is set for the
    // local node alone.
    const gossip = await client.execute('SELECT address, status, status_with_port FROM system_views.gossip_info');
    /** @type {Member[]} */
    const members = gossip.rows.map((/** @type {any} */ r) => ({
      address: String(r.address),
      status: String(r.status_with_port ?? r.status ?? '').split(',')[0] || 'unknown',
    }));
    return { version: String(local?.release_version ?? '?'), clusterName: String(local?.cluster_name ?? '?'), members };
  });
}

/** Resident memory of a process, from /proc. @param {number} pid */
export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readText(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * State of node i from its pid file and a probe; a pid file whose process is gone is removed.
 * @param {ClusterConfig} c @param {NodePaths} p @returns {Promise<NodeState>}
 */
export async function inspectNode(c, p) {
  const info = readPidFile(p.pidFile);
  const alive = info ? processAlive(info.pid, p.marker) : false;
  if (info && !alive) fs.rmSync(p.pidFile, { force: true });
  const base = { index: p.index, name: p.name, address: p.address, port: c.nativePort };
  const own = alive && info ? { pid: info.pid, startedAt: info.startedAt, rssBytes: rssBytes(info.pid) } : {};
  const r = await probeNode(p.address, c.nativePort);
  if (r.ok && r.value.clusterName !== CLUSTER_NAME) {
    return { ...base, state: 'foreign', detail: `a Cassandra of cluster '${r.value.clusterName}' answers there` };
  }
  if (r.ok) {
    return {
      ...base,
      ...own,
      state: 'ready',
      version: r.value.version,
      members: r.value.members,
      ...(alive ? {} : { detail: 'not started by this script (no live pid file)' }),
    };
  }
  if (alive) return { ...base, ...own, state: 'starting', detail: r.error };
  if (await tcpOpen(c.nativePort, 1000, p.address)) return { ...base, state: 'foreign', detail: r.error };
  return { ...base, state: 'down' };
}

/**
 * Spawn node p detached and record its pid file.
 * @param {ClusterConfig} c @param {NodePaths} p @param {Java} java @param {(m: string) => void} log
 */
export async function launchNode(c, p, java, log) {
  if (await tcpOpen(c.storagePort, 1000, p.address)) {
    throw new ServiceError(
      `${p.name}: storage port ${p.address}:${c.storagePort} is taken by another process; stop it or set CASSANDRA_CLUSTER_STORAGE_PORT / CASSANDRA_CLUSTER_ADDRESS`,
    );
  }
  const args = prepareNode(c, p);
  const { pid, startedAt, exited } = await spawnDetached({
    what: p.name,
    bin: java.bin,
    args,
    cwd: p.home,
    env: { ...process.env, JAVA_HOME: java.home },
    output: p.output,
  });
  writePidFile(p.pidFile, {
    pid,
    port: c.nativePort,
    storagePort: c.storagePort,
    startedAt: new Date(startedAt).toISOString(),
    version: CASSANDRA_VERSION,
    java: java.bin,
  });
  log(`${p.name}: starting on ${p.address}:${c.nativePort} (pid ${pid}, heap ${c.heap}, log ${p.log})`);
  return { pid, startedAt, exited };
}

/**
 * Stop node p if this script started it: SIGTERM (Cassandra drains and tells the others it is
 * shutting down), or SIGKILL at once with kill (a crash: the others find out through their
 * failure detector).
 * @param {NodePaths} p @param {{kill?: boolean, log: (m: string) => void}} o @returns {Promise<string>}
 */
export async function stopNode(p, o) {
  const info = readPidFile(p.pidFile);
  if (!info || !processAlive(info.pid, p.marker)) {
    fs.rmSync(p.pidFile, { force: true });
    return `${p.name}: not running`;
  }
  const t0 = Date.now();
  if (o.kill) {
    try {
      process.kill(info.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const { killed } = await terminate(info.pid, p.marker, p.name, o.log);
  fs.rmSync(p.pidFile, { force: true });
  const how = o.kill ? 'killed with SIGKILL' : killed ? 'killed after ignoring SIGTERM' : 'stopped';
  return `${p.name}: ${how} (pid ${info.pid}, ${p.address}, ${seconds(Date.now() - t0)} s)`;
}
