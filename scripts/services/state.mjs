// What state a service is in: its pid file plus a readiness probe on its port.

import fs from 'node:fs';
import { SERVICES, config, paths, servicePort } from './config.mjs';
import { probeCassandra } from './cassandra.mjs';
import { probeDynamodb } from './dynamodb.mjs';
import { processAlive, readPidFile, tcpOpen } from './process.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {import('./process.mjs').PidInfo} PidInfo */

/**
 * ready: answers; starting: our pid alive, not answering yet; foreign: port taken by something else.
 * @typedef {{name: ServiceName, state: 'ready'|'starting'|'down'|'foreign', pid?: number, port: number, version?: string, detail?: string}} ServiceState
 */

/** Does the service answer on port? @param {ServiceName} name @param {number} port */
export function probe(name, port) {
  return name === 'cassandra' ? probeCassandra(port) : probeDynamodb(port);
}

/**
 * Current state of a service, from its pid file and a readiness probe. A pid file whose
 * process is gone is removed.
 * @param {ServiceName} name @returns {Promise<ServiceState & {pidInfo?: PidInfo}>}
 */
export async function inspect(name) {
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
