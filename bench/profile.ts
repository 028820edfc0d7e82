/**
 * Where the time of a migration goes: `migrate` into the counting sink on `users` and on
 * `all-types`, once measured (GNU time: wall, CPU, peak RSS) and once under `--cpu-prof`, whose
 * profiles (main thread and each worker thread) are split into phases by the frame nearest the
 * sampled leaf that names one: driver decoding and protocol, row conversion, request building,
 * signing, HTTP, metrics, the engine, garbage collection.
 *
 *   npm run bench:profile -- --rows 1000000 --all-types-rows 100000 --threads 2
 */
import '../src/node-warnings.js';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import cassandra from 'cassandra-driver';
import { compileRowConverter } from '../src/mapping/row-converter.js';
import { tableSpecFromMetadata, type DriverTableMetadata } from '../src/mapping/table-spec.js';
import { CONTACT_POINT, ensureBenchServices, ensureModelTable, ensureUsersTable, fmt } from './common.js';
import { CLI, figures, machine, measureCommand, summaryLine } from './measure.js';
import { startSinkProcess } from './sink-process.js';

/** A phase is named by the first frame, walking from the sampled leaf to the root, that matches. */
const PHASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\(garbage collector\)/, 'garbage collection'],
  [/^\(idle\)/, 'idle'],
  [/cassandra-driver/, 'Cassandra driver: socket reads, frame parsing, value decoding'],
  [/undici/, 'HTTP (undici): request writes, response parsing'],
  [/@smithy|@aws-sdk|@aws-crypto|dynamodb\/signer/, 'SigV4 signing (src/dynamodb/signer.ts, node:crypto; the SDK only for odd paths)'],
  [/dynamodb\/(batch-body|batch-writer|dedupe)|migrate\/sink/, 'request building: item JSON, body, de-duplication'],
  [/dynamodb\/(retry-loop|http-client|signed-post|transport)/, 'HTTP (ours): retry loop, answers'],
  [/\/mapping\//, 'row conversion'],
  [/hdr-histogram|\/metrics\//, 'latency histograms, counters'],
  [/migrate\/page-writer/, 'page writer (batching, accounting)'],
  [/\/engine\/|piscina/, 'engine: scheduling, messages, checkpoints, rate'],
  [/\/job\/|cassandra\/range-reader/, 'range read loop'],
];

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Milliseconds per phase of one profile. */
function phasesOf(file: string): Map<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const phase = (id: number): string => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    let found = 'other (Node internals, microtasks, …)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame;
      const hit = PHASES.find(([re]) => re.test(`${f.functionName} ${f.url}`));
      if (hit !== undefined) {
        found = hit[1];
        break;
      }
    }
    memo.set(id, found);
    return found;
  };
  const out = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const name = phase(p.samples[i] as number);
    out.set(name, (out.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  return out;
}

interface Case { readonly name: string; readonly keyspace: string; readonly table: string; readonly rows: number }

interface CaseResult {
  readonly c: Case;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
  /** Per thread kind ('main', 'workers'), ms per phase. */
  readonly split: Map<string, Map<string, number>>;
}

async function sinkFor(client: cassandra.Client, c: Case): Promise<Awaited<ReturnType<typeof startSinkProcess>>> {
  const meta = (await client.metadata.getTable(c.keyspace, c.table)) as unknown as DriverTableMetadata;
  const { hashKey, rangeKey } = compileRowConverter(tableSpecFromMetadata(meta)).keySchema;
  return startSinkProcess({
    describeKeySchema: { hash: [hashKey.name, hashKey.type], ...(rangeKey === null ? {} : { range: [rangeKey.name, rangeKey.type] as const }) },
  });
}

async function runCase(client: cassandra.Client, c: Case, threads: number, work: string): Promise<CaseResult> {
  const args = (ck: string) => ['migrate', '--contact-points', CONTACT_POINT, '--keyspace', c.keyspace, '--table', c.table, '--target-table', c.table,
    '--threads', String(threads), '--json', '--checkpoint', path.join(work, ck)];
  const check = (what: string, m: { status: number; stdout: string; stderr: string }): void => {
    const s = summaryLine(m.stdout);
    if (m.status !== 0 || s?.itemsWritten !== c.rows) throw new Error(`${what} of ${c.table}: status ${m.status}, ${String(s?.itemsWritten)} items of ${c.rows}: ${m.stderr.slice(-500)}`);
  };
  // Measured without the profiler.
  let sink = await sinkFor(client, c);
  const measured = await measureCommand(process.execPath, [CLI, ...args(`m-${c.name}.json`), '--endpoint-url', sink.url]);
  sink.close();
  check('migrate', measured);
  // Profiled: a fresh sink, every thread writes its .cpuprofile into its own folder.
  const dir = path.join(work, `prof-${c.name}`);
  sink = await sinkFor(client, c);
  const profiled = await measureCommand(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, CLI, ...args(`p-${c.name}.json`), '--endpoint-url', sink.url]);
  sink.close();
  check('profiled migrate', profiled);
  // Node names a thread's profile CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is main.
  const split = new Map<string, Map<string, number>>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const kind = f.split('.').at(-3) === '0' ? 'main' : 'workers';
    const into = split.get(kind) ?? new Map<string, number>();
    for (const [k, v] of phasesOf(path.join(dir, f))) into.set(k, (into.get(k) ?? 0) + v);
    split.set(kind, into);
  }
  return { c, wallSeconds: measured.wallSeconds, cpuSeconds: measured.cpuSeconds, peakRssMiB: measured.peakRssMiB, split };
}

