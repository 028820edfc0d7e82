// Operating-system plumbing: port checks, liveness, pid files, cross-process locks, and
// starting and stopping a detached child process.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HOST } from './config.mjs';
import { ServiceError, oneLine } from './errors.mjs';
import { readText } from './files.mjs';
import { seconds, sleep } from './time.mjs';

/**
 * Is something accepting TCP connections on host:port (127.0.0.1 by default)?
 * @param {number} port @param {number} [timeoutMs] @param {string} [host]
 */
export function tcpOpen(port, timeoutMs = 1000, host = HOST) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
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
export function processAlive(pid, marker) {
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
export function readPidFile(file) {
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

/** @param {string} file @param {PidInfo} info */
export function writePidFile(file, info) {
  fs.writeFileSync(file, JSON.stringify(info) + '\n');
}

/**
 * Cross-process lock (atomic create of a file holding our pid); a lock whose owner is
 * dead is taken over. Serialises concurrent `up`s (a human and a test run, say).
 * @template T @param {string} file @param {number} timeoutMs @param {string} what @param {() => Promise<T>} fn
 */
export async function withLock(file, timeoutMs, what, fn) {
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

/** @typedef {{code: number|null, signal: string|null}} Exit */

/**
 * Start a process that outlives us: its own process group, stdout and stderr into
 * `output` (truncated, headed by the command line), not waited for.
 * @param {{what: string, bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, output: string}} o
 * @returns {Promise<{pid: number, startedAt: number, exited: () => Exit|undefined}>}
 */
export async function spawnDetached(o) {
  const out = fs.openSync(o.output, 'w');
  fs.writeSync(out, `# ${new Date().toISOString()} ${o.bin} ${o.args.join(' ')}\n`);
  const startedAt = Date.now();
  /** @type {Exit|undefined} */
  let exit;
  const child = spawn(o.bin, o.args, { cwd: o.cwd, detached: true, stdio: ['ignore', out, out], env: o.env });
  fs.closeSync(out);
  const spawnError = await new Promise((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) throw new ServiceError(`${o.what}: could not start ${o.bin}: ${oneLine(spawnError)}`);
  child.once('exit', (code, signal) => {
    exit = { code, signal };
  });
  child.unref();
  return { pid: /** @type {number} */ (child.pid), startedAt, exited: () => exit };
}

/**
 * SIGTERM, then SIGKILL after 30 s; resolves once the process is gone.
 * @param {number} pid @param {string} marker see processAlive @param {string} what @param {(m: string) => void} log
 */
export async function terminate(pid, marker, what, log) {
  const t0 = Date.now();
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  let killed = false;
  while (processAlive(pid, marker)) {
    const waited = Date.now() - t0;
    if (!killed && waited > 30_000) {
      log(`${what}: pid ${pid} ignored SIGTERM for 30 s, sending SIGKILL`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      killed = true;
    }
    if (waited > 45_000) throw new ServiceError(`${what}: pid ${pid} is still alive after SIGKILL`);
    await sleep(200);
  }
  return { killed };
}
