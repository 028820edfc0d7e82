/**
 * `npm run bench`: every benchmark, one after the other on a quiet machine, each in its own
 * process, and bench/RESULTS.md written from what this run measured — nothing carried over.
 * The sections start the local databases they need (scripts/services.mjs).
 *
 *   npm run bench                        # everything, about 45 minutes on 2 cores
 *   npm run bench -- --only micro,dsbulk # some sections (RESULTS.md is then not written unless --out)
 *   npm run bench -- --out /tmp/r.md     # write elsewhere
 *
 * A section that fails is reported in the file with its exit status and the end of its output,
 * the others still run, and the command exits 1.
 */
import '../src/node-warnings.js';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { machine, readFigures } from './measure.js';

interface Section {
  readonly id: string;
  readonly title: string;
  readonly script: string;
  readonly args: readonly string[];
}

const THREADS = String(Math.min(2, os.availableParallelism()));
const SECTIONS: readonly Section[] = [
  { id: 'micro', title: 'micro benchmarks', script: 'micro', args: [] },
  { id: 'profile', title: 'where the time goes', script: 'profile', args: ['--rows', '1000000', '--all-types-rows', '100000', '--threads', THREADS] },
  { id: 'dsbulk', title: 'read ceiling: DSBulk unload vs migrate', script: 'dsbulk', args: ['--rows', '1000000', '--runs', '3', '--threads', THREADS] },
  { id: 'sdk-baseline', title: 'plain AWS SDK v3 script vs migrate', script: 'sdk-baseline', args: ['--rows', '1000000', '--runs', '1', '--threads', THREADS, '--local-rows', '100000'] },
  { id: 'writer', title: 'write ceiling: the writer alone', script: 'writer', args: ['--items', '200000', '--local-items', '100000', '--in-flight', '16'] },
  { id: 'ddb-write', title: 'DynamoDB write path per request', script: 'ddb-write', args: ['--requests', '3000', '--concurrency', '1,16', '--rounds', '3'] },
  { id: 'migrate', title: 'migrate beside the seed tool\'s way, and into DynamoDB Local', script: 'migrate', args: ['--rows', '1000000', '--threads', THREADS, '--baseline-rows', '20000', '--local-rows', '100000', '--keyspace', 'bench_read'] },
  { id: 'scaling', title: 'scaling over --threads with peak RSS', script: 'memory', args: ['--rows', '1000000', '--threads', '1,2,4,8,16', '--keyspace', 'bench_read'] },
  { id: 'coord', title: 'migrate --coordinator: N processes on one job', script: 'coord', args: ['--rows', '300000', '--processes', '1,2,4', '--threads', THREADS, '--runs', '1', '--keyspace', 'bench_read'] },
  { id: 'verify', title: 'verify beside migrate', script: 'verify', args: ['--rows', '1000000', '--threads', THREADS, '--keyspace', 'bench_read'] },
  { id: 'populate', title: 'populate beside one INSERT at a time', script: 'populate', args: ['--rows', '1000000', '--threads', THREADS, '--baseline-rows', '20000'] },
  { id: 'throttle', title: 'throttling', script: 'throttle', args: ['--rows', '200000', '--capacity', '2000,10000', '--threads', THREADS, '--repeat', '3'] },
  { id: 'monitor', title: 'monitor', script: 'monitor', args: ['--events', '200000', '--threads', THREADS, '--runs', '2'] },
];

interface Outcome {
  readonly section: Section;
  readonly status: number;
  readonly seconds: number;
  readonly stdout: string;
  readonly stderrTail: string;
}

async function runSection(s: Section): Promise<Outcome> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'bench', `${s.script}.js`), ...s.args], {
    cwd: PACKAGE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    process.stderr.write(`[${s.id}] ${c.toString().replace(/\n(?=.)/g, `\n[${s.id}] `)}`);
  });
  const status = await new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  return { section: s, status, seconds: (performance.now() - t0) / 1000, stdout, stderrTail: stderr.split('\n').slice(-30).join('\n') };
}

/** The section's markdown: as printed when it starts with a heading, else under one with its command. */
function markdownOf(o: Outcome): string {
  const command = `npm run bench:${o.section.script} -- ${o.section.args.join(' ')}`.trim();
  if (o.status !== 0) {
    return [`## ${o.section.title} — FAILED (exit ${o.status} after ${o.seconds.toFixed(0)} s)`, '', '```bash', command, '```', '', '```', o.stderrTail, '```', ''].join('\n');
  }
  const out = o.stdout.trim();
  const body = out.startsWith('## ') ? out : [`## ${o.section.title}`, '', '```bash', command, '```', '', out].join('\n');
  return `${body}\n\n_Section time: ${o.seconds.toFixed(0)} s._\n`;
}

