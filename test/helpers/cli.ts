/** Runs a command line in-process with captured streams, the way the binary does; or the built binary in a subprocess. */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/app.js';
import { PACKAGE_ROOT } from '../../src/package-info.js';

/** The built binary (`npx tsc -p tsconfig.build.json`). */
export const BIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed JSON lines of stdout (for --json runs); lines that are not JSON are skipped. */
  readonly events: Array<Record<string, unknown>>;
}

export async function runInProcess(args: string[], env: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const status = await runCli(args, {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { ...process.env, ...env },
    ...(signal === undefined ? {} : { signal }),
  });
  return { status, stdout: out, stderr: err, events: jsonLines(out) };
}

/** Parsed JSON lines of a run's stdout; lines that are not JSON are skipped. */
export function jsonLines(out: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return events;
}

export interface BinaryOptions {
  readonly env: Record<string, string>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Run as this user and group (the caller must be root): permission bits stop it, unlike root. */
  readonly uid?: number;
  readonly gid?: number;
  /** A file-size limit (`ulimit -f`, in KiB) for the process: a write past it fails with EFBIG, like a full disk. */
  readonly fileSizeLimitKiB?: number;
  /** Told each chunk of stdout as it comes (e.g. to act on a progress line mid-run). */
  readonly onStdout?: (chunk: string, all: string) => void;
}

/**
 * Runs the built binary in a subprocess with exactly `env` (nothing of this process's environment
 * is added): for what only a fresh process shows, such as the AWS credential chain reading the
 * files AWS_CONFIG_FILE names. A signal ends the run as status 128 + its number.
 */
export function runBinary(args: string[], options: BinaryOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // bash's ulimit -f counts KiB; Node ignores SIGXFSZ, so the write itself fails with EFBIG
    const [command, argv] = options.fileSizeLimitKiB === undefined
      ? [process.execPath, [BIN, ...args]]
      : ['/bin/bash', ['-c', `ulimit -f ${Math.floor(options.fileSizeLimitKiB)} && exec "$0" "$@"`, process.execPath, BIN, ...args]];
    const child = spawn(command, argv, {
      env: options.env,
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      const chunk = c.toString('utf8');
      out += chunk;
      options.onStdout?.(chunk, out);
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const status = code ?? 128 + (signal === null ? 0 : (os.constants.signals[signal] ?? 0));
      resolve({ status, stdout: out, stderr: err, events: jsonLines(out) });
    });
  });
}
