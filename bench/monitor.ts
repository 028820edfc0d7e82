/**
 * Whole-run benchmark of `monitor` on DynamoDB Local (issue 11): a source table whose stream
 * (NEW_AND_OLD_IMAGES) holds N events, and a target holding the same final items, so every
 * check matches. In the same run, rounds alternated:
 *  - the raw read ceiling: the stream read from TRIM_HORIZON with GetRecords alone (readShard,
 *    Limit 1,000, one reader per shard), in this process;
 *  - `monitor --iterator-type trim-horizon --until-caught-up --json` at --sample-rate 100 and 10,
 *    each a fresh process of a snapshot of the built CLI, wall time from spawn to exit.
 * Targets: monitor ≥ 80 % of the raw ceiling at sample rate 10, ≥ 50 % at 100.
 *
 * Every event is an INSERT of its own key (pk S, sk N): each one is a check at sample rate 100,
 * the monitor's worst case. The tables are named by event count and reused while they hold it:
 * filling DynamoDB Local takes about a minute per 200,000 items and table.
 *
 *   npm run bench:monitor -- --events 200000 --threads 2 [--runs 2] [--cpu-prof DIR] [--fresh]
 */
import '../src/node-warnings.js';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, waitUntilTableExists, type DynamoDBClient, type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { createCredentialSource, createDynamoDbClient } from '../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../src/dynamodb/endpoint.js';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { createStreamsClient, resolveStreamArn } from '../src/streams/client.js';
import { readShard } from '../src/streams/shard-reader.js';
import { describeStream } from '../src/streams/shards.js';
import { LOCAL_ENDPOINT, ensureBenchServices, fmt } from './common.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    runs: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '8' },
    'cpu-prof': { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const threads = Number(values.threads);
const runs = Number(values.runs);
const inFlight = Number(values['in-flight']);
if (!(events >= 1 && threads >= 1 && runs >= 1 && inFlight >= 1)) throw new Error('--events, --threads, --runs and --in-flight must be positive');
const source = `bench_monitor_src_${events}`;
const target = `bench_monitor_dst_${events}`;
const PK_SPREAD = 1000;

await ensureBenchServices(true);
const endpoint = await resolveEndpoint({ endpoint: LOCAL_ENDPOINT });
const credentials = createCredentialSource({ endpoint });
const ddb = createDynamoDbClient(endpoint, credentials);
const streams = createStreamsClient(endpoint, credentials);

// A snapshot of the build: others may rebuild (clean-dist removes dist/) while the rounds run.
const snapshot = mkdtempSync(path.join(os.tmpdir(), 'bench-monitor-'));
cpSync(path.join(PACKAGE_ROOT, 'dist'), path.join(snapshot, 'dist'), { recursive: true });
cpSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(snapshot, 'package.json'));
symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(snapshot, 'node_modules'));
const cli = path.join(snapshot, 'dist', 'src', 'cli.js');

// ── the tables ────────────────────────────────────────────────────────────────────────────────

async function itemCount(table: string): Promise<number | undefined> {
  try {
    return (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table?.ItemCount ?? 0;
  } catch {
    return undefined;
  }
}

async function create(table: string, stream: boolean): Promise<void> {
  await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  await ddb.send(new CreateTableCommand({
    TableName: table,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    ...(stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } } : {}),
  }));
  await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName: table });
}

/** A users-like item, ~200 bytes: strings, numbers, a set, a boolean. */
function item(i: number): NonNullable<WriteRequest['PutRequest']>['Item'] {
  return {
    pk: { S: `user-${i % PK_SPREAD}` }, sk: { N: String(i) },
    name: { S: `name ${i}` }, email: { S: `user${i}@example.com` }, score: { N: String((i * 1.5) % 10_000) },
    tags: { SS: ['a', `t${i % 7}`] }, active: { BOOL: i % 3 === 0 }, created: { N: String(1_760_000_000_000 + i) },
  };
}

/** 25 items a request, `inFlight` requests at once; unprocessed items are sent again. */
async function batchWrite(client: DynamoDBClient, table: string, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + 25);
      let requests: WriteRequest[] = [];
      for (let i = start; i < next; i++) requests.push({ PutRequest: { Item: item(i) } });
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const answer = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
        requests = answer.UnprocessedItems?.[table] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** The source gets its N events (its stream with them); the target the same final items. */
