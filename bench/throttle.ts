/**
 * Throughput control against a throttling table: cass2ddb-fast migrate through the capacity
 * proxy (a token bucket of N write units per second in front of the counting sink, in a child
 * process) beside the baseline in the same run — a plain AWS SDK v3 client in
 * retryMode 'adaptive' writing the same number of items through the same kind of proxy.
 * Prints, after warm-up: achieved units/s as a share of capacity (target ≥ 95 %), share of
 * requests throttled (target ≤ 3 %), items lost (must be 0).
 *
 *   npm run bench:throttle -- --rows 200000 --capacity 2000,10000 --threads 2
 */
import '../src/node-warnings.js';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { CONTACT_POINT, ensureBenchServices, ensureUsersTable, fmt, tool } from './common.js';
import { figures, machine } from './measure.js';
import { proxyWindow, runSdkAdaptiveBaseline, startThrottledSinkProcess } from './throttle-baseline.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    capacity: { type: 'string', default: '2000,10000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    keyspace: { type: 'string', default: 'bench_migrate' },
    'warmup-seconds': { type: 'string', default: '3' },
    'skip-baseline': { type: 'boolean', default: false },
    /** Runs of ours per capacity, for the spread. */
    repeat: { type: 'string', default: '1' },
  },
});
const rows = Number(values.rows);
const capacities = values.capacity.split(',').map(Number);
const threads = Number(values.threads);
const warmup = Number(values['warmup-seconds']);
const repeat = Math.max(1, Number(values.repeat));
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-throttle-'));

await ensureBenchServices(false);
const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
await client.connect();
const table = await ensureUsersTable(client, values.keyspace, rows, threads);
await client.shutdown();

interface Row { run: string; wcu: number; seconds: number; ofCapacity: number; throttledShare: number; wholeShare: number; throttledAll: number; requests: number; lost: number }
const results: Row[] = [];

for (const capacity of capacities) {
  // ours, `repeat` times
  for (let run = 1; run <= repeat; run++) {
    const sink = await startThrottledSinkProcess({ writeUnitsPerSecond: capacity, burstSeconds: 1 });
    await sink.resetStats();
    const t0 = performance.now();
    const r = await tool(['migrate', '--contact-points', CONTACT_POINT, '--keyspace', values.keyspace, '--table', table, '--target-table', 'users',
      '--endpoint-url', sink.url, '--threads', String(threads), '--json', '--checkpoint', path.join(work, `ours-${capacity}-${run}.json`)]);
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`migrate failed: ${r.stderr}`);
    const { proxy, sink: counted } = await sink.stats();
    sink.close();
    const w = proxyWindow(proxy, warmup, 1);
    results.push({
      run: `cass2ddb-fast migrate --threads ${threads}${repeat > 1 ? ` (run ${run})` : ''}`, wcu: capacity, seconds, ofCapacity: w.unitsPerSecond / capacity,
      throttledShare: w.throttledShare, wholeShare: w.wholeShare, throttledAll: (proxy.throttledRequests + proxy.partlyThrottledRequests) / proxy.requests,
      requests: proxy.requests, lost: rows - counted.items,
    });
  }
  // baseline
  if (!values['skip-baseline']) {
    const sink = await startThrottledSinkProcess({ writeUnitsPerSecond: capacity, burstSeconds: 1 });
    await sink.resetStats();
    const r = await runSdkAdaptiveBaseline({ endpoint: sink.url, table: 'users', items: rows, concurrency: 16, warmupSeconds: warmup });
    const { proxy, sink: counted } = await sink.stats();
    sink.close();
    const w = proxyWindow(proxy, warmup, 1);
    results.push({
      run: 'baseline: AWS SDK v3 retryMode adaptive, 16 senders', wcu: capacity, seconds: r.seconds, ofCapacity: w.unitsPerSecond / capacity,
      throttledShare: w.throttledShare, wholeShare: w.wholeShare, throttledAll: (proxy.throttledRequests + proxy.partlyThrottledRequests) / proxy.requests,
      requests: proxy.requests, lost: rows - counted.items,
    });
  }
}
rmSync(work, { recursive: true, force: true });

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
console.log('## throttling — the adaptive rate against a table of fixed capacity\n');
console.log(`${machine()}, ${new Date().toISOString()}, load ${os.loadavg()[0]?.toFixed(1)}\n`);
console.log('```bash');
console.log(`npm run bench:throttle -- --rows ${rows} --capacity ${capacities.join(',')} --threads ${threads} --repeat ${repeat}${values['skip-baseline'] ? ' --skip-baseline' : ''}`);
console.log('```\n');
console.log(`${fmt(rows)} users items per run through the capacity proxy (1 s burst) in front of the counting sink; shares after ${warmup} s of warm-up\n`);
console.log('| run | WCU | wall s | achieved of capacity | requests throttled (400 + partial) | of which whole 400s | throttled incl. warm-up | requests | items lost |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.run} | ${fmt(r.wcu)} | ${r.seconds.toFixed(1)} | ${pct(r.ofCapacity)} | ${pct(r.throttledShare)} | ${pct(r.wholeShare)} | ${pct(r.throttledAll)} | ${fmt(r.requests)} | ${fmt(r.lost)} |`);
const ours = results.filter((r) => r.run.startsWith('cass2ddb-fast'));
for (const capacity of capacities) {
  const mine = ours.filter((r) => r.wcu === capacity);
  const range = (f: (r: Row) => number) => `${pct(Math.min(...mine.map(f)))}–${pct(Math.max(...mine.map(f)))}`;
  console.log(`\nAt ${fmt(capacity)} WCU over ${mine.length} run${mine.length === 1 ? '' : 's'}: achieved ${range((r) => r.ofCapacity)} of capacity (goal ≥ 95 % in every run), ${range((r) => r.throttledShare)} of requests throttled (goal ≤ 3 %), ${fmt(mine.reduce((a, r) => a + r.lost, 0))} items lost.`);
}
console.log(figures(Object.fromEntries(capacities.flatMap((c) => {
  const mine = ours.filter((r) => r.wcu === c);
  return [[`achievedMin_${c}`, Math.min(...mine.map((r) => r.ofCapacity))], [`throttledMax_${c}`, Math.max(...mine.map((r) => r.throttledShare))]];
}))));