export async function runProfileBench(o: { rows: number; allTypesRows: number; threads: number; keyspace: string }): Promise<string> {
  await ensureBenchServices(false);
  const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
  await client.connect();
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-profile-'));
  const results: CaseResult[] = [];
  try {
    const cases: Case[] = [
      { name: 'users', keyspace: o.keyspace, table: await ensureUsersTable(client, o.keyspace, o.rows, o.threads), rows: o.rows },
      // A keyspace of its own: its vector column is a type DSBulk 1.10.0's driver cannot parse,
      // which makes that driver drop the whole keyspace's schema (bench/dsbulk.ts reads bench_read).
      { name: 'all-types', keyspace: `${o.keyspace}_all_types`, table: await ensureModelTable(client, `${o.keyspace}_all_types`, 'all-types', o.allTypesRows, o.threads), rows: o.allTypesRows },
    ];
    for (const c of cases) {
      process.stderr.write(`profile: migrate ${c.keyspace}.${c.table} (${fmt(c.rows)} rows) into the sink, measured, then under --cpu-prof\n`);
      results.push(await runCase(client, c, o.threads, work));
    }
  } finally {
    await client.shutdown();
    rmSync(work, { recursive: true, force: true });
  }

  const lines = [
    '## where the time goes — migrate into the sink, CPU profiles of every thread',
    '',
    `${machine()}, ${new Date().toISOString()}; Cassandra on the same two cores.`,
    '',
    '```bash',
    `npm run bench:profile -- --rows ${o.rows} --all-types-rows ${o.allTypesRows} --threads ${o.threads}`,
    '```',
    '',
    `Each table is copied twice into the counting sink (a DynamoDB stand-in in a child process): once measured by GNU time, once under \`node --cpu-prof\` (main thread and each worker). ` +
      'A sample belongs to the phase of the nearest frame (from the leaf up) that names one, so socket writes under undici count as HTTP and value decoding inside the driver as the driver. ' +
      'Shares are of the sampled busy time (idle left out); a thread that is runnable but waiting for a core still counts as busy, so they are shares, not CPU seconds.',
    '',
    '| table | rows | wall s | rows/s | client CPU s | client CPU µs/row | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.c.name} (\`${r.c.table}\`) | ${fmt(r.c.rows)} | ${r.wallSeconds.toFixed(1)} | ${fmt(r.c.rows / r.wallSeconds)} | ${r.cpuSeconds.toFixed(1)} | ${((r.cpuSeconds * 1e6) / r.c.rows).toFixed(1)} | ${fmt(r.peakRssMiB)} |`),
    '',
  ];
  const names = [...new Set(results.flatMap((r) => [...r.split.values()].flatMap((m) => [...m.keys()])))].filter((n) => n !== 'idle');
  const busy = (m: Map<string, number> | undefined): number => [...(m ?? new Map<string, number>())].filter(([k]) => k !== 'idle').reduce((a, [, v]) => a + v, 0);
  const header = results.flatMap((r) => [`${r.c.name}: workers`, `${r.c.name}: main`]);
  lines.push(`| phase | ${header.join(' | ')} |`, `|---|${header.map(() => '---:').join('|')}|`);
  const share = (m: Map<string, number> | undefined, n: string): number => (100 * (m?.get(n) ?? 0)) / Math.max(1e-9, busy(m));
  const order = names.sort((a, b) => share(results[0]?.split.get('workers'), b) - share(results[0]?.split.get('workers'), a));
  for (const n of order) {
    lines.push(`| ${n} | ${results.flatMap((r) => [share(r.split.get('workers'), n), share(r.split.get('main'), n)]).map((x) => `${x.toFixed(1)} %`).join(' | ')} |`);
  }
  lines.push(`| **busy (sampled) s** | ${results.flatMap((r) => [busy(r.split.get('workers')), busy(r.split.get('main'))]).map((ms) => (ms / 1000).toFixed(1)).join(' | ')} |`);
  const users = results.find((r) => r.c.name === 'users');
  if (users !== undefined) {
    const perRow = (users.cpuSeconds * 1e6) / users.c.rows;
    lines.push('', `users: ${perRow.toFixed(1)} µs of client CPU per row into the sink (goal ≤ 15 µs): ${perRow <= 15 ? 'met' : 'missed'}.`);
    lines.push(figures({ usersCpuMicrosPerRow: perRow, usersRowsPerSec: users.c.rows / users.wallSeconds, usersPeakRssMiB: users.peakRssMiB }));
  }
  return `${lines.join('\n')}\n`;
}

function isMain(): boolean {
  return process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
}

if (isMain()) {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      'all-types-rows': { type: 'string', default: '100000' },
      threads: { type: 'string', default: String(os.availableParallelism()) },
      keyspace: { type: 'string', default: 'bench_read' },
    },
  });
  process.stdout.write(await runProfileBench({ rows: Number(values.rows), allTypesRows: Number(values['all-types-rows']), threads: Number(values.threads), keyspace: values.keyspace }));
}
