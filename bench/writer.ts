/**
 * The write ceiling: the project's lean DynamoDB write path alone, no Cassandra. N users items
 * (the populate model's rows, `MODELS.users`, through our row converter, as migrate would write
 * them) are built in memory first; then the BatchWriter (src/dynamodb/batch-writer.ts) over the
 * lean keep-alive client writes them in 25-item BatchWriteItems with `--in-flight` requests at
 * once, and, in the same run, the AWS SDK v3 `BatchWriteItemCommand` does the same as the
 * baseline (UnprocessedItems re-sent). Targets:
 *  (a) the counting sink (test/fixtures/ddb-sink.ts) in a child process, so this process's CPU
 *      is the client's; checked by the sink's item count;
 *  (b) DynamoDB Local, a fresh on-demand table per path (deleted afterwards); checked by a Scan
 *      COUNT.
 * CPU is `process.cpuUsage()` around the write phase only (not the item generation).
 *
 *   npm run bench:writer -- --items 200000 --local-items 100000 --in-flight 16 [--runs 1]
 */
import '../src/node-warnings.js';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DynamoDBClient, ScanCommand, type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DEFAULTS } from '../src/config/defaults.js';
import { BatchWriter, type BatchEntry } from '../src/dynamodb/batch-writer.js';
import { openDynamoDbHttpClient } from '../src/dynamodb/http-client.js';
import type { Item } from '../src/mapping/attribute-value.js';
import { parseCqlType } from '../src/mapping/cql-type.js';
import { compileRowConverter } from '../src/mapping/row-converter.js';
import type { TableSpec } from '../src/mapping/table-spec.js';
import { PACKAGE_ROOT } from '../src/package-info.js';
import { MODELS } from '../src/populate/models/index.js';
import { LOCAL_ENDPOINT, fmt } from './common.js';
import { machine } from './measure.js';
import { startSinkProcess } from './sink-process.js';

export interface WriterBenchOptions {
  readonly items: number;
  readonly localItems: number;
  readonly inFlight: number;
  /** Rounds of both paths per target, the order rotated each round (default 1). */
  readonly runs?: number;
}

const REGION = 'us-east-1';
const CREDS = { accessKeyId: 'AKIDBENCHWRITER', secretAccessKey: 'bench/writer/secret' };
const BATCH = DEFAULTS.dynamodb.maxBatchItems;
const SEED = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The `users` table of `populate --model users` (src/populate/models/users.ts), as the driver's metadata gives it. */
const USERS_TABLE: TableSpec = {
  partitionKeys: [{ name: 'id', type: parseCqlType('uuid') }],
  clusteringKeys: [],
  columns: [
    { name: 'name', type: parseCqlType('text') }, { name: 'email', type: parseCqlType('text') }, { name: 'age', type: parseCqlType('int') },
    { name: 'created_at', type: parseCqlType('timestamp') }, { name: 'tags', type: parseCqlType('set<text>') }, { name: 'prefs', type: parseCqlType('map<text, text>') },
  ],
};
const USERS_COLUMNS = ['id', 'name', 'email', 'age', 'created_at', 'tags', 'prefs'];

interface Workload {
  /** Our writer's batches and the SDK's, over the same items. */
  readonly entries: BatchEntry<number>[][];
  readonly requests: WriteRequest[][];
  readonly items: number;
  readonly meanItemBytes: number;
}

/** `n` users items as migrate would write them: populate's rows (edge rows included) through the converter. */
function buildWorkload(n: number): Workload {
  const insert = MODELS.users.statements('k', 't')[0]?.cql ?? '';
  const listed = /\(([^)]*)\)/.exec(insert)?.[1]?.split(',').map((c) => c.trim());
  if (listed?.join(',') !== USERS_COLUMNS.join(',')) throw new Error(`the users model's columns changed: ${insert}`);
  const convert = compileRowConverter(USERS_TABLE);
  const entries: BatchEntry<number>[][] = [];
  const requests: WriteRequest[][] = [];
  let bytes = 0;
  for (let i = 0; i < n; i += BATCH) {
    const e: BatchEntry<number>[] = [];
    const r: WriteRequest[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      const params = MODELS.users.generate(SEED, j, { edgeEvery: DEFAULTS.populate.edgeEvery, invalidEvery: 0 })[0]?.params ?? [];
      const c = convert(Object.fromEntries(USERS_COLUMNS.map((col, k) => [col, params[k]])));
      if (!c.ok) throw new Error(`row ${j}: ${c.reason.message}`);
      e.push({ key: JSON.stringify(c.item.id), item: c.item, ref: j, units: c.wcu });
      r.push({ PutRequest: { Item: c.item as never } });
      bytes += c.sizeBytes;
    }
    entries.push(e);
    requests.push(r);
  }
  return { entries, requests, items: n, meanItemBytes: bytes / n };
}

