/**
 * Writing the files a job's correctness rests on (checkpoints, dead letters, differences): every
 * byte, or one clear error that names the file and the reason.
 *
 * write(2) may write only part of a buffer when the disk fills or the file-size limit is reached
 * (`ulimit -f`): fs.writeSync then returns a short count and throws nothing. `writeAll` loops, so
 * the next write fails (ENOSPC, EFBIG) instead of a file silently cut short.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { toolError, type ErrorCodeName, type ToolError } from '../errors.js';

export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.byteLength) {
    const n = writeSync(fd, bytes, offset, bytes.byteLength - offset);
    // a regular file never answers 0 for a non-empty write; never spin on one
    if (n <= 0) throw Object.assign(new Error(`write returned ${n}`), { code: 'EIO' });
    offset += n;
  }
}

/** Why a write failed, in words, for the errno codes a full, read-only or forbidden place gives. */
const REASONS: Readonly<Record<string, string>> = Object.freeze({
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file-size limit (ulimit -f)',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  // what making the folder says when the folder's own name is a file
  EEXIST: 'a part of the path is a file, not a folder',
  EISDIR: 'the path is a folder',
  ENOENT: 'no such file or folder',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
});

export function writeFailureReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && Object.hasOwn(REASONS, code)) return `${REASONS[code]} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).trim();
}

/** `cannot <verb> the <what> <file>: <reason> (<errno>)[; <hint>]`, as a ToolError of `code`. */
export function fileWriteError(code: ErrorCodeName, verb: string, what: string, file: string, error: unknown, hint?: string): ToolError {
  const errno = (error as { code?: unknown } | null)?.code;
  return toolError(code, `cannot ${verb} the ${what} ${file}: ${writeFailureReason(error)}${hint === undefined ? '' : `; ${hint}`}`, {
    file,
    ...(typeof errno === 'string' ? { errno } : {}),
  });
}

/** Creates (or truncates) `file` with mode 600, writes all of `content` and flushes it to the disk. */
export function writeSynced(file: string, content: string | Uint8Array): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeAll(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Proves before a job starts that `file` can be written: its folder made, `sample` written and
 * flushed beside it (then removed: a full disk or a file-size limit shows here), and the file
 * itself, when it exists, opened for appending. Throws the fs error; the caller names it.
 */
export function probeWritable(file: string, sample: string | Uint8Array): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const probe = `${file}.probe-${process.pid}`;
  try {
    writeSynced(probe, sample);
  } finally {
    removeQuietly(probe);
  }
  if (existsSync(file)) closeSync(openSync(file, 'a'));
}

/** Removes a temporary file; a failure to remove it is not the error worth reporting. */
export function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // the write's own error (already on its way) says what is wrong
  }
}
