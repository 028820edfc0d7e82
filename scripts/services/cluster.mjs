// The local multi-node cluster as the CLI and tests see it: where clients connect, status,
// down, stopping one node, log files. Starting lives in cluster-start.mjs, the ring check in
// cluster-ring.mjs, one node in cluster-node.mjs.

import { CASSANDRA_VERSION, LOCAL_DATA_CENTER } from './config.mjs';
import { CLUSTER_NAME, clusterConfig, nodePaths } from './cluster-config.mjs';
import { stopNode } from './cluster-node.mjs';
import { allNodes, inspectCluster, nodeLetters, nodesOnDisk, ringProblems } from './cluster-ring.mjs';
import { clusterWithNode } from './cluster-start.mjs';
import { fileSize } from './files.mjs';

/** @typedef {import('./cluster-config.mjs').ClusterConfig} ClusterConfig */
/** @typedef {import('./cluster-node.mjs').NodeState} NodeState */

/** Where clients connect to a cluster of `nodes` nodes. @param {number} nodes */
export function clusterAddresses(nodes) {
  const c = clusterConfig(nodes);
  const ps = allNodes(c);
  return {
    clusterName: CLUSTER_NAME,
    port: c.nativePort,
    contactPoints: ps.map((p) => `${p.address}:${c.nativePort}`),
    localDataCenter: LOCAL_DATA_CENTER,
    nodes: ps.map((p) => ({ index: p.index, name: p.name, address: p.address, log: p.log })),
  };
}

/**
 * `stop-node i [--kill]`: stop one node; the others keep running.
 * @param {number} i @param {{kill?: boolean, log: (m: string) => void}} o
 */
export async function stopClusterNode(i, o) {
  return stopNode(nodePaths(clusterWithNode(i), i), o);
}

/**
 * Stop every node this script started, whatever the node count, all at once (SIGTERM: each
 * drains and announces its shutdown). ~7 s for three nodes; see request_timeout in
 * cluster.yaml.template for why not ~20 s.
 * @param {{log: (m: string) => void}} o
 */
export async function clusterDown(o) {
  const c = clusterConfig(1);
  const ps = nodesOnDisk(c).sort((a, b) => a.index - b.index);
  if (ps.length === 0) return [`cluster: not running (nothing in ${c.home})`];
  return Promise.all(ps.map((p) => stopNode(p, o)));
}

/** Status lines and readiness of nodes 1..N. @param {number} nodes */
export async function clusterStatus(nodes) {
  const c = clusterConfig(nodes);
  const states = await inspectCluster(c);
  const problems = ringProblems(c, states);
  const head =
    problems.length === 0
      ? `cluster: ready, ${nodes} nodes UN (${CLUSTER_NAME}, Cassandra ${CASSANDRA_VERSION})`
      : `cluster: not ready: ${problems.join('; ')}`;
  return { ready: problems.length === 0, lines: [head, ...states.map((s) => nodeStatusLine(s, states))], nodes: states };
}

/** @param {NodeState} s @param {NodeState[]} states */
function nodeStatusLine(s, states) {
  const where = `${s.address}:${s.port}`;
  const { letters, status } = nodeLetters(s, states);
  const mem = s.rssBytes ? `, RSS ${Math.round(s.rssBytes / 2 ** 20)} MiB` : '';
  switch (s.state) {
    case 'ready':
      return `${s.name}: ${letters} ${where} (${s.version}${s.pid ? `, pid ${s.pid}` : `, ${s.detail}`}${mem})`;
    case 'starting':
      return `${s.name}: ${letters} ${where} starting (pid ${s.pid}, not answering yet${mem})`;
    case 'foreign':
      return `${s.name}: ${letters} ${where} taken by something else (${s.detail})`;
    default:
      return `${s.name}: ${letters} ${where} down${status ? ` (the others see it as ${status})` : ''}`;
  }
}

/** The log files of nodes 1..N: system.log and the JVM's own output.log. @param {number} nodes */
export function clusterLogFiles(nodes) {
  return allNodes(clusterConfig(nodes)).flatMap((p) => [p.log, ...(fileSize(p.output) > 0 ? [p.output] : [])]);
}