type Path = 'lean' | 'sdk';
type Target = 'sink' | 'local';

interface Result {
  readonly round: number;
  readonly target: Target;
  readonly path: Path;
  readonly items: number;
  readonly seconds: number;
  readonly cpuMicros: number;
  /** HTTP requests sent, resends included. */
  readonly requests: number;
}

/** Sends every batch with `inFlight` senders; the CPU and wall time of that phase only. */
async function writePhase(batches: number, inFlight: number, send: (b: number) => Promise<number>): Promise<{ seconds: number; cpuMicros: number; requests: number }> {
  let next = 0;
  let requests = 0;
  const sender = async (): Promise<void> => {
    while (next < batches) {
      const n = await send(next++);
      requests += n;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, batches) }, sender));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuMicros: cpu.user + cpu.system, requests };
}

/** The two clients for one endpoint: each `send(b)` writes batch `b` wholly or throws, and returns the requests it took. */
async function openPaths(endpoint: string, table: string, w: Workload, inFlight: number): Promise<{ send: Record<Path, (b: number) => Promise<number>>; close(): Promise<void> }> {
  const lean = await openDynamoDbHttpClient({ endpoint, region: REGION, connections: inFlight, credentialProvider: async () => CREDS });
  const writer = new BatchWriter(lean);
  const sdk = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDS });
  return {
    send: {
      lean: async (b) => {
        const entries = w.entries[b] as BatchEntry<number>[];
        const out = await writer.writeBatch(table, entries);
        if (out.failed.length > 0 || out.written + out.merged !== entries.length) {
          throw new Error(`BatchWriter: ${out.written} of ${entries.length} written, ${out.failed.length} failed: ${out.failed[0]?.code} ${out.failed[0]?.message}`);
        }
        return out.requests;
      },
      sdk: async (b) => {
        let pending = w.requests[b] as WriteRequest[];
        let requests = 0;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) {
            if (attempt > 10) throw new Error(`SDK: ${pending.length} items still unprocessed after ${attempt} sends`);
            await sleep(Math.random() * Math.min(5_000, 50 * 2 ** (attempt - 1)));
          }
          const out = await sdk.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
          requests += out.$metadata.attempts ?? 1;
          pending = out.UnprocessedItems?.[table] ?? [];
        }
        return requests;
      },
    },
    async close() {
      sdk.destroy();
      await lean.close();
    },
  };
}

