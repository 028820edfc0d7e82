// The command line:
//   node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all] [-f] [--nodes N]
//   node scripts/services.mjs <stop-node|start-node> <i> [--kill]
// Outcomes go to stdout, progress to stderr; every failure is one `services: ...` line
// (plus an indented log excerpt) and exit status 1; usage without a command exits 2.
// --nodes 1 (the default) is the single node; --nodes 2-9 the local cluster (cluster.mjs),
// and then the commands leave DynamoDB Local alone unless `all` or `dynamodb` names it.
// --secure: up, status, down and logs act on the secured node only (secure-node.mjs).

import { HOST, config, paths } from './config.mjs';
import { ServiceError, oneLine } from './errors.mjs';
import { readText } from './files.mjs';
import { ensure, servicesStatus } from './api.mjs';
import { parseNodeCount } from './cluster-config.mjs';
import { clusterDown, clusterLogFiles, clusterStatus, stopClusterNode } from './cluster.mjs';
import { clusterUp, startClusterNode } from './cluster-start.mjs';
import { showFiles, showLogs } from './logs.mjs';
import { install } from './maven.mjs';
import { down } from './stop.mjs';
import { secureDown, secureLogFiles, secureStatus, secureUp } from './secure-node.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {import('./state.mjs').ServiceState} ServiceState */

const USAGE = [
  'usage: node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all] [-f] [--nodes N]',
  '       node scripts/services.mjs <up|status|down|logs> --secure [-f]',
  '       node scripts/services.mjs <stop-node|start-node> <i> [--kill]',
  '  --nodes 1 (default): the single node on 127.0.0.1; --nodes 3: the local cluster, node i on',
  '  127.0.0.(i+1) (CASSANDRA_CLUSTER_ADDRESS), with DynamoDB Local only when named.',
  '  --secure: one node with password authentication and TLS (client certificate required) on',
  '  127.0.0.5 (CASSANDRA_SECURE_ADDRESS); CA and certificates in <services dir>/secure/certs.',
].join('\n');

/**
 * Flags and positional arguments. Unknown options are a usage error (a mistyped --nodes must
 * not silently act on the single node).
 * @param {string[]} argv
 */
export function parseArgs(argv) {
  /** @type {string[]} */
  const positional = [];
  let follow = false;
  let help = false;
  let kill = false;
  let nodes = 1;
  let secure = false;
  for (let k = 0; k < argv.length; k++) {
    const a = /** @type {string} */ (argv[k]);
    if (a === '-f' || a === '--follow') follow = true;
    else if (a === '-h' || a === '--help') help = true;
    else if (a === '--kill') kill = true;
    else if (a === '--secure') secure = true;
    else if (a === '--nodes') nodes = parseNodeCount(argv[++k]);
    else if (a.startsWith('--nodes=')) nodes = parseNodeCount(a.slice('--nodes='.length));
    else if (a.startsWith('-')) throw new ServiceError(`unknown option '${a}'; ${USAGE}`);
    else positional.push(a);
  }
  if (secure && nodes > 1) throw new ServiceError(`--secure is one node; it does not combine with --nodes ${nodes}`);
  return { positional, follow, help, kill, nodes, secure };
}

/** @param {ServiceState} s */
function statusLine(s) {
  const where = `${HOST}:${s.port}`;
  switch (s.state) {
    case 'ready':
      return `${s.name}: ready on ${where} (${s.version}${s.pid ? `, pid ${s.pid}` : `, ${s.detail}`})`;
    case 'starting':
      return `${s.name}: starting (pid ${s.pid}, ${where} not answering yet)`;
    case 'foreign':
      return `${s.name}: down, but port ${s.port} is taken by something else (${s.detail})`;
    default:
      return `${s.name}: down (port ${s.port} free)`;
  }
}

