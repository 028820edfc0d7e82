/**
 * Looking for secrets where a run could have left them: the byte forms a secret can take once
 * written (as is, URL-encoded, base64 at any alignment, hex, its random core alone), the files
 * under a directory (read as bytes), and the built binary run in a subprocess whose process
 * title (/proc/<pid>/cmdline, comm, and every thread's comm) is sampled while it runs.
 *
 *   secret ──▶ needles (forms) ──┐
 *   run ──▶ stdout, stderr, /proc samples ──┼──▶ haystacks ──▶ leaks: [{ secret, form, where }]
 *   dir ──▶ every file, recursively ──┘
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, jsonLines, type CliRun } from './cli.js';

export interface Secret {
  /** What it is, for messages (`aws env secret key`); never the secret. */
  readonly purpose: string;
  readonly value: string;
  /** Its random part alone: found even when only a piece of the secret got out. */
  readonly core: string;
}

export interface Needle {
  readonly purpose: string;
  readonly form: string;
  readonly bytes: Buffer;
}

/**
 * The forms of a secret worth searching for. Base64 of a secret inside a longer text depends on
 * where it starts modulo 3: the complete 4-char groups of the secret shifted by 0, 1 and 2 bytes
 * appear in any base64 encoding that holds it, at one of the shifts.
 */
export function needlesOf(secret: Secret): Needle[] {
  const value = Buffer.from(secret.value, 'utf8');
  const forms = new Map<string, string>([
    ['plain', secret.value],
    ['random core', secret.core],
    ['url-encoded', encodeURIComponent(secret.value)],
    ['url-encoded twice', encodeURIComponent(encodeURIComponent(secret.value))],
    ['hex', value.toString('hex')],
  ]);
  for (let shift = 0; shift < 3; shift++) {
    const part = value.subarray(shift);
    const groups = Math.floor(part.length / 3);
    const b64 = part.subarray(0, groups * 3).toString('base64');
    forms.set(`base64 (shift ${shift})`, b64);
    forms.set(`base64url (shift ${shift})`, b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  const out: Needle[] = [];
  const seen = new Set<string>();
  for (const [form, text] of forms) {
    if (seen.has(text)) continue; // e.g. url-encoded == plain for a secret with no reserved characters
    seen.add(text);
    if (text.length < 12) throw new Error(`${secret.purpose}: the ${form} needle is too short to mean anything`);
    out.push({ purpose: secret.purpose, form, bytes: Buffer.from(text, 'utf8') });
  }
  return out;
}

export interface Haystack {
  /** `file <path>`, `stdout of <run>`, `/proc cmdline of <run>`… */
  readonly where: string;
  readonly bytes: Buffer;
}

export interface Leak {
  readonly purpose: string;
  readonly form: string;
  readonly where: string;
  /** Bytes around the hit, with the secret replaced, to show what printed it. */
  readonly context: string;
}

export function findLeaks(haystacks: readonly Haystack[], needles: readonly Needle[]): Leak[] {
  const leaks: Leak[] = [];
  for (const h of haystacks) {
    for (const n of needles) {
      const at = h.bytes.indexOf(n.bytes);
      if (at < 0) continue;
      const around = h.bytes.subarray(Math.max(0, at - 80), at + n.bytes.length + 80).toString('utf8');
      leaks.push({ purpose: n.purpose, form: n.form, where: h.where, context: around.split(n.bytes.toString('utf8')).join(`<${n.purpose}>`) });
    }
  }
  return leaks;
}

/** Every regular file under dir, recursively (symbolic links are not followed). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

export function fileHaystacks(dir: string): Haystack[] {
  return filesUnder(dir).map((f) => ({ where: `file ${path.relative(dir, f)}`, bytes: readFileSync(f) }));
}

/** One look at a running process's titles. */
export interface TitleSample {
  readonly cmdline: string;
  readonly comm: string;
  /** comm of every thread (worker threads, libuv pool), by thread id. */
  readonly threads: Readonly<Record<string, string>>;
}

export interface SampledRun extends CliRun {
  readonly name: string;
  readonly args: readonly string[];
  readonly samples: readonly TitleSample[];
  /** Threads seen at the most in one sample. */
  readonly maxThreads: number;
  readonly durationMs: number;
}

export interface SampledOptions {
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly timeoutMs?: number;
  readonly sampleEveryMs?: number;
}

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined; // gone between two reads: the process or thread ended
  }
}

function sample(pid: number): TitleSample | undefined {
  const cmdline = readProc(`/proc/${pid}/cmdline`);
  const comm = readProc(`/proc/${pid}/comm`);
  if (cmdline === undefined || comm === undefined || cmdline === '') return undefined; // exited (a zombie has no cmdline)
  const threads: Record<string, string> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // exited meanwhile
  }
  for (const tid of tids) {
    const name = readProc(`/proc/${pid}/task/${tid}/comm`);
    if (name !== undefined) threads[tid] = name.trimEnd();
  }
  return { cmdline: cmdline.split('\0').join(' ').trimEnd(), comm: comm.trimEnd(), threads };
}

/** The built binary with exactly `env`, its titles sampled every `sampleEveryMs` while it runs. */
export function runSampled(name: string, args: string[], options: SampledOptions): Promise<SampledRun> {
  return new Promise((resolve, reject) => {
    const startedMs = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const samples: TitleSample[] = [];
    const look = (): void => {
      if (child.pid === undefined || child.exitCode !== null) return;
      const s = sample(child.pid);
      if (s !== undefined) samples.push(s);
    };
    look();
    const timer = setInterval(look, options.sampleEveryMs ?? 40);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      look(); // a line printed: the run is at a new stage
    });
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const status = code ?? 128 + (signal === null ? 0 : (os.constants.signals[signal] ?? 0));
      const events = jsonLines(stdout);
      const maxThreads = samples.reduce((m, s) => Math.max(m, Object.keys(s.threads).length), 0);
      resolve({ name, args, status, stdout, stderr: Buffer.concat(err).toString('utf8'), events, samples, maxThreads, durationMs: Date.now() - startedMs });
    });
  });
}

/** What a run printed and what its titles showed, as haystacks. */
export function runHaystacks(run: SampledRun): Haystack[] {
  const titles = run.samples.map((s) => [s.cmdline, s.comm, ...Object.values(s.threads)].join('\n')).join('\n');
  return [
    { where: `stdout of ${run.name}`, bytes: Buffer.from(run.stdout, 'utf8') },
    { where: `stderr of ${run.name}`, bytes: Buffer.from(run.stderr, 'utf8') },
    { where: `process titles of ${run.name} (${run.samples.length} samples)`, bytes: Buffer.from(titles, 'latin1') },
  ];
}

/** Sizes of files, for the report of what was searched. */
export function totalBytes(files: readonly string[]): number {
  return files.reduce((n, f) => n + statSync(f).size, 0);
}