async function ensureTables(): Promise<void> {
  const [haveSource, haveTarget] = [await itemCount(source), await itemCount(target)];
  if (!values.fresh && haveSource === events && haveTarget === events) {
    process.stderr.write(`reusing ${source} and ${target} (${fmt(events)} items each)\n`);
    return;
  }
  process.stderr.write(`filling ${source} (stream NEW_AND_OLD_IMAGES) and ${target} with ${fmt(events)} items each\n`);
  await create(source, true);
  await create(target, false);
  const t0 = performance.now();
  const chunk = 10_000;
  for (let from = 0; from < events; from += chunk) {
    const to = Math.min(events, from + chunk);
    // Inserts only: the final items are the written ones, so the target is written alongside.
    await Promise.all([batchWrite(ddb, source, from, to), batchWrite(ddb, target, from, to)]);
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(`  ${fmt(to)} / ${fmt(events)} events (${fmt(to / s)} items/s per table, ${s.toFixed(0)} s)\n`);
  }
  const [s, t] = [await itemCount(source), await itemCount(target)];
  if (s !== events || t !== events) throw new Error(`after filling: ${source} holds ${s}, ${target} ${t}, expected ${events} each`);
}

// ── the raw ceiling ───────────────────────────────────────────────────────────────────────────

interface Result { events: number; seconds: number; cpuSec: number; summary?: Record<string, unknown> }

/** Every shard from TRIM_HORIZON with GetRecords alone, one reader per shard, until N events. */
async function rawRead(): Promise<Result> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const streamArn = await resolveStreamArn(ddb, source);
  const { shards } = await describeStream(streams, streamArn);
  const stop = new AbortController();
  let total = 0;
  let emptyAtEnd = 0;
  await Promise.all(shards.map(async (shard) => {
    for await (const batch of readShard(streams, { streamArn, shardId: shard.shardId, start: 'TRIM_HORIZON', limit: 1000, signal: stop.signal, idleWaitMs: 100 })) {
      total += batch.records.length;
      if (batch.records.length === 0) emptyAtEnd++;
      // All read, or every shard's current end seen a few times without reaching N: stop either way.
      if (total >= events || emptyAtEnd > 10 * shards.length) break;
    }
  }).map((p) => p.finally(() => stop.abort())));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (total !== events) throw new Error(`raw read: ${total} events in the stream of ${source}, expected ${events}; run again with --fresh`);
  return { events: total, seconds, cpuSec: (cpu.user + cpu.system) / 1e6 };
}

// ── monitor, a fresh process per run ──────────────────────────────────────────────────────────

const work = mkdtempSync(path.join(os.tmpdir(), 'bench-monitor-run-'));
const CPU_HOOK = 'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("\\nCPU_US "+(u.userCPUTime+u.systemCPUTime)+"\\n")})';

function monitor(sampleRate: string, run: string): Promise<Result> {
  const args = ['monitor', '--endpoint-url', LOCAL_ENDPOINT, '--source-table', source, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--until-caught-up', '--json', '--stats-interval', '86400', '--sample-rate', sampleRate,
    '--threads', String(threads), '--differences', path.join(work, `${run}.jsonl`)];
  const prof = values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'], run)];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // The child reports its own CPU (all its threads) on exit; `time -f` would need GNU time.
    const child = spawn(process.execPath, ['--import', CPU_HOOK, ...prof, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const line = out.split('\n').filter((l) => l.includes('"event":"summary"')).pop();
      const summary = line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
      const n = summary?.events as number | undefined;
      const fail = (why: string): void => reject(new Error(`monitor --sample-rate ${sampleRate}: ${why}\nsummary: ${line ?? '(none)'}\nstderr: ${err.slice(-1500)}`));
      if (code !== 0) return fail(`exit ${code}, expected 0 (every check matched)`);
      if (summary === undefined) return fail('no summary');
      if (n !== events || summary.inserts !== events) return fail(`${n} events (${String(summary.inserts)} inserts), expected ${events}`);
      if (summary.status !== 'clean' || summary.ended !== 'caught-up') return fail(`status ${String(summary.status)}, ended ${String(summary.ended)}`);
      if ((summary.matched as number) + (summary.superseded as number) !== (summary.sampled as number)) {
        return fail(`matched ${String(summary.matched)} of ${String(summary.sampled)} sampled`);
      }
      if (sampleRate === '100' && summary.sampled !== events) return fail(`sampled ${String(summary.sampled)} at 100 %, expected ${events}`);
      resolve({ events: n, seconds, cpuSec: Number(/CPU_US (\d+)/.exec(err)?.[1] ?? Number.NaN) / 1e6, summary });
    });
  });
}

