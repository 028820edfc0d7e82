// The programmatic API (test global setup, benches): ensure, inspect and stop both services,
// and the same for the local multi-node cluster plus stopping and starting one of its nodes,
// and for the secured node (TLS + password).

import { HOST, LOCAL_DATA_CENTER, config } from './config.mjs';
import { parseNodeCount } from './cluster-config.mjs';
import { clusterUp, startClusterNode } from './cluster-start.mjs';
import { clusterAddresses, clusterDown, clusterStatus, stopClusterNode } from './cluster.mjs';
import { resolveJava } from './java.mjs';
import { install } from './maven.mjs';
import { up } from './start.mjs';
import { inspect } from './state.mjs';
import { down } from './stop.mjs';
import { secureAddresses, secureDown, secureStatus, secureUp } from './secure-node.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {import('./state.mjs').ServiceState} ServiceState */

/**
 * Start (or reuse) the requested services and wait until they answer.
 * @param {{cassandra?: boolean, dynamodb?: boolean, log?: (msg: string) => void}} [options]
 */
export async function ensureServices({ cassandra = true, dynamodb = true, log = console.error } = {}) {
  return ensure({ cassandra, dynamodb, log, progress: 'lines' });
}

/**
 * ensureServices with the CLI's choices: progress style, and where outcome lines go.
 * @param {{cassandra: boolean, dynamodb: boolean, log: (m: string) => void, progress: import('./progress.mjs').ProgressStyle, report?: (line: string) => void}} o
 */
export async function ensure(o) {
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

/**
 * Start (or reuse) the local cluster of `nodes` nodes and wait until every node is UN in every
 * node's view; returns where clients connect.
 * @param {{nodes?: number, log?: (msg: string) => void}} [options]
 */
export async function ensureCluster({ nodes = 3, log = console.error } = {}) {
  await clusterUp(parseNodeCount(String(nodes)), { log, progress: 'lines' });
  return clusterAddresses(nodes);
}

/**
 * Ring state of nodes 1..N (no side effects but removing stale pid files).
 * @param {{nodes?: number}} [options]
 */
export async function clusterState({ nodes = 3 } = {}) {
  const s = await clusterStatus(nodes);
  return { ready: s.ready, lines: s.lines, nodes: s.nodes };
}

/** Stop every node of the local cluster. @param {{log?: (msg: string) => void}} [options] */
export async function stopCluster({ log = console.error } = {}) {
  const lines = await clusterDown({ log });
  for (const l of lines) log(l);
  return lines;
}

/**
 * Stop node i (SIGTERM; with kill, SIGKILL: a crash). Resolves once its process is gone.
 * @param {number} i @param {{kill?: boolean, log?: (msg: string) => void}} [options]
 */
export async function stopNode(i, { kill = false, log = console.error } = {}) {
  const line = await stopClusterNode(i, { kill, log });
  log(line);
  return line;
}

/**
 * Start node i again; resolves once it and the running nodes see each other NORMAL.
 * @param {number} i @param {{log?: (msg: string) => void}} [options]
 */
export async function startNode(i, { log = console.error } = {}) {
  await startClusterNode(i, { log, progress: 'lines' });
}

/**
 * Start (or reuse) the secured node (password authentication, TLS with a required client
 * certificate) and wait until the superuser logs in over TLS; returns where clients connect,
 * the CA and client certificate files, and the superuser's credentials.
 * @param {{log?: (msg: string) => void}} [options]
 */
export async function ensureSecureNode({ log = console.error } = {}) {
  log(await secureUp({ log, progress: 'lines' }));
  return secureAddresses();
}

/** State of the secured node (no side effects but removing a stale pid file). */
export async function secureNodeState() {
  const s = await secureStatus();
  return { ready: s.ready, line: s.line, state: s.state };
}

/** Stop the secured node. @param {{log?: (msg: string) => void}} [options] */
export async function stopSecureNode({ log = console.error } = {}) {
  const line = await secureDown({ log });
  log(line);
  return line;
}
