// Starting the local cluster: `up --nodes N` and `start-node i`, under one cross-process lock.
//
// Nodes that must bootstrap (no data yet) start one after another, each once the nodes before
// it see each other NORMAL: a node that bootstraps while another is still joining refuses to
// start (consistent range movement). Nodes that have joined before start together: restarting
// the whole cluster one node at a time would make each wait for peers that are not up yet.

import fs from 'node:fs';
import path from 'node:path';
import { CLUSTER_NAME, clusterConfig, nodeNumbers, nodePaths } from './cluster-config.mjs';
import { clusterIdentity, inspectNode, launchNode, probeNode } from './cluster-node.mjs';
import { RING_SETTLE_TIMEOUT_MS, allNodes, inspectCluster, nodesOnDisk, recordedNodeCount, ringProblems, waitForRing } from './cluster-ring.mjs';
import { ServiceError } from './errors.mjs';
import { fileSize, readText, tailFile } from './files.mjs';
import { resolveJava } from './java.mjs';
import { install } from './maven.mjs';
import { processAlive, readPidFile, withLock } from './process.mjs';
import { makeProgress } from './progress.mjs';
import { seconds, sleep } from './time.mjs';

/** @typedef {import('./cluster-config.mjs').ClusterConfig} ClusterConfig */
/** @typedef {import('./cluster-config.mjs').NodePaths} NodePaths */
/** @typedef {import('./cluster-node.mjs').NodeState} NodeState */
/** @typedef {import('./java.mjs').Java} Java */
/** @typedef {{log: (m: string) => void, progress: import('./progress.mjs').ProgressStyle, report?: (line: string) => void}} UpOptions */
/**
 * A node process being waited for; logFrom: the size of its system.log when this start began.
 * @typedef {{p: NodePaths, pid: number, startedAt: number, logFrom: number, exited: () => import('./process.mjs').Exit|undefined}} Starting
 */

/**
 * Data made with another node count, address or cluster settings is wiped (every node's, never
 * while one of them runs); then the identity is recorded.
 * @param {ClusterConfig} c @param {(m: string) => void} log
 */
function checkIdentity(c, log) {
  const identity = clusterIdentity(c, nodePaths(c, 1));
  const text = JSON.stringify(identity);
  const previous = readText(c.identity)?.trim();
  if (previous === text) return;
  const onDisk = nodesOnDisk(c);
  const withData = onDisk.filter((p) => fs.existsSync(p.data) && fs.readdirSync(p.data).length > 0);
  if (withData.length > 0 && previous !== undefined) {
    /** @type {Record<string, string>} */
    let old = {};
    try {
      old = JSON.parse(previous);
    } catch {
      /* unreadable: every key counts as changed */
    }
    const changed = Object.entries(identity)
      .filter(([k, v]) => old[k] !== v)
      .map(([k, v]) => `${k} ${old[k] ?? '?'} -> ${v}`)
      .join(', ');
    const running = onDisk.filter((p) => processAlive(readPidFile(p.pidFile)?.pid ?? 0, p.marker));
    if (running.length > 0) {
      throw new ServiceError(
        `cluster: running with another configuration (${changed}); run \`node scripts/services.mjs down --nodes ${old.nodes ?? c.nodes}\` first`,
      );
    }
    log(`cluster: the data on disk was made with another configuration (${changed}); wiping ${withData.map((p) => p.data).join(', ')}`);
    for (const p of withData) fs.rmSync(p.data, { recursive: true, force: true });
  }
  fs.mkdirSync(c.home, { recursive: true });
  fs.writeFileSync(c.identity, text + '\n');
}

/** Has this node joined the ring before (so it restarts without bootstrapping)? @param {NodePaths} p */
const hasJoined = (p) => fs.existsSync(path.join(p.data, 'data', 'system'));

/**
 * Launch node p, or adopt the start another `up` began; undefined when it already answers.
 * @param {ClusterConfig} c @param {NodeState} state @param {Java} java @param {(m: string) => void} log
 * @returns {Promise<Starting|undefined>}
 */
async function startNode(c, state, java, log) {
  const p = nodePaths(c, state.index);
  if (state.state === 'ready') return undefined;
  if (state.state === 'foreign') {
    throw new ServiceError(
      `${p.name}: ${p.address}:${c.nativePort} is taken by something that is not a node of ${CLUSTER_NAME} (${state.detail}); stop it or set CASSANDRA_CLUSTER_ADDRESS`,
    );
  }
  const logFrom = fileSize(p.log);
  if (state.state === 'starting' && state.pid) {
    log(`${p.name}: already starting (pid ${state.pid}), waiting for it`);
    return { p, pid: state.pid, startedAt: Date.parse(state.startedAt ?? '') || Date.now(), logFrom, exited: () => undefined };
  }
  return { p, logFrom, ...(await launchNode(c, p, java, log)) };
}

/**
 * Probe until the node answers; a process that dies or a timeout is a ServiceError with the
 * log excerpt.
 * @param {ClusterConfig} c @param {Starting} s @param {UpOptions} opts @returns {Promise<string>} outcome line
 */
async function waitNodeUp(c, s, opts) {
  const { p } = s;
  const progress = makeProgress(/** @type {any} */ (p.name), opts);
  try {
    for (;;) {
      const exit = s.exited();
      if (exit || !processAlive(s.pid, p.marker)) {
        fs.rmSync(p.pidFile, { force: true });
        progress.done();
        const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : 'it is gone';
        throw new ServiceError(`${p.name}: exited during start-up (${how}); last lines of ${p.log} and ${p.output}:`, nodeLogExcerpt(p, s.logFrom));
      }
      const r = await probeNode(p.address, c.nativePort);
      if (r.ok) {
        progress.done();
        return `${p.name}: ready on ${p.address}:${c.nativePort} (${r.value.version}, pid ${s.pid}, started in ${seconds(Date.now() - s.startedAt)} s)`;
      }
      const waited = Date.now() - s.startedAt;
      if (waited > c.timeoutMs) {
        progress.done();
        throw new ServiceError(
          `${p.name}: not answering on ${p.address}:${c.nativePort} after ${seconds(waited)} s (pid ${s.pid} still running; last probe: ${r.error}); see ${p.log}`,
          nodeLogExcerpt(p, s.logFrom),
        );
      }
      progress.tick(waited);
      await sleep(1000);
    }
  } finally {
    progress.done();
  }
}

