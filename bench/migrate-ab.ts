/**
 * A/B benchmark of `migrate` into the counting sink: this build against another build of the
 * tool (e.g. the previous commit's), runs alternated on the same table and the same sink, each
 * run a fresh process, so a shared, noisy machine hurts both sides alike. Prints every run, the
 * medians and the ratio.
 *
 *   git worktree add /tmp/prev HEAD~1 && (cd /tmp/prev && ln -s "$OLDPWD/node_modules" node_modules && npx tsc -p tsconfig.build.json)
 *   npm run bench:migrate-ab -- --other /tmp/prev/dist/src/cli.js --rows 500000 --runs 3 --threads 2
 */
import '../src/node-warnings.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { CONTACT_POINT, ensureBenchServices, ensureUsersTable, fmt } from './common.js';
import { startSinkProcess } from './sink-process.js';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    rows: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    keyspace: { type: 'string', default: 'bench_migrate' },
  },
});
if (values.other === undefined) throw new Error('--other <path to the other build\'s dist/src/cli.js> is required');
const rows = Number(values.rows);
const runs = Number(values.runs);
const threads = Number(values.threads);
const builds = [
  { name: 'this build', cli: path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js') },
  { name: `other (${values.other})`, cli: path.resolve(values.other) },
];

await ensureBenchServices(false);
const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 120_000 } });
await client.connect();
const table = await ensureUsersTable(client, values.keyspace, rows, threads);
await client.shutdown();
const sink = await startSinkProcess({ describeKeySchema: { hash: ['id', 'S'] } });
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-ab-'));

/** One migrate in a fresh process; rows/s from wall time, CPU from the child's resource usage. */
function migrate(cli: string, run: string): Promise<{ rowsPerSec: number; cpuMicrosPerRow: number }> {
  const args = [cli, 'migrate', '--contact-points', CONTACT_POINT, '--keyspace', values.keyspace, '--table', table, '--target-table', 'users',
    '--endpoint-url', sink.url, '--threads', String(threads), '--json', '--checkpoint', path.join(work, `${run}.json`)];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // `time -f` would need GNU time; the child reports its own CPU on exit instead.
    const child = spawn(process.execPath, ['--import', 'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("\\nCPU_US "+(u.userCPUTime+u.systemCPUTime)+"\\n")})', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const summary = out.split('\n').filter((l) => l.includes('"event":"summary"')).pop();
      const written = summary === undefined ? 0 : (JSON.parse(summary) as { itemsWritten: number }).itemsWritten;
      if (code !== 0 || written !== rows) return reject(new Error(`${cli}: exit ${code}, ${written} of ${rows} rows: ${err.slice(-500)}`));
      const cpu = Number(/CPU_US (\d+)/.exec(err)?.[1] ?? Number.NaN);
      resolve({ rowsPerSec: rows / seconds, cpuMicrosPerRow: cpu / rows });
    });
  });
}

const results = builds.map(() => [] as Array<{ rowsPerSec: number; cpuMicrosPerRow: number }>);
for (let i = 0; i < runs; i++) {
  // Alternate which build goes first, so warm caches favour neither.
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const b of order) {
    const r = await migrate(builds[b]!.cli, `${b}-${i}`);
    results[b]!.push(r);
    process.stderr.write(`run ${i + 1} ${builds[b]!.name}: ${fmt(r.rowsPerSec)} rows/s, ${r.cpuMicrosPerRow.toFixed(1)} µs CPU/row\n`);
  }
}
sink.close();
rmSync(work, { recursive: true, force: true });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
console.log(`\nmigrate A/B into the counting sink — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`${fmt(rows)} users rows, --threads ${threads}, ${runs} runs each, alternated\n`);
console.log('| build | runs rows/s | median rows/s | median CPU µs/row |');
console.log('|---|---|---:|---:|');
builds.forEach((b, i) => {
  const r = results[i]!;
  console.log(`| ${b.name} | ${r.map((x) => fmt(x.rowsPerSec)).join(', ')} | ${fmt(median(r.map((x) => x.rowsPerSec)))} | ${median(r.map((x) => x.cpuMicrosPerRow)).toFixed(1)} |`);
});
const ratio = median(results[0]!.map((x) => x.rowsPerSec)) / median(results[1]!.map((x) => x.rowsPerSec));
console.log(`\nthis build / other: ${(100 * ratio).toFixed(1)} % of the other's median rows/s`);
console.log(`reproduce: npm run bench:migrate-ab -- --other ${values.other} --rows ${rows} --runs ${runs} --threads ${threads}`);