// ── the rounds ────────────────────────────────────────────────────────────────────────────────

await ensureTables();
const kinds = [
  { name: 'raw ceiling: GetRecords alone (readShard, Limit 1,000)', run: (_: string) => rawRead() },
  { name: `monitor --sample-rate 100 --threads ${threads}`, run: (r: string) => monitor('100', `sr100-${r}`) },
  { name: `monitor --sample-rate 10 --threads ${threads}`, run: (r: string) => monitor('10', `sr10-${r}`) },
];
const results = kinds.map(() => [] as Result[]);
const loadAvg: number[] = [];
for (let i = 0; i < runs; i++) {
  // Rotate the order each round so that neither warm caches nor a neighbour's load favour one kind.
  const order = kinds.map((_, k) => (k + i) % kinds.length);
  for (const k of order) {
    const r = await kinds[k]!.run(String(i));
    results[k]!.push(r);
    loadAvg.push(os.loadavg()[0]!);
    const s = r.summary;
    const own = s === undefined ? '' : `; its summary: ${fmt(s.eventsPerSec as number)} events/s over ${((s.elapsedMs as number) / 1000).toFixed(1)} s, sampled ${fmt(s.sampled as number)}, matched ${fmt(s.matched as number)}`;
    process.stderr.write(`round ${i + 1} ${kinds[k]!.name}: ${fmt(r.events / r.seconds)} events/s in ${r.seconds.toFixed(1)} s, CPU ${r.cpuSec.toFixed(1)} s${own}\n`);
  }
}
ddb.destroy();
streams.destroy();
rmSync(work, { recursive: true, force: true });
rmSync(snapshot, { recursive: true, force: true });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const rate = (r: Result): number => r.events / r.seconds;
const ceiling = median(results[0]!.map(rate));
console.log(`\nmonitor benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`DynamoDB Local on the same machine (it shares the cores); ${fmt(events)} INSERT events in one stream; ${runs} rounds, order rotated; load average ${Math.min(...loadAvg).toFixed(1)}–${Math.max(...loadAvg).toFixed(1)}\n`);
console.log('| run | events | wall s (each round) | events/s (each round) | median events/s | % of raw ceiling | CPU s (median) | summary events/s (median) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
kinds.forEach((k, i) => {
  const rs = results[i]!;
  const own = rs[0]!.summary === undefined ? '—' : fmt(median(rs.map((r) => r.summary!.eventsPerSec as number)));
  console.log(`| ${k.name} | ${fmt(events)} | ${rs.map((r) => r.seconds.toFixed(1)).join(', ')} | ${rs.map((r) => fmt(rate(r))).join(', ')} | ${fmt(median(rs.map(rate)))} | ${((100 * median(rs.map(rate))) / ceiling).toFixed(1)} % | ${median(rs.map((r) => r.cpuSec)).toFixed(1)} | ${own} |`);
});
const pct = (i: number): number => (100 * median(results[i]!.map(rate))) / ceiling;
const verdict = (p: number, goal: number): string => `${p.toFixed(1)} % (target ≥ ${goal} %: ${p >= goal ? 'met' : `missed by ${(goal - p).toFixed(1)} points`})`;
console.log(`\nsample rate 10: ${verdict(pct(2), 80)}; sample rate 100: ${verdict(pct(1), 50)}`);
console.log('every monitor run: exit 0, status clean, caught up, all events counted and every settled check matched');
console.log(`reproduce: npm run bench:monitor -- --events ${events} --threads ${threads} --runs ${runs}`);
if (values['cpu-prof'] !== undefined) console.log(`CPU profiles of the monitor processes: ${path.resolve(values['cpu-prof'])}/<run>/`);
