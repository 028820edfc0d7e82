/**
 * Whole-run benchmark of `populate`: N users rows through the real binary against the local
 * Cassandra, beside a baseline in the same run — the seed tool's way of populating (one
 * connection, one INSERT at a time, each awaited).
 *
 *   npm run bench:populate -- --rows 1000000 --threads 2 --baseline-rows 20000
 */
import '../src/node-warnings.js';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import cassandra from 'cassandra-driver';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { MODELS } from '../src/populate/models/index.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    'baseline-rows': { type: 'string', default: '20000' },
    keyspace: { type: 'string', default: 'bench_populate' },
  },
});
const rows = Number(values.rows);
const threads = Number(values.threads);
const baselineRows = Number(values['baseline-rows']);
const keyspace = values.keyspace;
const contactPoint = `127.0.0.1:${process.env.CASSANDRA_PORT ?? 9042}`;

const servicesUrl = pathToFileURL(path.join(PACKAGE_ROOT, 'scripts', 'services.mjs')).href;
const { ensureServices } = (await import(servicesUrl)) as { ensureServices: (o: object) => Promise<unknown> };
await ensureServices({ cassandra: true, dynamodb: false, log: (l: string) => process.stderr.write(`[services] ${l}\n`) });

interface Result { name: string; rows: number; seconds: number; rowsPerSec: number; cpuUserSec?: number }

async function runBinary(table: string): Promise<Result> {
  const bin = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
  const args = [bin, 'populate', '--contact-points', contactPoint, '--keyspace', keyspace, '--table', table,
    '--rows', String(rows), '--threads', String(threads), '--json'];
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`populate exited ${code}`);
  const summary = JSON.parse(out.trim().split('\n').filter((l) => l.includes('"summary"')).pop() ?? '{}') as { rowsWritten: number; rowsPerSec: number };
  return { name: `cass2ddb-fast populate --threads ${threads}`, rows: summary.rowsWritten, seconds, rowsPerSec: summary.rowsWritten / seconds };
}

async function runBaseline(table: string): Promise<Result> {
  const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: 'datacenter1' });
  await client.connect();
  const [stmt] = MODELS.users.statements(keyspace, table);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < baselineRows; i++) {
    const [write] = MODELS.users.generate(42, i, { edgeEvery: 20, invalidEvery: 0 });
    await client.execute(stmt!.cql, write!.params.map((v) => v ?? cassandra.types.unset), { prepare: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await client.shutdown();
  return { name: 'baseline: one INSERT at a time (seed tool)', rows: baselineRows, seconds, rowsPerSec: baselineRows / seconds, cpuUserSec: cpu.user / 1e6 };
}

const stamp = Date.now().toString(36);
const setup = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: 'datacenter1' });
await setup.connect();
await setup.execute(`CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
for (const cql of MODELS.users.schema(keyspace, `baseline_${stamp}`)) await setup.execute(cql);

const baseline = await runBaseline(`baseline_${stamp}`);
const ours = await runBinary(`users_${stamp}`);
await setup.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { readTimeout: 120_000 });
await setup.shutdown();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`\npopulate benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log('Cassandra 5.0 single node on the same machine (it shares the two cores)\n');
console.log('| run | rows | wall s | rows/s |');
console.log('|---|---:|---:|---:|');
for (const r of [baseline, ours]) console.log(`| ${r.name} | ${fmt(r.rows)} | ${r.seconds.toFixed(1)} | ${fmt(r.rowsPerSec)} |`);
console.log(`\nspeed-up over the baseline: ${(ours.rowsPerSec / baseline.rowsPerSec).toFixed(1)}×`);
console.log(`reproduce: npm run bench:populate -- --rows ${rows} --threads ${threads} --baseline-rows ${baselineRows}`);
