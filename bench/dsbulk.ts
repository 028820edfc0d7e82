/**
 * The read ceiling: DataStax Bulk Loader 1.10.0 `unload` (the reference tool for reading a
 * whole Cassandra table fast) against our `migrate` into the counting sink, on the same
 * `users` table, runs alternated (order rotated each round) after an uncounted warm-up of
 * each, every run a fresh process measured the same way (GNU time: wall, CPU, peak RSS).
 *
 * DSBulk is not on npm and its tarball is not on Maven Central; its module jars are, so
 * bench/dsbulk/pom.xml resolves them with Maven once and the classpath is cached in
 * .cache/dsbulk-1.10.0/ (git-ignored). DSBulk writes CSV files into a temporary folder,
 * deleted after each run; our side converts every row and writes it over HTTP to the sink.
 *
 *   npm run bench:dsbulk -- --rows 1000000 --runs 2 --threads 2
 */
import '../src/node-warnings.js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { CLI, figures, machine, measureCommand, summaryLine } from './measure.js';

export const DSBULK_VERSION = '1.10.0';
export const DSBULK_MAIN_CLASS = 'com.datastax.oss.dsbulk.runner.DataStaxBulkLoader';
const POM = path.join(PACKAGE_ROOT, 'bench', 'dsbulk', 'pom.xml');
const CACHE_DIR = path.join(process.env.CASS2DDB_CACHE_DIR ?? path.join(PACKAGE_ROOT, '.cache'), `dsbulk-${DSBULK_VERSION}`);
const CLASSPATH_FILE = path.join(CACHE_DIR, 'classpath.txt');
/** sha256 of the pom the cached classpath was resolved from. */
const STAMP_FILE = path.join(CACHE_DIR, 'pom.sha256');

const stderrLog = (l: string): void => void process.stderr.write(`${l}\n`);

/** $CASS2DDB_JAVA_HOME, else $JAVA_HOME, else the Debian Java 17, else `java` on PATH (as scripts/services does). */
function javaBin(): string {
  for (const home of [process.env.CASS2DDB_JAVA_HOME, process.env.JAVA_HOME, '/usr/lib/jvm/java-17-openjdk-amd64']) {
    if (home?.trim()) {
      const bin = path.join(home.trim(), 'bin', 'java');
      if (existsSync(bin)) return bin;
    }
  }
  return 'java';
}

function run(command: string, args: readonly string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ status: code ?? 1, output }));
  });
}

/**
 * DSBulk 1.10.0's runtime classpath: resolved once with Maven from bench/dsbulk/pom.xml, then
 * read from .cache/dsbulk-1.10.0/classpath.txt while the pom is unchanged and every jar is there.
 */