const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(100 * x).toFixed(1)} %`);
const num = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? '**met**' : '**missed**');

/** The issue's goals, each against this run's figure. */
function goals(f: Record<string, number>): string {
  const rows: Array<[string, string, string, boolean | undefined]> = [
    ['read: migrate into the sink vs DSBulk 1.10.0 unload, rows/s (median)', `${num(f.readRatio, 2)}× (${num(f.migrateRowsPerSec, 0)} vs ${num(f.dsbulkRowsPerSec, 0)} rows/s)`, '≥ 1.0×', f.readRatio === undefined ? undefined : f.readRatio >= 1],
    ['client CPU per users row into the sink (1M rows, whole process)', `${num(f.usersCpuMicrosPerRow)} µs (DSBulk: ${num(f.dsbulkCpuMicrosPerRow)} µs)`, '≤ 15 µs', f.usersCpuMicrosPerRow === undefined ? undefined : f.usersCpuMicrosPerRow <= 15],
    ['migrate vs a plain AWS SDK v3 script, into the sink, rows/s', `${num(f.sdkScriptRatio)}× (${num(f.sdkScriptCpuRatio)}× less CPU per row)`, '≥ 5×', f.sdkScriptRatio === undefined ? undefined : f.sdkScriptRatio >= 5],
    ['peak RSS, migrate --threads 16, 1M rows', `${num(f.rss_1000000_16, 0)} MiB (--threads 2: ${num(f.rss_1000000_2, 0)} MiB)`, '≤ 600 MiB', f.rss_1000000_16 === undefined ? undefined : f.rss_1000000_16 <= 600],
    ['--threads 16 vs --threads 2 rows/s on 2 cores', `${num(f.rps_1000000_16, 0)} vs ${num(f.rps_1000000_2, 0)}`, 'not slower', f.rps_1000000_16 === undefined || f.rps_1000000_2 === undefined ? undefined : f.rps_1000000_16 >= 0.95 * f.rps_1000000_2],
    ['write path: client CPU per 25-item BatchWriteItem at 16 in flight', `${num(f.leanMicrosPerRequest, 0)} µs`, '≤ 100 µs', f.leanMicrosPerRequest === undefined ? undefined : f.leanMicrosPerRequest <= 100],
    ['2,000 WCU table: lowest share of capacity achieved over the runs', pct(f.achievedMin_2000), '≥ 95 %', f.achievedMin_2000 === undefined ? undefined : f.achievedMin_2000 >= 0.95],
    ['2,000 WCU table: highest share of requests throttled over the runs', pct(f.throttledMax_2000), '≤ 3 %', f.throttledMax_2000 === undefined ? undefined : f.throttledMax_2000 <= 0.03],
    ['10,000 WCU table (the 2,000 targets applied; not in the issue\'s table): capacity achieved / requests throttled, worst run', `${pct(f.achievedMin_10000)} / ${pct(f.throttledMax_10000)}`, '≥ 95 % / ≤ 3 %', f.achievedMin_10000 === undefined ? undefined : f.achievedMin_10000 >= 0.95 && (f.throttledMax_10000 ?? 1) <= 0.03],
  ];
  return ['| goal | this run | target | |', '|---|---|---|---|', ...rows.map(([g, v, t, ok]) => `| ${g} | ${v} | ${t} | ${verdict(ok)} |`)].join('\n');
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string' } } });
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((id) => !SECTIONS.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.id).join(', ')}\n`);
  process.exit(64);
}
const chosen = only === undefined ? SECTIONS : SECTIONS.filter((s) => only.includes(s.id));
const started = new Date();
const t0 = performance.now();
const outcomes: Outcome[] = [];
for (const s of chosen) {
  process.stderr.write(`\n== bench ${s.id}: node dist/bench/${s.script}.js ${s.args.join(' ')}\n`);
  const o = await runSection(s);
  process.stderr.write(`== bench ${s.id}: exit ${o.status} after ${o.seconds.toFixed(0)} s\n`);
  outcomes.push(o);
}
const minutes = (performance.now() - t0) / 60_000;
const figures = Object.assign({}, ...outcomes.map((o) => readFigures(o.stdout))) as Record<string, number>;
const failed = outcomes.filter((o) => o.status !== 0);

const doc = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\`${only === undefined ? '' : ` -- --only ${only.join(',')}`} on ${started.toISOString()} (commit ${commit()}), in ${minutes.toFixed(0)} minutes; every figure below comes from that run.`,
  `Machine: ${machine()}, load average at the start ${os.loadavg()[0]?.toFixed(1)}; Cassandra 5.0.9 (one node) and DynamoDB Local 3.1.0 on the same cores, started by scripts/services.mjs.`,
  'Machines here are shared and noisy: each whole-run figure stands beside its baseline measured in the same run.',
  failed.length === 0 ? '' : `\n**${failed.length} section(s) failed**: ${failed.map((o) => o.section.id).join(', ')} (see below).`,
  '',
  '## Goals (issue 10) against this run',
  '',
  goals(figures),
  '',
  ...outcomes.map(markdownOf),
].join('\n');

const out = values.out ?? (only === undefined ? path.join(PACKAGE_ROOT, 'bench', 'RESULTS.md') : undefined);
if (out !== undefined) {
  writeFileSync(out, doc);
  process.stderr.write(`\nbench: wrote ${out} (${outcomes.length} sections, ${failed.length} failed, ${minutes.toFixed(0)} min)\n`);
} else {
  process.stdout.write(doc);
}
process.exit(failed.length === 0 ? 0 : 1);
