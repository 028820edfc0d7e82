/**
 * Runs a command in a child process under GNU time and reports what it cost: wall seconds,
 * CPU seconds (user + system, children included) and peak RSS. Used by the whole-run
 * benchmarks that compare our binary with other tools (DSBulk, a plain SDK script), so both
 * sides are measured the same way.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/package-info.js';

/** The built command line tool. */
export const CLI = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');

export interface Measured {
  readonly status: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs `command args` to its end; never throws for a non-zero status (see `status`). */
export async function measureCommand(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Measured> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is needed to measure CPU and peak RSS of a child process (apt-get install time)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-measure-'));
  const out = path.join(dir, 'time.txt');
  try {
    const child = spawn(GNU_TIME, ['-o', out, '-f', '%e %U %S %M', command, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const status = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
    const line = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
    const [wall, user, sys, rssKiB] = line.split(' ').map(Number) as [number, number, number, number];
    if (![wall, user, sys, rssKiB].every(Number.isFinite)) throw new Error(`cannot read GNU time's output: ${line}`);
    return { status, wallSeconds: wall, cpuSeconds: user + sys, peakRssMiB: rssKiB / 1024, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The machine, for a section's heading: "2 × AMD EPYC …, 24 GiB, Node v20.20.2". */
export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/**
 * A section's headline figures for `npm run bench` (bench/all.ts), as an HTML comment that a
 * rendered RESULTS.md does not show: `<!-- figures {"name": value, …} -->`.
 */
export function figures(values: Record<string, number>): string {
  return `<!-- figures ${JSON.stringify(values)} -->`;
}

/** The figures comments of an output, merged. */
export function readFigures(markdown: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of markdown.matchAll(/<!-- figures (\{.*?\}) -->/g)) Object.assign(out, JSON.parse(m[1] as string) as Record<string, number>);
  return out;
}

/** Rows of strings as a markdown table; columns whose name ends in a unit or count are right-aligned. */
export function markdownTable(rows: readonly Record<string, string>[]): string {
  const first = rows[0];
  if (first === undefined) return '';
  const cols = Object.keys(first);
  const numeric = (c: string): boolean => rows.every((r) => /^[-\d.,% ×]+$|^-$/.test(r[c] ?? ''));
  return [
    `| ${cols.join(' | ')} |`,
    `|${cols.map((c) => (numeric(c) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${cols.map((c) => r[c] ?? '').join(' | ')} |`),
  ].join('\n');
}

/** The last JSON line of an output that has `"event":"summary"`. */
export function summaryLine(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.split('\n').filter((l) => l.includes('"event":"summary"')).pop();
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
}
