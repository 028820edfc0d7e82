// Service logs: the excerpt shown when a start fails, and `logs [-f]` for the CLI.

import fs from 'node:fs';
import { config, paths } from './config.mjs';
import { fileSize, tailFile } from './files.mjs';
import { sleep } from './time.mjs';

/** @typedef {import('./config.mjs').ServiceName} ServiceName */
/** @typedef {import('./config.mjs').Paths} Paths */

/** The "last lines of ..." heading of a start-up failure. @param {ServiceName} name @param {Paths} p */
export function startupLogTail(name, p) {
  const what = name === 'cassandra' ? `${p.log} and ${p.output}` : p.log;
  return `last lines of ${what} (stack frames left out):`;
}

/**
 * The log excerpt of a start-up failure: for Cassandra, system.log from where this start
 * began plus the JVM's own output when it has more than its command-line header.
 * @param {ServiceName} name @param {Paths} p @param {{logFrom: number}} proc
 */
export function startupLogText(name, p, proc) {
  if (name !== 'cassandra') return tailFile(p.log, 20, 0, true);
  const parts = [];
  const sys = tailFile(p.log, 20, proc.logFrom, true);
  if (sys) parts.push(`--- ${p.log}\n${sys}`);
  const out = tailFile(p.output, 20, 0, true);
  if (out && out.split('\n').length > 1) parts.push(`--- ${p.output}\n${out}`);
  return parts.join('\n') || '(no log output)';
}

/**
 * Print the last 100 lines of each service's logs to stdout; with follow, keep printing
 * what is appended (until the process is interrupted).
 * @param {ServiceName[]} names @param {boolean} follow
 */
export async function showLogs(names, follow) {
  const cfg = config();
  const files = [];
  for (const n of names) {
    const p = paths(cfg, n);
    files.push(p.log);
    if (p.output !== p.log && fileSize(p.output) > 0) files.push(p.output);
  }
  return showFiles(files, follow);
}

/**
 * The last 100 lines of each file (headed by its name when there are several); with follow,
 * what is appended afterwards.
 * @param {string[]} files @param {boolean} follow
 */
export async function showFiles(files, follow) {
  for (const f of files) {
    if (files.length > 1) console.log(`==> ${f} <==`);
    if (!fs.existsSync(f)) {
      console.log(`(no log yet: ${f})`);
      continue;
    }
    const text = tailFile(f, 100);
    if (text) console.log(text);
  }
  if (!follow) return;
  const offsets = new Map(files.map((f) => [f, fileSize(f)]));
  for (;;) {
    await sleep(500);
    for (const f of files) {
      const size = fileSize(f);
      const from = offsets.get(f) ?? 0;
      if (size < from) offsets.set(f, 0);
      else if (size > from) {
        const fd = fs.openSync(f, 'r');
        const buf = Buffer.alloc(size - from);
        fs.readSync(fd, buf, 0, buf.length, from);
        fs.closeSync(fd);
        process.stdout.write(buf);
        offsets.set(f, size);
      }
    }
  }
}