/** DynamoDB Local up (as ensureBenchServices, which always brings Cassandra too; this bench does not read it). */
async function ensureDynamoDbLocal(): Promise<void> {
  const url = pathToFileURL(path.join(PACKAGE_ROOT, 'scripts', 'services.mjs')).href;
  const { ensureServices } = (await import(url)) as { ensureServices: (o: object) => Promise<unknown> };
  await ensureServices({ cassandra: false, dynamodb: true, log: (l: string) => process.stderr.write(`[services] ${l}\n`) });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Runs the bench; returns its markdown section. */
export async function runWriterBench(o: WriterBenchOptions): Promise<string> {
  const runs = o.runs ?? 1;
  const log = (l: string) => process.stderr.write(`${l}\n`);
  if (o.localItems > 0) await ensureDynamoDbLocal();

  const t0 = performance.now();
  const w = buildWorkload(Math.max(o.items, o.localItems));
  log(`built ${fmt(w.items)} items (mean ${fmt(w.meanItemBytes)} B) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const batchesFor = (items: number) => Math.ceil(items / BATCH);
  const results: Result[] = [];

  const record = (round: number, target: Target, path: Path, items: number, m: { seconds: number; cpuMicros: number; requests: number }) => {
    results.push({ round, target, path, items, ...m });
    log(`round ${round} ${path} → ${target}: ${fmt(items / m.seconds)} items/s, ${(m.cpuMicros / items).toFixed(1)} CPU µs/item`);
  };
  const order = (round: number): Path[] => (round % 2 === 1 ? ['sdk', 'lean'] : ['lean', 'sdk']);

  // (a) The counting sink in a child process.
  if (o.items > 0) {
    const sink = await startSinkProcess();
    const paths = await openPaths(sink.url, 'users', w, o.inFlight);
    try {
      // Warm-up, both paths, not measured: JIT, sockets, the signing key cache.
      const warm = Math.min(40, batchesFor(o.items));
      for (const p of ['sdk', 'lean'] as const) await writePhase(warm, o.inFlight, paths.send[p]);
      for (let round = 1; round <= runs; round++) {
        for (const p of order(round)) {
          const before = await sink.stats();
          const m = await writePhase(batchesFor(o.items), o.inFlight, paths.send[p]);
          const after = await sink.stats();
          if (after.items - before.items !== o.items || after.unsigned !== before.unsigned) {
            throw new Error(`${p} → sink: the sink counted ${after.items - before.items} items (${after.unsigned - before.unsigned} unsigned requests), expected ${o.items}`);
          }
          record(round, 'sink', p, o.items, m);
        }
      }
    } finally {
      await paths.close();
      sink.close();
    }
  }

  // (b) DynamoDB Local: a fresh on-demand table per run and path, counted, then deleted.
  if (o.localItems > 0) {
    const admin = new DynamoDBClient({ endpoint: LOCAL_ENDPOINT, region: REGION, credentials: CREDS });
    try {
      for (let round = 1; round <= runs; round++) {
        for (const p of order(round)) {
          const table = `writer_${p}_${Date.now().toString(36)}`;
          await admin.send(new CreateTableCommand({
            TableName: table, BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          }));
          const paths = await openPaths(LOCAL_ENDPOINT, table, w, o.inFlight);
          try {
            const m = await writePhase(batchesFor(o.localItems), o.inFlight, paths.send[p]);
            let count = 0;
            let start: Record<string, never> | undefined;
            do {
              const page = await admin.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...(start === undefined ? {} : { ExclusiveStartKey: start }) }));
              count += page.Count ?? 0;
              start = page.LastEvaluatedKey as Record<string, never> | undefined;
            } while (start !== undefined);
            if (count !== o.localItems) throw new Error(`${p} → DynamoDB Local: the table holds ${count} items, expected ${o.localItems}`);
            record(round, 'local', p, o.localItems, m);
          } finally {
            await paths.close();
            await admin.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
          }
        }
      }
    } finally {
      admin.destroy();
    }
  }

  const name = (r: { path: Path; target: Target }) =>
    `${r.path === 'lean' ? 'BatchWriter (lean)' : 'AWS SDK v3 BatchWriteItemCommand'} → ${r.target === 'sink' ? 'sink' : 'DynamoDB Local'}`;
  const lines = [
    `## Write ceiling: BatchWriter alone vs the AWS SDK v3, no Cassandra (${o.inFlight} requests in flight)`,
    '',
    `${machine()}, ${new Date().toISOString()}`,
    '',
    '```bash',
    `npm run bench:writer -- --items ${o.items} --local-items ${o.localItems} --in-flight ${o.inFlight}${runs === 1 ? '' : ` --runs ${runs}`}`,
    '```',
    '',
    `${fmt(w.items)} users items (populate's users rows through our converter, mean ${fmt(w.meanItemBytes)} B) built in memory before timing; ${BATCH} items per BatchWriteItem; CPU is this process's (process.cpuUsage) during the write phase only, the sink running in a child process. Every run was checked: the sink counted exactly its items, or a Scan COUNT of its fresh DynamoDB Local table found them all.`,
    '',
    '| run | items | wall s | items/s | CPU s | CPU µs/item | CPU µs/request | requests |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(`| ${r.round}: ${name(r)} | ${fmt(r.items)} | ${r.seconds.toFixed(2)} | ${fmt(r.items / r.seconds)} | ${(r.cpuMicros / 1e6).toFixed(2)} | ${(r.cpuMicros / r.items).toFixed(1)} | ${fmt(r.cpuMicros / batchesFor(r.items))} | ${fmt(r.requests)} |`);
  }
  const statements: string[] = [];
  for (const target of ['sink', 'local'] as const) {
    const med = (path: Path) => {
      const rs = results.filter((r) => r.target === target && r.path === path);
      if (rs.length === 0) return undefined;
      return {
        perSecond: median(rs.map((r) => r.items / r.seconds)),
        cpuPerItem: median(rs.map((r) => r.cpuMicros / r.items)),
        cpuPerRequest: median(rs.map((r) => r.cpuMicros / batchesFor(r.items))),
      };
    };
    const lean = med('lean');
    const sdk = med('sdk');
    if (lean === undefined || sdk === undefined) continue;
    const cpu = sdk.cpuPerItem / lean.cpuPerItem;
    statements.push(
      `Into ${target === 'sink' ? 'the counting sink' : 'DynamoDB Local'}, the BatchWriter writes ${fmt(lean.perSecond)} items/s, ${(lean.perSecond / sdk.perSecond).toFixed(1)}× the SDK's ${fmt(sdk.perSecond)}, ` +
      `with ${cpu >= 1 ? `${cpu.toFixed(1)}× less` : `${(1 / cpu).toFixed(1)}× more`} CPU per item (${fmt(lean.cpuPerRequest)} against ${fmt(sdk.cpuPerRequest)} µs per 25-item request)${runs === 1 ? '' : `, medians of ${runs} runs`}.`,
    );
  }
  lines.push('', ...statements);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '200000' },
      'local-items': { type: 'string', default: '100000' },
      'in-flight': { type: 'string', default: '16' },
      runs: { type: 'string', default: '1' },
    },
  });
  const md = await runWriterBench({ items: Number(values.items), localItems: Number(values['local-items']), inFlight: Number(values['in-flight']), runs: Number(values.runs) });
  process.stdout.write(md);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
