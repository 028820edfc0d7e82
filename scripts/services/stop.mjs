// Stopping a service this script started (found through its pid file); anything else on
// the port is left alone.

import fs from 'node:fs';
import { SERVICES, config, paths, servicePort } from './config.mjs';
import { processAlive, readPidFile, tcpOpen, terminate } from './process.mjs';
import { seconds } from './time.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */

/** @param {ServiceName} name @param {(m: string) => void} log @returns {Promise<string>} the outcome line */
export async function down(name, log) {
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
  const { killed } = await terminate(info.pid, marker, name, log);
  fs.rmSync(p.pidFile, { force: true });
  return `${name}: stopped (pid ${info.pid}${killed ? ', killed' : ''}, ${seconds(Date.now() - t0)} s)`;
}
