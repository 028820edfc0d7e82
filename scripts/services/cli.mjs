// The command line: node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all] [-f]
// Outcomes go to stdout, progress to stderr; every failure is one `services: ...` line
// (plus an indented log excerpt) and exit status 1; usage without a command exits 2.

import { HOST, config, paths } from './config.mjs';
import { ServiceError, oneLine } from './errors.mjs';
import { readText } from './files.mjs';
import { ensure, servicesStatus } from './api.mjs';
import { showLogs } from './logs.mjs';
import { install } from './maven.mjs';
import { down } from './stop.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {import('./state.mjs').ServiceState} ServiceState */

const USAGE = 'usage: node scripts/services.mjs <up|status|down|logs|install> [cassandra|dynamodb|all] [-f]';

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
  const positional = argv.filter((a) => !a.startsWith('-'));
  const follow = argv.includes('-f') || argv.includes('--follow');
  const [command, target = 'all'] = positional;
  if (!command || argv.includes('-h') || argv.includes('--help')) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (!['all', 'cassandra', 'dynamodb'].includes(target)) throw new ServiceError(`unknown service '${target}'; ${USAGE}`);
  const names = /** @type {ServiceName[]} */ (target === 'all' ? ['cassandra', 'dynamodb'] : [target]);
  const log = (/** @type {string} */ m) => console.error(m);
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
