// Reading files without throwing, log tails, sizes, and looking up commands on PATH.

import fs from 'node:fs';
import path from 'node:path';

/** Contents of a file, or undefined when it cannot be read. @param {string} file */
export function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Last n lines of a text (without a trailing empty line); with dropStackFrames, Java
 * stack-frame lines ("\tat ...", "... 12 more") are left out so exception messages show.
 * @param {string} text @param {number} n @param {boolean} [dropStackFrames]
 */
export function lastLines(text, n, dropStackFrames = false) {
  let lines = text.split('\n');
  if (dropStackFrames) lines = lines.filter((l) => !/^\s+(at |\.\.\. \d+ (more|common frames omitted))/.test(l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).join('\n');
}

/**
 * Tail of a file from an optional byte offset (at most its last 256 KiB are read).
 * @param {string} file @param {number} n @param {number} [from] @param {boolean} [dropStackFrames]
 */
export function tailFile(file, n, from = 0, dropStackFrames = false) {
  try {
    const size = fs.statSync(file).size;
    const start = Math.max(from, size - 256 * 1024);
    if (size <= start) return '';
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      return lastLines(buf.toString('utf8'), n, dropStackFrames);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Size in bytes, 0 when missing. @param {string} file */
export function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Total bytes and file count under a folder. @param {string} dir @returns {{total: number, count: number}} */
export function dirSize(dir) {
  let total = 0;
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = dirSize(p);
      total += sub.total;
      count += sub.count;
    } else {
      total += fs.statSync(p).size;
      count++;
    }
  }
  return { total, count };
}

/** Full path of an executable on PATH, or undefined. @param {string} cmd */
export function findOnPath(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}
