/**
 * Whole-run benchmark of `monitor` on DynamoDB Local (issue 11): a source table whose stream
 * (NEW_AND_OLD_IMAGES) holds N events, and a target holding the same final items, so every
 * check matches. In the same run, rounds alternated:
 *  - the raw read ceiling: the stream read from TRIM_HORIZON with GetRecords alone (readShard,
 *    Limit 1,000, one reader per shard), in this process, over the lean GetRecords path
 *    (src/streams/lean-client.ts) that the monitor's workers use: the best reader we have;
 *  - the same through the AWS SDK's client (what a plain reader gets: the issue's yardstick);
 *  - the check reads alone: BatchGetItem of every key of the target, 100 a request. DynamoDB
 *    Local answers them and GetRecords on one SQLite thread, so the two together bound what any
 *    monitor can reach here; the bound is printed beside the targets;
 *  - `monitor --iterator-type trim-horizon --until-caught-up --json` at --sample-rate 100 and 10,
 *    each a fresh process of a snapshot of the built CLI, wall time from spawn to exit.
 * Targets: monitor ≥ 80 % of the raw ceiling at sample rate 10, ≥ 50 % at 100.
 *
 * Every event is an INSERT of its own key (pk S, sk N): each one is a check at sample rate 100,
 * the monitor's worst case. The tables are named by event count.
 *
 * It runs on a DynamoDB Local of its own (port --dynamodb-port, bench/private-dynamodb.ts),
 * stopped at the end of the run, also a failed one: DynamoDB Local keeps a deleted table's stream
 * records until it restarts, and they make every write to a stream table about 20× slower for
 * everyone sharing it (the tests). With --keep the tables and that instance stay, and a later run
 * reuses them while they hold N items (filling takes one to a few minutes per 200,000 items and
 * table). --shared-dynamodb runs on the shared one (DYNAMODB_PORT) instead, and deletes the tables
 * at the end unless --keep; restart that DynamoDB Local afterwards.
 *
 *   npm run bench:monitor -- --events 200000 --threads 2 [--runs 2] [--cpu-prof DIR] [--fresh] [--keep]
 *                            [--dynamodb-port 8011 | --shared-dynamodb]
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
import { BatchReader } from '../src/dynamodb/batch-reader.js';
import { DynamoDbHttpClient } from '../src/dynamodb/http-client.js';
import type { Item } from '../src/mapping/attribute-value.js';
import { createStreamsClient, resolveStreamArn } from '../src/streams/client.js';
import { LeanStreamsClient } from '../src/streams/lean-client.js';
import { sdkReadClient, type StreamsReadClient } from '../src/streams/read-client.js';
import { readShard } from '../src/streams/shard-reader.js';
import { describeStream } from '../src/streams/shards.js';
import { LOCAL_ENDPOINT, ensureBenchServices, fmt } from './common.js';
import { startPrivateDynamoDb } from './private-dynamodb.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    runs: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '8' },
    'cpu-prof': { type: 'string' },
    fresh: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'dynamodb-port': { type: 'string', default: '8011' },
    'shared-dynamodb': { type: 'boolean', default: false },
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

const log = (line: string): void => void process.stderr.write(`[services] ${line}\n`);
const own = values['shared-dynamodb'] ? undefined : await startPrivateDynamoDb(Number(values['dynamodb-port']), log);
if (own === undefined) await ensureBenchServices(true);
const ENDPOINT = own?.endpoint ?? LOCAL_ENDPOINT;
const endpoint = await resolveEndpoint({ endpoint: ENDPOINT });
const credentials = createCredentialSource({ endpoint });
const ddb = createDynamoDbClient(endpoint, credentials);
/** DescribeStream on the SDK; GetShardIterator and GetRecords on the lean path, as in the monitor. */
const streams = createStreamsClient(endpoint, credentials);
const reader = new LeanStreamsClient(endpoint, credentials);

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
async function rawRead(reader: StreamsReadClient): Promise<Result> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const streamArn = await resolveStreamArn(ddb, source);
  const { shards } = await describeStream(streams, streamArn);
  const stop = new AbortController();
  let total = 0;
  let emptyAtEnd = 0;
  await Promise.all(shards.map(async (shard) => {
    for await (const batch of readShard(reader, { streamArn, shardId: shard.shardId, start: 'TRIM_HORIZON', limit: 1000, signal: stop.signal, idleWaitMs: 100 })) {
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

/**
 * The other half of a check at sample rate 100, alone: BatchGetItem (strongly consistent, 100 keys
 * a request, --in-flight requests at once, the monitor's BatchReader) of every key of the target.
 * DynamoDB Local serves it and GetRecords on the same one SQLite thread, so together they bound
 * what any monitor can do here: 1 / (1 / raw + share / this).
 */
async function checkReads(): Promise<Result> {
  const http = new DynamoDbHttpClient(endpoint, credentials);
  const batches = new BatchReader(http, { keyAttributes: ['pk', 'sk'], consistentRead: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let found = 0;
  try {
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < events) {
        const from = next;
        next = Math.min(events, next + 100);
        const keys = [];
        for (let i = from; i < next; i++) {
          const it = item(i)!;
          keys.push({ key: { pk: it.pk, sk: it.sk } as Item, ref: i });
        }
        const out = await batches.getItems(target, keys);
        if (out.failed.length > 0) throw new Error(`check reads: ${out.failed.length} keys not read`);
        found += out.found.filter((f) => f.item !== undefined).length;
      }
    }));
  } finally {
    await http.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (found !== events) throw new Error(`check reads: ${found} items found in ${target}, expected ${events}; run again with --fresh`);
  return { events: found, seconds, cpuSec: (cpu.user + cpu.system) / 1e6 };
}

// ── monitor, a fresh process per run ──────────────────────────────────────────────────────────

const work = mkdtempSync(path.join(os.tmpdir(), 'bench-monitor-run-'));
const CPU_HOOK = 'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();process.stderr.write("\\nCPU_US "+(u.userCPUTime+u.systemCPUTime)+"\\n")})';

function monitor(sampleRate: string, run: string): Promise<Result> {
  const args = ['monitor', '--endpoint-url', ENDPOINT, '--source-table', source, '--target-table', target,
    '--iterator-type', 'trim-horizon', '--until-caught-up', '--json', '--stats-interval', '86400', '--sample-rate', sampleRate,
    '--threads', String(threads), '--differences', path.join(work, `${run}.jsonl`), '--checkpoint', path.join(work, `${run}.checkpoint.json`)];
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

/**
 * Unless --keep: the tables go, and our own DynamoDB Local with them (the shared one keeps their
 * stream records until it restarts: see the header).
 */
async function cleanUp(): Promise<void> {
  if (values.keep) {
    const where = own === undefined ? 'the shared DynamoDB Local: delete them and restart it when done' : `DynamoDB Local on port ${own.port}, left running; stop it when done: ${own.env} node scripts/services.mjs down dynamodb`;
    process.stderr.write(`kept ${source} and ${target} (--keep) on ${where}\n`);
    return;
  }
  for (const table of [source, target]) {
    await ddb.send(new DeleteTableCommand({ TableName: table })).catch((error: unknown) => {
      if ((error as { name?: unknown }).name !== 'ResourceNotFoundException') process.stderr.write(`could not delete ${table}: ${String(error)}\n`);
    });
  }
  process.stderr.write(`deleted ${source} and ${target} (--keep keeps them for the next run)\n`);
  await own?.stop();
}

const sdkReader = sdkReadClient(streams);
const kinds = [
  { name: 'raw ceiling: GetRecords alone (readShard, Limit 1,000, lean reader)', run: (_: string) => rawRead(reader) },
  { name: 'GetRecords alone through the AWS SDK (what a plain reader gets)', run: (_: string) => rawRead(sdkReader) },
  { name: 'check reads alone: BatchGetItem of every key (100 a request)', run: (_: string) => checkReads() },
  { name: `monitor --sample-rate 100 --threads ${threads}`, run: (r: string) => monitor('100', `sr100-${r}`) },
  { name: `monitor --sample-rate 10 --threads ${threads}`, run: (r: string) => monitor('10', `sr10-${r}`) },
];
const results = kinds.map(() => [] as Result[]);
const loadAvg: number[] = [];
// Ctrl-C reaches a monitor child as well, which fails its round; the raw read ends its round.
// Either way the run stops there, and cleanUp runs below.
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  process.stderr.write('\ninterrupted: stopping after this round, then cleaning up\n');
});
try {
  await ensureTables();
  for (let i = 0; i < runs; i++) {
    // Rotate the order each round so that neither warm caches nor a neighbour's load favour one kind.
    const order = kinds.map((_, k) => (k + i) % kinds.length);
    for (const k of order) {
      if (interrupted) throw new Error('interrupted');
      const r = await kinds[k]!.run(String(i));
      results[k]!.push(r);
      loadAvg.push(os.loadavg()[0]!);
      const s = r.summary;
      const theirs = s === undefined ? '' : `; its summary: ${fmt(s.eventsPerSec as number)} events/s over ${((s.elapsedMs as number) / 1000).toFixed(1)} s, sampled ${fmt(s.sampled as number)}, matched ${fmt(s.matched as number)}`;
      process.stderr.write(`round ${i + 1} ${kinds[k]!.name}: ${fmt(r.events / r.seconds)} events/s in ${r.seconds.toFixed(1)} s, CPU ${r.cpuSec.toFixed(1)} s${theirs}\n`);
    }
  }
} finally {
  streams.destroy();
  await reader.destroy();
  await cleanUp().finally(() => ddb.destroy());
  rmSync(work, { recursive: true, force: true });
  rmSync(snapshot, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const rate = (r: Result): number => r.events / r.seconds;
const ceiling = median(results[0]!.map(rate));
console.log(`\nmonitor benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`DynamoDB Local on the same machine (${own === undefined ? 'the shared one' : 'the bench\'s own'}; it shares the cores); ${fmt(events)} INSERT events in one stream; ${runs} rounds, order rotated; load average ${Math.min(...loadAvg).toFixed(1)}–${Math.max(...loadAvg).toFixed(1)}\n`);
console.log('| run | events | wall s (each round) | events/s (each round) | median events/s | % of raw ceiling | CPU s (median) | summary events/s (median) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
kinds.forEach((k, i) => {
  const rs = results[i]!;
  const own = rs[0]!.summary === undefined ? '—' : fmt(median(rs.map((r) => r.summary!.eventsPerSec as number)));
  console.log(`| ${k.name} | ${fmt(events)} | ${rs.map((r) => r.seconds.toFixed(1)).join(', ')} | ${rs.map((r) => fmt(rate(r))).join(', ')} | ${fmt(median(rs.map(rate)))} | ${((100 * median(rs.map(rate))) / ceiling).toFixed(1)} % | ${median(rs.map((r) => r.cpuSec)).toFixed(1)} | ${own} |`);
});
const med = (i: number): number => median(results[i]!.map(rate));
const pct = (i: number): number => (100 * med(i)) / ceiling;
const verdict = (p: number, goal: number): string => `${p.toFixed(1)} % (target ≥ ${goal} %: ${p >= goal ? 'met' : `missed by ${(goal - p).toFixed(1)} points`})`;
const [SR100, SR10] = [3, 4];
console.log(`\nof the raw ceiling (lean GetRecords alone): sample rate 10: ${verdict(pct(SR10), 80)}; sample rate 100: ${verdict(pct(SR100), 50)}`);
console.log(`of GetRecords alone through the AWS SDK (${fmt(med(1))} events/s): sample rate 10: ${((100 * med(SR10)) / med(1)).toFixed(1)} %; sample rate 100: ${((100 * med(SR100)) / med(1)).toFixed(1)} %`);
// DynamoDB Local answers GetRecords and BatchGetItem on one thread: the time of both is the floor.
const bound = (share: number): number => 1 / (1 / ceiling + share / med(2));
console.log(`what DynamoDB Local can serve at all (GetRecords and the check reads on its one SQLite thread, 1 / (1/raw + share/check reads)): sample rate 10: ${fmt(bound(0.1))} events/s, the monitor reaches ${((100 * med(SR10)) / bound(0.1)).toFixed(1)} %; sample rate 100: ${fmt(bound(1))} events/s (${((100 * bound(1)) / ceiling).toFixed(1)} % of the raw ceiling), the monitor reaches ${((100 * med(SR100)) / bound(1)).toFixed(1)} %`);
console.log('every monitor run: exit 0, status clean, caught up, all events counted and every settled check matched');
console.log(`reproduce: npm run bench:monitor -- --events ${events} --threads ${threads} --runs ${runs}`);

if (values['cpu-prof'] !== undefined) console.log(`CPU profiles of the monitor processes: ${path.resolve(values['cpu-prof'])}/<run>/`);
