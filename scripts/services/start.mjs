// Making one service ready: reuse it when it answers, else start it (once, under a
// cross-process lock) and wait until it answers, fails, or times out.

import fs from 'node:fs';
import path from 'node:path';
import { HOST, SERVICES, config, paths, portVariable, servicePort } from './config.mjs';
import { prepareCassandra } from './cassandra.mjs';
import { prepareDynamodb } from './dynamodb.mjs';
import { ServiceError } from './errors.mjs';
import { fileSize } from './files.mjs';
import { resolveJava } from './java.mjs';
import { startupLogTail, startupLogText } from './logs.mjs';
import { install } from './maven.mjs';
import { processAlive, spawnDetached, tcpOpen, withLock, writePidFile } from './process.mjs';
import { makeProgress } from './progress.mjs';
import { inspect, probe } from './state.mjs';
import { seconds, sleep } from './time.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {import('./config.mjs').Config} Config */
/** @typedef {import('./config.mjs').Paths} Paths */
/** @typedef {import('./java.mjs').Java} Java */
/** @typedef {import('./state.mjs').ServiceState} ServiceState */
/** @typedef {import('./process.mjs').Exit} Exit */
/** @typedef {{log: (m: string) => void, progress: import('./progress.mjs').ProgressStyle}} UpOptions */
/** @typedef {{line: string, port: number, version: string}} UpResult */
/**
 * A process being waited for; logFrom: the size of system.log when this start began.
 * @typedef {{pid: number, exited: () => Exit|undefined, startedAt: number, logFrom: number, outFrom: number}} Starting */

/**
 * Make one service ready: reuse it when it answers, else start it and wait.
 * @param {ServiceName} name @param {UpOptions} opts
 * @param {ServiceState|undefined} [known] state just inspected by the caller
 * @returns {Promise<UpResult>}
 */
export async function up(name, opts, known = undefined) {
  const cfg = config();
  const p = paths(cfg, name);
  const port = servicePort(cfg, name);
  const svc = SERVICES[name];

  const state = known ?? (await inspect(name));
  if (state.state === 'ready') {
    if (state.port !== port) {
      throw new ServiceError(
        `${name}: already running (pid ${state.pid}) on port ${state.port}, but ${portVariable(name)} asks for ${port}; run \`node scripts/services.mjs down ${name}\` first`,
      );
    }
    return {
      line: `${name}: already running on ${HOST}:${port} (${state.version}${state.pid ? `, pid ${state.pid}` : ', not started by this script'})`,
      port,
      version: state.version ?? '?',
    };
  }
  if (state.state === 'foreign') {
    throw new ServiceError(
      `${name}: port ${port} on ${HOST} is taken by something that is not ${svc.label} (${state.detail}); stop it or set ${portVariable(name)}`,
    );
  }

  const java = resolveJava(name);
  await install(name, opts.log);

  return withLock(p.lockFile, cfg.cassandraTimeoutMs + 60_000, `${name} start`, async () => {
    // Another process may have started it while we waited for the lock.
    const current = await inspect(name);
    if (current.state === 'ready') {
      return { line: `${name}: already running on ${HOST}:${port} (${current.version}, pid ${current.pid ?? '?'})`, port, version: current.version ?? '?' };
    }
    /** @type {Starting} */
    let proc;
    if (current.state === 'starting' && current.pid) {
      if (current.port !== port) {
        throw new ServiceError(
          `${name}: already starting (pid ${current.pid}) on port ${current.port}, but ${portVariable(name)} asks for ${port}; run \`node scripts/services.mjs down ${name}\` first`,
        );
      }
      opts.log(`${name}: already starting (pid ${current.pid}), waiting for it`);
      proc = { pid: current.pid, exited: () => undefined, startedAt: Date.parse(current.pidInfo?.startedAt ?? '') || Date.now(), logFrom: fileSize(p.log), outFrom: 0 };
    } else {
      proc = await launch(name, cfg, p, java, opts.log);
    }
    return waitUntilReady(name, cfg, p, proc, opts);
  });
}

/**
 * Write the service's config, spawn it detached and record its pid file.
 * @param {ServiceName} name @param {Config} cfg @param {Paths} p @param {Java} java @param {(m: string) => void} log
 * @returns {Promise<Starting>}
 */
async function launch(name, cfg, p, java, log) {
  const svc = SERVICES[name];
  const port = servicePort(cfg, name);
  if (name === 'cassandra' && (await tcpOpen(cfg.storagePort))) {
    throw new ServiceError(`cassandra: storage port ${cfg.storagePort} on ${HOST} is taken by another process; stop it or set CASSANDRA_STORAGE_PORT`);
  }
  const args = name === 'cassandra' ? prepareCassandra(cfg, p, log) : prepareDynamodb(cfg, p);
  fs.mkdirSync(path.dirname(p.output), { recursive: true });
  const logFrom = name === 'cassandra' ? fileSize(p.log) : 0;
  const { pid, startedAt, exited } = await spawnDetached({
    what: name,
    bin: java.bin,
    args,
    cwd: p.home,
    env: { ...process.env, JAVA_HOME: java.home },
    output: p.output,
  });
  writePidFile(p.pidFile, {
    pid,
    port,
    ...(name === 'cassandra' ? { storagePort: cfg.storagePort } : {}),
    startedAt: new Date(startedAt).toISOString(),
    version: svc.version,
    java: java.bin,
  });
  log(`${name}: starting ${svc.label} ${svc.version} (pid ${pid}, Java ${java.major}, log ${p.log})`);
  return { pid, exited, startedAt, logFrom, outFrom: 0 };
}

/**
 * Probe until the service answers; a process that dies or a timeout is a ServiceError
 * carrying the log excerpt.
 * @param {ServiceName} name @param {Config} cfg @param {Paths} p @param {Starting} proc @param {UpOptions} opts
 * @returns {Promise<UpResult>}
 */
async function waitUntilReady(name, cfg, p, proc, opts) {
  const port = servicePort(cfg, name);
  const timeoutMs = name === 'cassandra' ? cfg.cassandraTimeoutMs : cfg.dynamodbTimeoutMs;
  const progress = makeProgress(name, opts);
  try {
    for (;;) {
      const exit = proc.exited();
      if (exit || !processAlive(proc.pid, SERVICES[name].marker)) {
        fs.rmSync(p.pidFile, { force: true });
        progress.done();
        const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : 'it is gone';
        throw new ServiceError(`${name}: exited during start-up (${how}); ${startupLogTail(name, p)}`, startupLogText(name, p, proc));
      }
      const r = await probe(name, port);
      if (r.ok) {
        progress.done();
        const took = seconds(Date.now() - proc.startedAt);
        return { line: `${name}: ready on ${HOST}:${port} (${r.version}, started in ${took} s)`, port, version: r.version ?? '?' };
      }
      const waited = Date.now() - proc.startedAt;
      if (waited > timeoutMs) {
        progress.done();
        throw new ServiceError(
          `${name}: not answering on ${HOST}:${port} after ${seconds(waited)} s (pid ${proc.pid} still running; last probe: ${r.error}); see ${p.log}`,
          startupLogText(name, p, proc),
        );
      }
      progress.tick(waited);
      await sleep(name === 'cassandra' ? 1000 : 250);
    }
  } finally {
    progress.done();
  }
}
