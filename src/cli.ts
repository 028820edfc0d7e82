#!/usr/bin/env node
/**
 * The binary: runs one command line with the process's own streams, turns SIGINT/SIGTERM into
 * an abort the command handles (a second signal exits at once), and exits with its status.
 */
import './node-warnings.js';
import { runCli } from './app.js';
import { ExitStatus } from './errors.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (name: NodeJS.Signals): void => {
  signals += 1;
  if (signals > 1) {
    process.stderr.write(`\ncass2ddb-fast: ${name} again, exiting now\n`);
    process.exit(ExitStatus.INTERRUPTED);
  }
  process.stderr.write(`\ncass2ddb-fast: ${name} received, stopping (press Ctrl-C again to exit at once)\n`);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const status = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  colorDepth: process.stdout.isTTY ? 8 : 1,
});
process.exitCode = status;
