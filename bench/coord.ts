/**
 * `migrate --coordinator`: N processes on one job through a DynamoDB lease table, against one
 * process (the baseline, measured in the same run). Every process is the built binary in a
 * subprocess under GNU time, pinned with `taskset -c` to its share of the machine's cores.
 *
 *   npm run bench:coord -- --rows 1000000 --processes 1,2,4 --threads 2 [--runs 1]
 *
 *   rows (users_<rows>)  ──►  N × migrate --coordinator  ──BatchWriteItem──►  counting sink (child process)
 *                                   │
 *                                   └── lease table calls ──►  DynamoDB Local (--coordinator-endpoint-url)
 *
 * The target is the counting sink, which speaks BatchWriteItem and DescribeTable only; the lease
 * table needs conditional writes and queries, so it lives on DynamoDB Local. Each N gets a fresh
 * target table name and a fresh coordination table (deleted after). Pinning on C cores: N ≤ C
 * splits the cores into N contiguous groups (C=2: N=1 → 0-1, N=2 → 0 and 1); N > C puts process
 * i on core i mod C (C=2, N=4: two processes per core). Cassandra, the sink and DynamoDB Local are
 * not pinned and share the same cores. --threads is the job's total: each process gets
 * max(1, floor(threads / N)) unless --threads-per-process says otherwise; --splits is the same
 * for every N (default 16 × --threads), so every N copies the same plan. One uncounted 1-process
 * run warms Cassandra, the sink and DynamoDB Local first; unless --no-plain, each round also has
 * one process without --coordinator (a checkpoint file), for what coordinating costs one process.
 */
import '../src/node-warnings.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import cassandra from 'cassandra-driver';
import { CONTACT_POINT, LOCAL_ENDPOINT, ensureBenchServices, ensureUsersTable, fmt } from './common.js';
import { CLI, figures, machine, markdownTable, measureCommand, summaryLine, type Measured } from './measure.js';
import { startSinkProcess } from './sink-process.js';

const COORDINATOR_ENDPOINT_FLAG = '--coordinator-endpoint-url';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    processes: { type: 'string', default: '1,2,4' },
    threads: { type: 'string', default: '2' },
    'threads-per-process': { type: 'string' },
    splits: { type: 'string' },
    'lease-seconds': { type: 'string' },
    runs: { type: 'string', default: '1' },
    'no-plain': { type: 'boolean', default: false },
    keyspace: { type: 'string', default: 'bench_read' },
  },
});
const rows = Number(values.rows);
const processCounts = values.processes.split(',').map(Number);
const threads = Number(values.threads);
const fixedThreads = values['threads-per-process'] === undefined ? undefined : Number(values['threads-per-process']);
const splits = values.splits === undefined ? 16 * threads : Number(values.splits);
const runs = Number(values.runs);
const bad = [rows, threads, splits, runs, ...processCounts, ...(fixedThreads === undefined ? [] : [fixedThreads])].some((n) => !Number.isInteger(n) || n < 1);
if (bad || processCounts[0] !== 1) {
  process.stderr.write('bench:coord: --rows, --processes, --threads, --threads-per-process, --splits, --runs are positive integers, and --processes starts with 1 (the baseline)\n');
  process.exit(64);
}

// The lease table cannot live on the sink; this bench needs the coordination table elsewhere.
const help = execFileSync(process.execPath, [CLI, 'migrate', '--help'], { encoding: 'utf8' });
if (!help.includes(COORDINATOR_ENDPOINT_FLAG)) {
  process.stderr.write(`bench:coord: \`migrate --help\` lists no ${COORDINATOR_ENDPOINT_FLAG}; the counting sink cannot hold the lease table (no conditional writes, no Query), so the coordination table needs its own endpoint (rebuild with npm run build once the flag is in)\n`);
  process.exit(1);
}