/** @param {string[]} argv @returns {Promise<number>} exit status */
async function main(argv) {
  const { positional, follow, help, kill, nodes, secure } = parseArgs(argv);
  const [command] = positional;
  if (!command || help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const log = (/** @type {string} */ m) => console.error(m);
  if (command === 'stop-node' || command === 'start-node') return nodeCommand(command, positional[1], kill, log);
  if (secure) return secureCommand(command, positional[1], follow, log);
  const target = positional[1] ?? (nodes > 1 ? 'cassandra' : 'all');
  if (!['all', 'cassandra', 'dynamodb'].includes(target)) throw new ServiceError(`unknown service '${target}'; ${USAGE}`);
  const names = /** @type {ServiceName[]} */ (target === 'all' ? ['cassandra', 'dynamodb'] : [target]);
  if (nodes > 1 && command !== 'install') return clusterCommand(command, names, nodes, follow, log);
  switch (command) {
    case 'install': {
      for (const n of names) {
        const r = await install(n, log);
        if (!r.downloaded) {
          const done = JSON.parse(readText(paths(config(), n).complete) ?? '{}');
          console.log(`${n}: cache complete in ${r.dir} (${done.files ?? '?'} files, ${((done.bytes ?? 0) / 1e6).toFixed(0)} MB)`);
        } else console.log(`${n}: installed in ${r.dir}`);
      }
      return 0;
    }
    case 'up': {
      await ensure({
        cassandra: names.includes('cassandra'),
        dynamodb: names.includes('dynamodb'),
        log,
        progress: 'dots',
        report: (l) => console.log(l),
      });
      return 0;
    }
    case 'status': {
      const all = await servicesStatus();
      let ok = true;
      for (const n of names) {
        console.log(statusLine(all[n]));
        if (all[n].state !== 'ready') ok = false;
      }
      return ok ? 0 : 1;
    }
    case 'down': {
      // Cassandra first takes longest; stop both at once.
      const lines = await Promise.all(names.map((n) => down(n, log)));
      for (const l of lines) console.log(l);
      return 0;
    }
    case 'logs':
      await showLogs(names, follow);
      return 0;
    default:
      throw new ServiceError(`unknown command '${command}'; ${USAGE}`);
  }
}

/**
 * `up`, `status`, `down` and `logs` with --nodes N: the cluster stands in for `cassandra`.
 * @param {string} command @param {ServiceName[]} names @param {number} nodes @param {boolean} follow
 * @param {(m: string) => void} log @returns {Promise<number>}
 */
async function clusterCommand(command, names, nodes, follow, log) {
  const withDynamodb = names.includes('dynamodb');
  const withCluster = names.includes('cassandra');
  const report = (/** @type {string} */ l) => console.log(l);
  switch (command) {
    case 'up':
      if (withDynamodb) await ensure({ cassandra: false, dynamodb: true, log, progress: 'dots', report });
      if (withCluster) await clusterUp(nodes, { log, progress: 'dots', report });
      return 0;
    case 'status': {
      let ok = true;
      if (withCluster) {
        const s = await clusterStatus(nodes);
        for (const l of s.lines) console.log(l);
        ok = s.ready;
      }
      if (withDynamodb) {
        const d = (await servicesStatus()).dynamodb;
        console.log(statusLine(d));
        ok &&= d.state === 'ready';
      }
      return ok ? 0 : 1;
    }
    case 'down': {
      const lines = await Promise.all([
        ...(withCluster ? [clusterDown({ log })] : []),
        ...(withDynamodb ? [down('dynamodb', log).then((l) => [l])] : []),
      ]);
      for (const l of lines.flat()) console.log(l);
      return 0;
    }
    case 'logs': {
      const files = [...(withCluster ? clusterLogFiles(nodes) : []), ...(withDynamodb ? [paths(config(), 'dynamodb').log] : [])];
      await showFiles(files, follow);
      return 0;
    }
    default:
      throw new ServiceError(`unknown command '${command}'; ${USAGE}`);
  }
}

/**
 * `up`, `status`, `down` and `logs` with --secure: the secured node alone.
 * @param {string} command @param {string|undefined} target @param {boolean} follow
 * @param {(m: string) => void} log @returns {Promise<number>}
 */
async function secureCommand(command, target, follow, log) {
  if (target !== undefined && target !== 'cassandra') throw new ServiceError(`--secure is a Cassandra node; '${target}' does not go with it; ${USAGE}`);
  switch (command) {
    case 'up':
      console.log(await secureUp({ log, progress: 'dots' }));
      return 0;
    case 'status': {
      const s = await secureStatus();
      console.log(s.line);
      return s.ready ? 0 : 1;
    }
    case 'down':
      console.log(await secureDown({ log }));
      return 0;
    case 'logs':
      await showFiles(secureLogFiles(), follow);
      return 0;
    default:
      throw new ServiceError(`'${command}' does not go with --secure; ${USAGE}`);
  }
}

/**
 * `stop-node i [--kill]` and `start-node i`: one node of the cluster on disk.
 * @param {'stop-node'|'start-node'} command @param {string|undefined} arg @param {boolean} kill
 * @param {(m: string) => void} log @returns {Promise<number>}
 */
async function nodeCommand(command, arg, kill, log) {
  if (arg === undefined || !/^\d+$/.test(arg)) throw new ServiceError(`${command} needs a node number, e.g. \`${command} 2\`; ${USAGE}`);
  const i = Number(arg);
  if (command === 'stop-node') console.log(await stopClusterNode(i, { kill, log }));
  else await startClusterNode(i, { log, progress: 'dots', report: (l) => console.log(l) });
  return 0;
}

/**
 * Run the CLI and set process.exitCode; never throws.
 * @param {string[]} argv arguments after the script name
 */
export function runCli(argv) {
  // The AWS SDK warns once per process that future releases need Node 22; in the CLI that
  // is noise (the project supports Node 20), so drop that one warning here only.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = /** @type {typeof process.emitWarning} */ (
    (/** @type {any} */ warning, /** @type {any[]} */ ...rest) => {
      if (String(warning?.message ?? warning).startsWith('NodeVersionSupportWarning')) return;
      emitWarning(warning, ...rest);
    }
  );
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (err instanceof ServiceError) {
        console.error(`services: ${err.message}`);
        if (err.details) console.error(err.details.replace(/^/gm, '  '));
      } else {
        console.error(`services: unexpected error: ${oneLine(err)}${process.env.DEBUG ? `\n${err?.stack}` : ' (set DEBUG=1 for a stack trace)'}`);
      }
      process.exitCode = 1;
    },
  );
}
