// The state of the local cluster's ring, without JMX: each node's own CQL answer plus its
// gossip view (system_views.gossip_info).
//
// Ready = every node answers CQL on its own address as a node of our cluster ("U"), and every
// node's gossip view shows each of the N nodes NORMAL ("N"): UN everywhere, as nodetool would
// say.

import fs from 'node:fs';
import { nodeNumbers, nodePaths } from './cluster-config.mjs';
import { inspectNode } from './cluster-node.mjs';
import { ServiceError } from './errors.mjs';
import { readText } from './files.mjs';
import { seconds, sleep } from './time.mjs';

/** @typedef {import('./cluster-config.mjs').ClusterConfig} ClusterConfig */
/** @typedef {import('./cluster-node.mjs').NodeState} NodeState */

/** After every node answers CQL, how long gossip may take to show all of them NORMAL everywhere. */
export const RING_SETTLE_TIMEOUT_MS = 90_000;

/** Nodes 1..N. @param {ClusterConfig} c */
export const allNodes = (c) => nodeNumbers(c).map((i) => nodePaths(c, i));

/** Node folders on disk (node1, node2, ...), whatever the node count asked for. @param {ClusterConfig} c */
export function nodesOnDisk(c) {
  if (!fs.existsSync(c.home)) return [];
  return fs
    .readdirSync(c.home)
    .map((d) => /^node(\d)$/.exec(d))
    .filter((m) => m !== null)
    .map((m) => nodePaths(c, Number(m[1])));
}

/** The node count the cluster on disk was made with, if any. @param {ClusterConfig} c */
export function recordedNodeCount(c) {
  let n = NaN;
  try {
    n = Number(JSON.parse(readText(c.identity) ?? '{}').nodes);
  } catch {
    /* unreadable: no cluster */
  }
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The state of the given nodes (1..N by default), probed one after the other. @param {ClusterConfig} c @param {number[]} [among] */
export async function inspectCluster(c, among = nodeNumbers(c)) {
  /** @type {NodeState[]} */
  const states = [];
  for (const i of among) states.push(await inspectNode(c, nodePaths(c, i)));
  return states;
}

/**
 * What is wrong with the ring, one phrase per problem; empty when each of `states` answers and
 * sees every one of them NORMAL. `states` may be some nodes only, while the others are still
 * to start: what they see of those others does not matter yet, but an address outside 1..N does.
 * @param {ClusterConfig} c @param {NodeState[]} states
 */
export function ringProblems(c, states) {
  const expected = allNodes(c).map((p) => p.address);
  /** @type {string[]} */
  const problems = [];
  for (const s of states) {
    if (s.state !== 'ready') {
      problems.push(`${s.name} ${s.state}`);
      continue;
    }
    const seen = new Map((s.members ?? []).map((m) => [m.address, m.status]));
    for (const t of states) {
      const status = seen.get(t.address);
      if (status !== 'NORMAL') problems.push(`${s.name} sees ${t.name} as ${status ?? 'absent'}`);
    }
    for (const [address, status] of seen) {
      if (!expected.includes(address) && status !== 'LEFT') problems.push(`${s.name} sees ${address} (${status}), not a node of ${c.nodes}`);
    }
  }
  return problems;
}

/**
 * nodetool-style letters for a node: U/D (answers CQL itself), then its gossip status as seen
 * by itself or else by the others (N normal, J joining, L leaving/left, M moving, S shut down,
 * ? unknown).
 * @param {NodeState} s @param {NodeState[]} states
 */
export function nodeLetters(s, states) {
  const views = [s, ...states.filter((o) => o !== s)].filter((o) => o.state === 'ready');
  const status = views.map((o) => o.members?.find((m) => m.address === s.address)?.status).find((x) => x !== undefined);
  /** @type {Record<string, string>} */
  const letter = { NORMAL: 'N', BOOT: 'J', BOOT_REPLACE: 'J', LEAVING: 'L', LEFT: 'L', MOVING: 'M', shutdown: 'S' };
  return { letters: `${s.state === 'ready' ? 'U' : 'D'}${letter[status ?? ''] ?? '?'}`, status };
}

/**
 * Wait until the given nodes (all by default) are UN in each other's views.
 * @param {ClusterConfig} c @param {(m: string) => void} log @param {number[]} [among]
 */
export async function waitForRing(c, log, among = nodeNumbers(c)) {
  const t0 = Date.now();
  let said = 0;
  for (;;) {
    const states = await inspectCluster(c, among);
    const problems = ringProblems(c, states);
    if (problems.length === 0) return states;
    const waited = Date.now() - t0;
    if (waited > RING_SETTLE_TIMEOUT_MS) {
      throw new ServiceError(`cluster: the ring did not settle within ${seconds(waited)} s: ${problems.join('; ')}`);
    }
    if (waited - said >= 10_000) {
      log(`cluster: waiting for gossip (${problems.join('; ')})`);
      said = waited;
    }
    await sleep(1000);
  }
}