const CORES = os.cpus().length;
/** The cores of process i of n, as `taskset -c` takes them (see the header). */
function coresOf(i: number, n: number): string {
  if (n > CORES) return String(i % CORES);
  const per = Math.floor(CORES / n);
  const extra = CORES % n;
  const first = i * per + Math.min(i, extra);
  const last = first + per - 1 + (i < extra ? 1 : 0);
  return first === last ? String(first) : `${first}-${last}`;
}
const threadsFor = (n: number): number => fixedThreads ?? Math.max(1, Math.floor(threads / n));

/** Busy and total jiffies of the whole machine (/proc/stat), for the share of it a run kept busy. */
function cpuJiffies(): { busy: number; total: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

interface Run {
  readonly processes: number;
  /** Without --coordinator: one process and its checkpoint file. */
  readonly plain: boolean;
  readonly round: number;
  readonly threadsEach: number;
  readonly cores: readonly string[];
  readonly wallSeconds: number;
  /** The longest process's own durationMs (the copy, without its start and shutdown), in seconds. */
  readonly copySeconds: number;
  readonly cpuSeconds: number;
  readonly machineBusy: number;
  readonly rowsRead: number;
  readonly itemsWritten: number;
  readonly sinkItems: number;
  readonly batchRequests: number;
  readonly tableCalls: number;
  readonly ranges: number;
  readonly takeovers: number;
  readonly lostLeases: number;
  readonly planWriters: number;
  readonly peakRssMiB: number;
}

await ensureBenchServices(true);
const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
await client.connect();
const table = await ensureUsersTable(client, values.keyspace, rows, 2);
await client.shutdown();
const sink = await startSinkProcess({ describeKeySchema: { hash: ['id', 'S'] } });
const local = new DynamoDBClient({ endpoint: LOCAL_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-coord-'));
const stamp = Date.now();
const results: Run[] = [];
const failures: string[] = [];

async function run(n: number, round: number, plain = false): Promise<Run> {
  const name = `coord_${rows}_n${n}_r${round}${plain ? '_plain' : ''}_${stamp}`;
  const coordTable = `bench_coord_${stamp}_n${n}_r${round}`;
  const coordination = (i: number): string[] => plain
    ? ['--checkpoint', path.join(work, `${name}.json`)]
    : ['--coordinator', `dynamodb:${coordTable}`, COORDINATOR_ENDPOINT_FLAG, LOCAL_ENDPOINT, '--process-id', `n${n}-p${i}`,
        ...(values['lease-seconds'] === undefined ? [] : ['--lease-seconds', values['lease-seconds']])];
  const threadsEach = threadsFor(n);
  const cores = Array.from({ length: n }, (_, i) => coresOf(i, n));
  const before = await sink.stats();
  const cpu0 = cpuJiffies();
  const t0 = performance.now();
  let measured: Measured[];
  try {
    measured = await Promise.all(cores.map((c, i) => measureCommand('taskset', [
      '-c', c, process.execPath, CLI, 'migrate', '--contact-points', CONTACT_POINT, '--keyspace', values.keyspace, '--table', table,
      '--target-table', name, '--endpoint-url', sink.url, '--threads', String(threadsEach), '--splits', String(splits),
      ...coordination(i), '--json',
    ], { cwd: work })));
  } finally {
    if (!plain) await local.send(new DeleteTableCommand({ TableName: coordTable })).catch(() => undefined);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuJiffies();
  const after = await sink.stats();
  const summaries = measured.map((m, i) => {
    // A process's warnings (a lease lost, a range retried) go to the bench's stderr: they explain a figure.
    for (const w of m.stdout.split('\n').filter((l) => l.includes('"event":"warning"')).slice(0, 5)) process.stderr.write(`  [${plain ? 'plain' : `n${n}-p${i}`}] ${w.slice(0, 400)}\n`);
    const s = summaryLine(m.stdout);
    if (m.status !== 0 || s?.status !== 'completed') throw new Error(`N=${n} process ${i}: exit ${m.status}, ${JSON.stringify(s)}\n${m.stderr.slice(-2000)}`);
    return s;
  });
  const sum = (f: (s: Record<string, unknown>) => unknown): number => summaries.reduce((a, s) => a + Number(f(s) ?? 0), 0);
  const coord = (s: Record<string, unknown>): Record<string, unknown> => (s.coordination ?? {}) as Record<string, unknown>;
  const rangeTotals = new Set(summaries.map((s) => Number((s.ranges as { total?: number } | undefined)?.total)));
  const undone = summaries.filter((s) => (s.ranges as { total?: number; done?: number }).done !== (s.ranges as { total?: number }).total).length;
  if (rangeTotals.size !== 1 || undone > 0) throw new Error(`N=${n}: processes disagree on the plan or left ranges undone: ${JSON.stringify(summaries.map((s) => s.ranges))}`);
  return {
    processes: n, plain, round, threadsEach, cores, wallSeconds,
    copySeconds: Math.max(...summaries.map((s) => Number(s.durationMs) / 1000)),
    cpuSeconds: measured.reduce((a, m) => a + m.cpuSeconds, 0),
    machineBusy: (cpu1.busy - cpu0.busy) / Math.max(1, cpu1.total - cpu0.total),
    rowsRead: sum((s) => s.rowsRead),
    itemsWritten: sum((s) => s.itemsWritten),
    sinkItems: after.items - before.items,
    batchRequests: sum((s) => s.requests),
    tableCalls: sum((s) => coord(s).tableCalls),
    ranges: [...rangeTotals][0] ?? 0,
    takeovers: sum((s) => coord(s).takeovers),
    lostLeases: sum((s) => coord(s).lostLeases),
    planWriters: summaries.filter((s) => coord(s).planCreated === true).length,
    peakRssMiB: Math.max(...measured.map((m) => m.peakRssMiB)),
  };
}

const log = (r: Run): void => void process.stderr.write(`  ${fmt(rows / r.wallSeconds)} rows/s (${r.wallSeconds.toFixed(1)} s wall, longest copy ${r.copySeconds.toFixed(1)} s), client CPU ${r.cpuSeconds.toFixed(1)} s, ${fmt(r.itemsWritten)} items, ${fmt(r.tableCalls)} coordination calls, ${r.takeovers} takeovers\n`);
const check = (r: Run, label: string): void => {
  if (r.itemsWritten !== rows || r.sinkItems !== rows) failures.push(`${label}: ${fmt(r.itemsWritten)} items written by the processes, ${fmt(r.sinkItems)} counted by the sink, expected ${fmt(rows)}`);
  if (!r.plain && r.planWriters !== 1) failures.push(`${label}: ${r.planWriters} processes say they wrote the plan, expected 1`);
};
try {
  process.stderr.write('warm-up (not counted): 1 process with --coordinator\n');
  log(await run(1, 0));
  for (let round = 1; round <= runs; round++) {
    if (!values['no-plain']) {
      process.stderr.write(`round ${round}/${runs}: 1 process without --coordinator × --threads ${threadsFor(1)} on cores ${coresOf(0, 1)}\n`);
      const r = await run(1, round, true);
      results.push(r);
      log(r);
      check(r, `1 process without --coordinator, round ${round}`);
    }
    for (const n of processCounts) {
      process.stderr.write(`round ${round}/${runs}: ${n} process${n === 1 ? '' : 'es'} × --threads ${threadsFor(n)} on cores ${Array.from({ length: n }, (_, i) => coresOf(i, n)).join(' | ')}\n`);
      const r = await run(n, round);
      results.push(r);
      log(r);
      check(r, `${n} processes, round ${round}`);
    }
  }
} finally {
  sink.close();
  local.destroy();
  rmSync(work, { recursive: true, force: true });
}

const rate = (r: Run): number => rows / r.wallSeconds;
const baseline = (r: Run): Run => results.find((b) => b.round === r.round && b.processes === 1 && !b.plain)!;
const cpuPerMillion = (r: Run): number => (r.cpuSeconds * 1e6) / rows;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const med = (n: number, f: (r: Run) => number, plain = false): number => median(results.filter((r) => r.processes === n && r.plain === plain).map(f));

const table_ = markdownTable(results.map((r) => ({
  processes: r.plain ? '1, no --coordinator' : String(r.processes),
  ...(runs > 1 ? { run: String(r.round) } : {}),
  'cores (taskset -c)': r.cores.join(', '),
  '--threads each': String(r.threadsEach),
  'wall s': r.wallSeconds.toFixed(1),
  'longest copy s': r.copySeconds.toFixed(1),
  'rows/s': fmt(rate(r)),
  'speed-up': `${(rate(r) / rate(baseline(r))).toFixed(2)}×`,
  'client CPU-s per 1M rows': cpuPerMillion(r).toFixed(1),
  'machine busy': `${(100 * r.machineBusy).toFixed(0)} %`,
  'items written': fmt(r.itemsWritten),
  'coordination calls': r.plain ? '-' : fmt(r.tableCalls),
  'calls per range': r.plain ? '-' : (r.tableCalls / r.ranges).toFixed(1),
  'calls/s': r.plain ? '-' : (r.tableCalls / r.wallSeconds).toFixed(1),
  'BatchWriteItem/s': fmt(r.batchRequests / r.wallSeconds),
  takeovers: r.plain ? '-' : String(r.takeovers),
  'lost leases': r.plain ? '-' : String(r.lostLeases),
  'peak RSS MiB (largest)': fmt(r.peakRssMiB),
})));

const top = Math.max(...processCounts);
const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
const busy = (r: Run): number => r.machineBusy;
const clientShare = (r: Run): number => r.cpuSeconds / (CORES * r.wallSeconds);
const speedTop = med(top, rate) / med(1, rate);
const callsTop = med(top, (r) => r.tableCalls / r.wallSeconds);
const batchTop = med(top, (r) => r.batchRequests / r.wallSeconds);
const limit = [
  `What limits it${runs > 1 ? ` (medians over ${runs} runs)` : ''}: one process kept the ${CORES} cores ${pct(med(1, busy))} busy (its own share ${pct(med(1, clientShare))}, the rest Cassandra, the sink, DynamoDB Local and whatever else ran); ` +
    `${top} processes ran at ${speedTop.toFixed(2)}× its rows/s with the cores ${pct(med(top, busy))} busy (their share ${pct(med(top, clientShare))})`,
  med(1, busy) < 0.85
    ? `: one process left the cores ${pct(1 - med(1, busy))} idle, so it was held back by something other than CPU (waits on Cassandra pages or on writes)${speedTop > 1.05 ? ', and more processes used that slack' : ', and more processes did not turn that slack into rows/s'}`
    : speedTop > 1.05
      ? `: the cores were already busy with one process, so the gain came from the processes taking a larger share of them from everything else on the machine (${pct(med(1, clientShare))} → ${pct(med(top, clientShare))}), not from more CPU — on one machine N processes cannot go past its cores; more processes pay off on more machines`
      : `, so processes on one machine cannot go past the CPU bound one process already reaches — more processes pay off on more machines (or cores), not here`,
  `; ${top} processes used ${med(top, cpuPerMillion).toFixed(1)} client CPU-s per 1M rows against ${med(1, cpuPerMillion).toFixed(1)} for one (each pays its own start, driver connections and threads)`,
  `; coordination calls were ${callsTop.toFixed(1)}/s, ${((100 * callsTop) / Math.max(1e-9, batchTop)).toFixed(1)} % of the ${fmt(batchTop)} BatchWriteItem requests/s beside them`,
  values['no-plain']
    ? '.'
    : `; against one process without --coordinator, one coordinated process ran at ${(med(1, rate) / med(1, rate, true)).toFixed(2)}× its rows/s and ${(med(1, cpuPerMillion) - med(1, cpuPerMillion, true) >= 0 ? '+' : '')}${(med(1, cpuPerMillion) - med(1, cpuPerMillion, true)).toFixed(1)} CPU-s per 1M rows.`,
].join('');

const lines = [
  `## migrate --coordinator: N processes on one job through a lease table`,
  '',
  `${machine()}, ${new Date().toISOString()}, load average at the start ${os.loadavg()[0]?.toFixed(1)}; \`users\` model, ${fmt(rows)} rows in \`${values.keyspace}.${table}\`, ${splits} ranges (--splits, the same for every N).`,
  '',
  '```bash',
  `npm run bench:coord -- --rows ${rows} --processes ${values.processes} --threads ${threads}${fixedThreads === undefined ? '' : ` --threads-per-process ${fixedThreads}`}` +
    `${values.splits === undefined ? '' : ` --splits ${splits}`}${values['lease-seconds'] === undefined ? '' : ` --lease-seconds ${values['lease-seconds']}`} --runs ${runs} --keyspace ${values.keyspace}${values['no-plain'] ? ' --no-plain' : ''}`,
  '```',
  '',
  `Each N: N \`migrate --coordinator dynamodb:<fresh table>\` processes started at once, each under GNU time and \`taskset -c\` on its share of the ${CORES} cores ` +
    `(N ≤ ${CORES}: the cores split into N groups; above: process i on core i mod ${CORES}), --threads ${fixedThreads === undefined ? `max(1, ${threads} / N) each (the job's ${threads} split between them)` : `${fixedThreads} each (as given)`}. ` +
    `The target is the counting sink (a DynamoDB stand-in in a child process, fresh table name per N); the lease table is on DynamoDB Local (${COORDINATOR_ENDPOINT_FLAG} ${LOCAL_ENDPOINT}), deleted after. ` +
    'Cassandra, the sink and DynamoDB Local share the same cores unpinned. rows/s is the job\'s rows ÷ wall time from the first start to the last exit (process starts included); ' +
    '"longest copy s" is the slowest process\'s own durationMs (the copy without its start and shutdown). ' +
    'speed-up is against the coordinated 1-process run of the same round; client CPU is user + system of every process summed; machine busy is the share of all cores busy over the wall time (/proc/stat, every process on the machine). ' +
    `One uncounted 1-process warm-up ran first${values['no-plain'] ? '' : '; "1, no --coordinator" is one process with a checkpoint file instead, the same plan, for what coordinating costs'}. ` +
    'coordination calls are every process\'s `coordination.tableCalls` summed (as the summaries count them), per range of the plan and per wall second; BatchWriteItem/s is every process\'s `requests` summed per wall second.',
  '',
  table_,
  '',
  `Items written (every process's itemsWritten summed, and the sink's own count) equal the ${fmt(rows)} rows in every run: ${failures.some((f) => f.includes('items')) ? '**no**' : 'yes'}; exactly one process wrote each plan: ${failures.some((f) => f.includes('plan')) ? '**no**' : 'yes'}.`,
  '',
  limit,
  ...(failures.length === 0 ? [] : ['', ...failures.map((f) => `**FAILED**: ${f}`)]),
  figures(Object.fromEntries((values['no-plain'] ? [] : [['coord_plain_rps_1', med(1, rate, true)], ['coord_plain_cpu_per_million_1', med(1, cpuPerMillion, true)]]).concat(processCounts.flatMap((n) => [
    [`coord_rps_${n}`, med(n, rate)],
    [`coord_speedup_${n}`, med(n, rate) / med(1, rate)],
    [`coord_cpu_per_million_${n}`, med(n, cpuPerMillion)],
    [`coord_calls_per_sec_${n}`, med(n, (r) => r.tableCalls / r.wallSeconds)],
    [`coord_takeovers_${n}`, med(n, (r) => r.takeovers)],
  ])))),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (failures.length > 0) {
  process.stderr.write(`bench:coord: ${failures.join('; ')}\n`);
  process.exit(1);
}
