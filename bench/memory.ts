/**
 * Peak memory and speed of `migrate` over --threads, on `users` tables of several sizes, into
 * the counting sink (a DynamoDB stand-in in a child process): the built binary in a subprocess,
 * its peak RSS read from /proc/<pid>/status (VmHWM, sampled every 100 ms until it exits).
 * Memory must not grow with the table, only with --threads.
 *
 *   npm run bench:memory -- --rows 1000000,3000000 --threads 2,16
 */
import '../src/node-warnings.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { startSinkProcess } from './sink-process.js';
import { CONTACT_POINT, ensureBenchServices, ensureUsersTable, fmt } from './common.js';
import { figures } from './measure.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,3000000' },
    threads: { type: 'string', default: '2,16' },
    keyspace: { type: 'string', default: 'bench_memory' },
  },
});
const sizes = values.rows.split(',').map(Number);
const threadCounts = values.threads.split(',').map(Number);
const BIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));

await ensureBenchServices(false);
const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
await client.connect();
const sink = await startSinkProcess({ describeKeySchema: { hash: ['id', 'S'] } });

interface Row { rows: number; threads: number; layout: string; seconds: number; rowsPerSec: number; peakRssMiB: number }
const results: Row[] = [];

/** The peak resident set of a live process, in bytes (VmHWM), or 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

async function run(table: string, rows: number, threads: number): Promise<void> {
  const args = [
    BIN, 'migrate', '--contact-points', CONTACT_POINT, '--keyspace', values.keyspace, '--table', table,
    '--target-table', `mem_${rows}_${threads}_${Date.now()}`, '--endpoint-url', sink.url, '--threads', String(threads),
    '--checkpoint', path.join(work, `${rows}-${threads}-${Date.now()}.json`), '--json',
  ];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!))), 100);
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = events.find((e) => e.event === 'summary');
  const start = events.find((e) => e.event === 'start');
  if (summary?.status !== 'completed' || summary.rowsRead !== rows) throw new Error(`migrate --threads ${threads} of ${rows} rows: ${JSON.stringify(summary)} ${err.slice(-500)}`);
  const durationS = (summary.durationMs as number) / 1000;
  results.push({
    rows, threads, seconds,
    layout: `${String(start?.workerThreads)} × ${String(start?.tasksPerThread)}`,
    rowsPerSec: rows / durationS,
    peakRssMiB: peak / 1048576,
  });
  const r = results.at(-1)!;
  process.stderr.write(`${fmt(rows)} rows, --threads ${threads} (${r.layout}): ${fmt(r.rowsPerSec)} rows/s, peak RSS ${fmt(r.peakRssMiB)} MiB\n`);
}

try {
  for (const rows of sizes) {
    const table = await ensureUsersTable(client, values.keyspace, rows, 2);
    for (const threads of threadCounts) await run(table, rows, threads);
  }
} finally {
  sink.close();
  await client.shutdown();
  rmSync(work, { recursive: true, force: true });
}

const lines = [
  `## migrate memory over --threads (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version})`,
  '',
  '```',
  `npm run bench:memory -- --rows ${values.rows} --threads ${values.threads}`,
  '```',
  '',
  '| rows | --threads | worker threads × ranges each | rows/s | peak RSS |',
  '|---:|---:|---|---:|---:|',
  ...results.map((r) => `| ${fmt(r.rows)} | ${r.threads} | ${r.layout} | ${fmt(r.rowsPerSec)} | ${fmt(r.peakRssMiB)} MiB |`),
  '',
  'Into the counting sink (a DynamoDB stand-in in a child process); peak RSS of the whole `migrate` process from `/proc/<pid>/status` (VmHWM). ' +
    '`--threads N` is the number of ranges copied at once, on at most one worker thread per core.',
  figures(Object.fromEntries(results.map((r) => [`rss_${r.rows}_${r.threads}`, r.peakRssMiB]).concat(results.map((r) => [`rps_${r.rows}_${r.threads}`, r.rowsPerSec])))),
];
process.stdout.write(`${lines.join('\n')}\n`);
