// The local multi-node Cassandra cluster (`--nodes N`): its name, addresses, ports, heap and
// every path, from the environment.
//
// Node i (1..N) listens on the i-th address from CASSANDRA_CLUSTER_ADDRESS (127.0.0.2 by
// default: node1 127.0.0.2, node2 127.0.0.3, node3 127.0.0.4), every node on the same native
// and storage ports. The single node binds 127.0.0.1:9042 and 127.0.0.1:7000 only, so the
// cluster can keep Cassandra's usual ports on the next addresses and both run at once; a
// client reaches every node with one port, as on a real cluster. Linux routes all of
// 127.0.0.0/8 to lo, so these addresses need no set-up.
//
// Environment (read on every call, validated):
//   CASSANDRA_CLUSTER_ADDRESS (127.0.0.2)  node1's address; node i gets the (i-1)th next one
//   CASSANDRA_CLUSTER_PORT (9042), CASSANDRA_CLUSTER_STORAGE_PORT (7000)
//   CASSANDRA_CLUSTER_HEAP (512m)          -Xms/-Xmx of each node
//   CASSANDRA_START_TIMEOUT (seconds, 180) per node, as for the single node

import net from 'node:net';
import path from 'node:path';
import { cassandraHome, config, parsePort } from './config.mjs';
import { ServiceError } from './errors.mjs';

export const CLUSTER_NAME = 'cass2ddb-cluster';
export const MAX_NODES = 9;
/** Shortened for a test cluster on loopback (Cassandra's default is 30 s per joining node). */
export const RING_DELAY_MS = 5000;

/**
 * A node count from `--nodes`: 1 is the single node, 2..MAX_NODES the cluster.
 * @param {string|undefined} text @returns {number}
 */
export function parseNodeCount(text) {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n < 1 || n > MAX_NODES) {
    throw new ServiceError(`--nodes ${text ?? ''} is not a node count (1 for the single node, 2-${MAX_NODES} for the cluster)`);
  }
  return n;
}

/**
 * The address of node i (1-based) when node1 has `first`.
 * @param {string} first @param {number} i
 */
export function nodeAddress(first, i) {
  const parts = first.split('.').map(Number);
  const last = (parts[3] ?? 0) + i - 1;
  return `${parts[0]}.${parts[1]}.${parts[2]}.${last}`;
}

/** @param {string|undefined} value @returns {string} */
function parseFirstAddress(value) {
  const a = value === undefined || value === '' ? '127.0.0.2' : value;
  if (!net.isIPv4(a) || !a.startsWith('127.')) {
    throw new ServiceError(`CASSANDRA_CLUSTER_ADDRESS=${a} is not a loopback IPv4 address (127.x.y.z)`);
  }
  const last = Number(a.split('.')[3]);
  if (last < 1 || last + MAX_NODES - 1 > 254) {
    throw new ServiceError(`CASSANDRA_CLUSTER_ADDRESS=${a}: its last number must be between 1 and ${255 - MAX_NODES}, so ${MAX_NODES} nodes fit after it`);
  }
  return a;
}

/** -Xms/-Xmx of each node: 512m unless CASSANDRA_CLUSTER_HEAP says otherwise. @param {string|undefined} value */
function parseHeap(value) {
  if (value === undefined || value === '') return '512m';
  if (!/^\d+[kmg]$/i.test(value)) throw new ServiceError(`CASSANDRA_CLUSTER_HEAP=${value} is not a Java heap size (e.g. 512m, 1g)`);
  return value;
}

/** Cluster settings and paths for `nodes` nodes. @param {number} nodes */
export function clusterConfig(nodes) {
  const base = config();
  const env = process.env;
  const first = parseFirstAddress(env.CASSANDRA_CLUSTER_ADDRESS);
  const home = path.join(base.servicesDir, 'cluster');
  return {
    base,
    nodes,
    first,
    nativePort: parsePort(env.CASSANDRA_CLUSTER_PORT, 9042, 'CASSANDRA_CLUSTER_PORT'),
    storagePort: parsePort(env.CASSANDRA_CLUSTER_STORAGE_PORT, 7000, 'CASSANDRA_CLUSTER_STORAGE_PORT'),
    heap: parseHeap(env.CASSANDRA_CLUSTER_HEAP),
    timeoutMs: base.cassandraTimeoutMs,
    home,
    lockFile: path.join(home, 'cluster.lock'),
    /** What the data on disk was made with (node count, addresses, ...). */
    identity: path.join(home, 'cluster-identity.json'),
  };
}

/** @typedef {ReturnType<typeof clusterConfig>} ClusterConfig */

/**
 * Everything about node i: address, the marker its java command line carries (to tell our pid
 * from a reused one, and node1 from node2), and its files.
 * @param {ClusterConfig} c @param {number} i
 */
export function nodePaths(c, i) {
  const home = path.join(c.home, `node${i}`);
  return {
    index: i,
    name: `node${i}`,
    address: nodeAddress(c.first, i),
    marker: `-Dcass2ddb.service=cassandra-cluster-node${i}`,
    home,
    ...cassandraHome(home),
    pidFile: path.join(home, 'cassandra.pid'),
  };
}

/** @typedef {ReturnType<typeof nodePaths>} NodePaths */

/** Node numbers 1..c.nodes. @param {ClusterConfig} c */
export function nodeNumbers(c) {
  return Array.from({ length: c.nodes }, (_, k) => k + 1);
}