export async function dsbulkClasspath(log: (l: string) => void = stderrLog): Promise<string> {
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (existsSync(CLASSPATH_FILE) && existsSync(STAMP_FILE) && readFileSync(STAMP_FILE, 'utf8').trim() === pomHash) {
    const cp = readFileSync(CLASSPATH_FILE, 'utf8').trim();
    if (cp !== '' && cp.split(path.delimiter).every((jar) => existsSync(jar))) return cp;
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${CLASSPATH_FILE}.partial`;
  log(`dsbulk: resolving DataStax Bulk Loader ${DSBULK_VERSION} with Maven from ${path.relative(PACKAGE_ROOT, POM)} (the first time downloads ~35 MB of jars)`);
  const t0 = performance.now();
  const r = await run('mvn', ['-q', '-B', '-ntp', '-f', POM, 'dependency:build-classpath', '-Dmdep.includeScope=runtime', `-Dmdep.outputFile=${partial}`]).catch((e: Error) => {
    throw new Error(`dsbulk: cannot run mvn (Apache Maven is needed to fetch DSBulk from Maven Central: apt-get install maven): ${e.message}`);
  });
  if (r.status !== 0 || !existsSync(partial)) throw new Error(`dsbulk: Maven failed (exit ${r.status}):\n${r.output.slice(-3000)}`);
  const cp = readFileSync(partial, 'utf8').trim();
  const jars = cp.split(path.delimiter);
  if (!jars.some((j) => path.basename(j) === `dsbulk-runner-${DSBULK_VERSION}.jar`)) throw new Error(`dsbulk: the resolved classpath has no dsbulk-runner-${DSBULK_VERSION}.jar: ${cp.slice(0, 500)}`);
  renameSync(partial, CLASSPATH_FILE);
  writeFileSync(STAMP_FILE, `${pomHash}\n`);
  log(`dsbulk: ${jars.length} jars, classpath cached in ${path.relative(PACKAGE_ROOT, CLASSPATH_FILE)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return cp;
}

/** `host:port` (or a bare host, port 9042) as DSBulk's -h and -port. */
function hostPort(contactPoint: string): { host: string; port: string } {
  const m = /^(.*):(\d+)$/.exec(contactPoint);
  return m === null ? { host: contactPoint, port: '9042' } : { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: m[2]! };
}

/**
 * DSBulk's final console report, e.g.
 *    total | failed | rows/s | p50ms |  p99ms | p999ms
 *   50,000 |      0 | 15,863 | 79.26 | 427.82 | 427.82
 * The last such pair wins (it prints one at the end of the operation).
 */
export function parseDsbulkSummary(output: string): { total: number; failed: number; rowsPerSec: number } | undefined {
  const lines = output.split(/\r?\n/);
  for (let i = lines.length - 2; i >= 0; i--) {
    const header = lines[i]!.split('|').map((c) => c.trim());
    if (header[0] !== 'total' || header[1] !== 'failed') continue;
    const cells = lines[i + 1]!.split('|').map((c) => Number(c.trim().replace(/,/g, '')));
    const at = (name: string): number => cells[header.indexOf(name)] ?? Number.NaN;
    const r = { total: at('total'), failed: at('failed'), rowsPerSec: at('rows/s') };
    if (Number.isFinite(r.total) && Number.isFinite(r.failed)) return r;
  }
  return undefined;
}

export interface DsbulkUnloadOptions {
  contactPoint: string;
  keyspace: string;
  table: string;
  expectedRows: number;
  /** CSV files DSBulk writes at once (--connector.csv.maxConcurrentFiles); default 2. */
  maxConcurrentFiles?: number;
  localDc?: string;
}

export interface DsbulkUnloadResult {
  rows: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** DSBulk's own rows/s: the operation only, without JVM start, connecting and shutdown. */
  reportedRowsPerSec: number;
  /** Size of the CSV it wrote (deleted since). */
  csvBytes: number;
  csvFiles: number;
}

/** The DSBulk command-line options of one unload (after `unload`); exported for the report. */
export function dsbulkUnloadArgs(o: DsbulkUnloadOptions, csvDir: string, logDir: string): string[] {
  const { host, port } = hostPort(o.contactPoint);
  return [
    '-h', host, '-port', port, '-dc', o.localDc ?? 'datacenter1',
    '-k', o.keyspace, '-t', o.table,
    '-url', csvDir, '-header', 'false',
    '--connector.csv.maxConcurrentFiles', String(o.maxConcurrentFiles ?? 2),
    '--executor.continuousPaging.enabled', 'false',
    '--datastax-java-driver.advanced.metadata.schema.refreshed-keyspaces', `["${o.keyspace}"]`,
    '-maxErrors', '0',
    '--log.directory', logDir,
    '--log.ansiMode', 'disabled',
  ];
}

/** One `dsbulk unload` of the table into CSV files in a temporary folder, measured; throws unless every row came out. */
export async function runDsbulkUnload(o: DsbulkUnloadOptions): Promise<DsbulkUnloadResult> {
  const cp = await dsbulkClasspath();
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-dsbulk-'));
  const csvDir = path.join(work, 'csv');
  try {
    const m = await measureCommand(javaBin(), ['-cp', cp, DSBULK_MAIN_CLASS, 'unload', ...dsbulkUnloadArgs(o, csvDir, path.join(work, 'logs'))]);
    const output = `${m.stdout}\n${m.stderr}`;
    if (m.status !== 0) throw new Error(`dsbulk unload of ${o.keyspace}.${o.table} exited with ${m.status}:\n${output.slice(-3000)}`);
    const s = parseDsbulkSummary(output);
    if (s === undefined) throw new Error(`dsbulk unload: no "total | failed | rows/s" report in its output:\n${output.slice(-3000)}`);
    if (s.failed !== 0 || s.total !== o.expectedRows) throw new Error(`dsbulk unload of ${o.keyspace}.${o.table}: ${s.total} rows (${s.failed} failed), expected ${o.expectedRows}`);
    const files = existsSync(csvDir) ? readdirSync(csvDir).filter((f) => f.endsWith('.csv')) : [];
    const csvBytes = files.reduce((sum, f) => sum + statSync(path.join(csvDir, f)).size, 0);
    if (o.expectedRows > 0 && csvBytes === 0) throw new Error(`dsbulk unload reported ${s.total} rows but wrote no CSV into ${csvDir}`);
    return { rows: s.total, wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, peakRssMiB: m.peakRssMiB, reportedRowsPerSec: s.rowsPerSec, csvBytes, csvFiles: files.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The benchmark (only when this file is the program).

function isMain(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '2' },
      threads: { type: 'string', default: String(os.availableParallelism()) },
      keyspace: { type: 'string', default: 'bench_read' },
    },
  });
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const threads = Number(values.threads);
  const keyspace = values.keyspace;
  for (const [name, v] of [['--rows', rows], ['--runs', runs], ['--threads', threads]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
  }

  // Loaded here, not at the top, so importing this module for its functions stays light.
  const { default: cassandra } = await import('cassandra-driver');
  const { CONTACT_POINT, ensureBenchServices, ensureUsersTable } = await import('./common.js');
  const { startSinkProcess } = await import('./sink-process.js');

  await ensureBenchServices(false);
  await dsbulkClasspath();
  const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
  await client.connect();
  let table: string;
  try {
    table = await ensureUsersTable(client, keyspace, rows, threads);
  } finally {
    await client.shutdown();
  }

  const sink = await startSinkProcess({ describeKeySchema: { hash: ['id', 'S'] } });
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-dsbulk-migrate-'));
  let checkpoints = 0;

  interface Run { tool: 'dsbulk' | 'migrate'; rows: number; wallSeconds: number; cpuSeconds: number; peakRssMiB: number; reportedRowsPerSec: number }

  const dsbulk = async (): Promise<Run> => {
    const r = await runDsbulkUnload({ contactPoint: CONTACT_POINT, keyspace, table, expectedRows: rows, maxConcurrentFiles: threads });
    process.stderr.write(`  dsbulk unload: ${fmt(r.rows)} rows in ${r.wallSeconds.toFixed(1)} s wall (DSBulk reports ${fmt(r.reportedRowsPerSec)} rows/s), CPU ${r.cpuSeconds.toFixed(1)} s, peak RSS ${fmt(r.peakRssMiB)} MiB, ${r.csvFiles} CSV files, ${(r.csvBytes / 2 ** 20).toFixed(1)} MiB (deleted)\n`);
    return { tool: 'dsbulk', ...r };
  };
  const migrate = async (): Promise<Run> => {
    const checkpoint = path.join(work, `migrate-${++checkpoints}.json`);
    const m = await measureCommand(process.execPath, [CLI, 'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table,
      '--target-table', 'users', '--endpoint-url', sink.url, '--threads', String(threads), '--json', '--checkpoint', checkpoint]);
    const summary = summaryLine(m.stdout);
    if (m.status !== 0 || summary?.status !== 'completed') throw new Error(`migrate exited with ${m.status}: ${JSON.stringify(summary)}\n${m.stderr.slice(-3000)}`);
    const written = summary.itemsWritten;
    if (written !== rows) throw new Error(`migrate wrote ${String(written)} items, expected ${rows}`);
    rmSync(checkpoint, { force: true });
    const durationMs = Number(summary.durationMs);
    const r: Run = { tool: 'migrate', rows, wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, peakRssMiB: m.peakRssMiB, reportedRowsPerSec: durationMs > 0 ? rows / (durationMs / 1000) : Number.NaN };
    process.stderr.write(`  migrate: ${fmt(rows)} items in ${r.wallSeconds.toFixed(1)} s wall (it reports ${fmt(r.reportedRowsPerSec)} rows/s), CPU ${r.cpuSeconds.toFixed(1)} s, peak RSS ${fmt(r.peakRssMiB)} MiB\n`);
    return r;
  };

  const results: Run[] = [];
  try {
    process.stderr.write(`warm-up (not counted): one DSBulk unload and one migrate of ${keyspace}.${table}\n`);
    await dsbulk();
    await migrate();
    for (let round = 0; round < runs; round++) {
      const order = round % 2 === 0 ? [dsbulk, migrate] : [migrate, dsbulk];
      process.stderr.write(`round ${round + 1}/${runs}\n`);
      for (const side of order) results.push(await side());
    }
  } finally {
    sink.close();
    rmSync(work, { recursive: true, force: true });
  }

  const label = {
    dsbulk: `DSBulk ${DSBULK_VERSION} unload → CSV files on local disk (/tmp, deleted after)`,
    migrate: `cass2ddb-fast migrate --threads ${threads} → counting sink (HTTP, child process)`,
  };
  const rate = (r: Run): number => r.rows / r.wallSeconds;
  const cpuPerRow = (r: Run): number => (r.cpuSeconds * 1e6) / r.rows;
  const med = (tool: Run['tool'], f: (r: Run) => number): number => median(results.filter((r) => r.tool === tool).map(f));
  const ratioRate = med('migrate', rate) / med('dsbulk', rate);
  const ratioCpu = med('migrate', cpuPerRow) / med('dsbulk', cpuPerRow);
  const ratioReported = med('migrate', (r) => r.reportedRowsPerSec) / med('dsbulk', (r) => r.reportedRowsPerSec);

  const lines = [
    `## read ceiling — DSBulk ${DSBULK_VERSION} unload vs migrate into the sink`,
    '',
    `${machine()}, ${new Date().toISOString()}; Cassandra 5.0.9 single node on the same machine (it shares the cores), \`users\` model, ${fmt(rows)} rows in \`${keyspace}.${table}\`.`,
    '',
    '```bash',
    `npm run bench:dsbulk -- --rows ${rows} --runs ${runs} --threads ${threads}`,
    '```',
    '',
    'Each run is a fresh process measured by GNU time (wall, user + system CPU, peak RSS), after one uncounted warm-up of each tool; order rotated each round. ' +
      `DSBulk: the jars of the 1.10.0 release from Maven Central, \`${DSBULK_MAIN_CLASS} unload\` with ${threads} CSV files at once, continuous paging off (not DSE), ` +
      'otherwise its defaults (splits 8C, maxConcurrentQueries AUTO, page size 5000, 8 connections, LOCAL_ONE). ' +
      'Ours converts every row to a DynamoDB item and writes it with BatchWriteItem to the counting sink (a DynamoDB stand-in in a child process, whose CPU is not counted but takes the same 2 cores). ' +
      'rows/s is rows ÷ wall seconds of the whole process (JVM or Node start, connecting, shutdown included); "reported rows/s" is the tool\'s own figure for the copy alone.',
    '',
    '| tool | rows | wall s | rows/s | reported rows/s | CPU s | client CPU µs/row | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${label[r.tool]} | ${fmt(r.rows)} | ${r.wallSeconds.toFixed(1)} | ${fmt(rate(r))} | ${fmt(r.reportedRowsPerSec)} | ${r.cpuSeconds.toFixed(1)} | ${cpuPerRow(r).toFixed(1)} | ${fmt(r.peakRssMiB)} |`),
    '',
    `Medians over ${runs} run${runs === 1 ? '' : 's'} each: DSBulk unload ${fmt(med('dsbulk', rate))} rows/s at ${med('dsbulk', cpuPerRow).toFixed(1)} CPU µs/row (peak RSS ${fmt(med('dsbulk', (r) => r.peakRssMiB))} MiB); ` +
      `migrate ${fmt(med('migrate', rate))} rows/s at ${med('migrate', cpuPerRow).toFixed(1)} CPU µs/row (peak RSS ${fmt(med('migrate', (r) => r.peakRssMiB))} MiB).`,
    '',
    `Ours / DSBulk: rows/s ${ratioRate.toFixed(2)}× (migrate ${ratioRate >= 1 ? 'faster' : 'slower'} end to end, while also writing every row to DynamoDB), ` +
      `CPU per row ${ratioCpu.toFixed(2)}× (${ratioCpu <= 1 ? 'less' : 'more'} CPU per row than DSBulk); by the tools' own reported rates ${ratioReported.toFixed(2)}×.`,
    figures({
      readRatio: ratioRate, readCpuRatio: ratioCpu, dsbulkRowsPerSec: med('dsbulk', rate), migrateRowsPerSec: med('migrate', rate),
      dsbulkCpuMicrosPerRow: med('dsbulk', cpuPerRow), migrateCpuMicrosPerRow: med('migrate', cpuPerRow),
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (isMain()) await main();