/** system.log from where this start began, plus the JVM's own output when it has more than its header. @param {NodePaths} p @param {number} from */
function nodeLogExcerpt(p, from) {
  const parts = [];
  const sys = tailFile(p.log, 20, from, true);
  if (sys) parts.push(`--- ${p.log}\n${sys}`);
  const out = tailFile(p.output, 20, 0, true);
  if (out.split('\n').length > 1) parts.push(`--- ${p.output}\n${out}`);
  return parts.join('\n') || '(no log output)';
}

/**
 * Bring the given nodes up (those that answer are reused), then wait until they and `others`
 * see each other NORMAL. Runs under the cluster lock.
 * @param {ClusterConfig} c @param {number[]} which @param {number[]} others @param {Java} java @param {UpOptions} opts
 */
async function bringUp(c, which, others, java, opts) {
  const report = opts.report ?? opts.log;
  checkIdentity(c, opts.log);
  const states = await inspectCluster(c, which);
  const up = states.filter((s) => s.state === 'ready').map((s) => s.index);
  for (const s of states) if (s.state === 'ready') report(`${s.name}: already running on ${s.address}:${s.port} (pid ${s.pid ?? '?'})`);
  const toStart = states.filter((s) => s.state !== 'ready');
  const rejoining = toStart.filter((s) => hasJoined(nodePaths(c, s.index)));
  const fresh = toStart.filter((s) => !hasJoined(nodePaths(c, s.index)));

  /** @type {Starting[]} */
  const started = [];
  for (const s of rejoining) {
    const st = await startNode(c, s, java, opts.log);
    if (st) started.push(st);
  }
  for (const st of started) {
    report(await waitNodeUp(c, st, opts));
    up.push(st.p.index);
  }
  for (const s of fresh) {
    await waitForRing(c, opts.log, up);
    const st = await startNode(c, s, java, opts.log);
    if (st) report(await waitNodeUp(c, st, opts));
    up.push(s.index);
  }
  return waitForRing(c, opts.log, [...new Set([...others, ...which])].sort((a, b) => a - b));
}

/**
 * `up --nodes N`: reuse a ring that is UN everywhere, else install if needed and bring up
 * whatever is not answering.
 * @param {number} nodes @param {UpOptions} opts
 */
export async function clusterUp(nodes, opts) {
  if (nodes < 2) throw new ServiceError(`cluster: ${nodes} node is the single node; a cluster has 2 or more`);
  const c = clusterConfig(nodes);
  const report = opts.report ?? opts.log;
  const t0 = Date.now();
  if (ringProblems(c, await inspectCluster(c)).length === 0) {
    report(`cluster: already running, ${nodes} nodes UN (${describe(c)}, checked in ${seconds(Date.now() - t0)} s)`);
    return c;
  }
  const java = resolveJava('cassandra');
  await install('cassandra', opts.log);
  await withLock(c.lockFile, nodes * c.timeoutMs + RING_SETTLE_TIMEOUT_MS, 'cluster start', () =>
    bringUp(c, nodeNumbers(c), [], java, opts),
  );
  report(`cluster: ready, ${nodes} nodes UN (${describe(c)}, ${seconds(Date.now() - t0)} s)`);
  return c;
}

/**
 * `start-node i`: start node i of the cluster on disk, and wait until it and the nodes that
 * are running see each other NORMAL (another node may be down on purpose).
 * @param {number} i @param {UpOptions} opts
 */
export async function startClusterNode(i, opts) {
  const c = clusterWithNode(i);
  const report = opts.report ?? opts.log;
  const java = resolveJava('cassandra');
  const t0 = Date.now();
  await withLock(c.lockFile, c.timeoutMs + RING_SETTLE_TIMEOUT_MS, `node${i} start`, async () => {
    const running = (await inspectCluster(c)).filter((s) => s.state === 'ready').map((s) => s.index);
    const states = await bringUp(c, [i], running, java, opts);
    const down = nodeNumbers(c).filter((n) => !states.some((s) => s.index === n));
    const rest = down.length === 0 ? `all ${c.nodes} nodes UN` : `${states.length} of ${c.nodes} nodes UN, ${down.map((n) => `node${n}`).join(', ')} down`;
    report(`cluster: node${i} up, ${rest} (${seconds(Date.now() - t0)} s)`);
  });
}

/** The cluster on disk, checking that it has a node i. @param {number} i */
export function clusterWithNode(i) {
  const c = clusterConfig(1);
  const n = recordedNodeCount(c);
  if (n === undefined) throw new ServiceError(`cluster: none in ${c.home}; start one with \`node scripts/services.mjs up --nodes 3\``);
  if (!Number.isInteger(i) || i < 1 || i > n) throw new ServiceError(`cluster: no node ${i}; the cluster in ${c.home} has nodes 1-${n}`);
  return clusterConfig(n);
}

/** @param {ClusterConfig} c */
function describe(c) {
  const ps = allNodes(c);
  return `${ps[0]?.address}-${ps.at(-1)?.address.split('.')[3]}:${c.nativePort}, cluster ${CLUSTER_NAME}`;
}
