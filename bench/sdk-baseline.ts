/**
 * The baseline beside `migrate`: the plain AWS SDK v3 script a user would otherwise write. One
 * cassandra-driver Client reads the whole table with one paged `SELECT *` (fetchSize 5000,
 * prepared), each row goes through our own converter (as bench/migrate.ts does, so conversion
 * costs the same on both sides), and one DynamoDBClient writes BatchWriteItemCommands of 25
 * items, at most 8 in flight, re-sending UnprocessedItems. Pages are fetched one at a time
 * (`execute` with `pageState`), and the next page waits while 8 requests are in flight, so the
 * script holds one page at a time rather than the table.
 *
 *   node dist/bench/sdk-baseline.js --child --keyspace K --table T --endpoint URL --target users --in-flight 8
 *     → prints {"rows":N,"items":N}
 *
 * Bench mode runs that script and `cass2ddb-fast migrate` as child processes, alternated (the
 * order rotated each round), into the counting sink (a DynamoDB stand-in in a child process)
 * and optionally into DynamoDB Local, each measured under GNU time (bench/measure.ts): wall,
 * CPU (user + system) and peak RSS.
 *
 *   npm run bench:sdk-baseline -- --rows 1000000 --runs 2 --threads 2 [--local-rows 100000]
 *
 * The bench-mode helpers are imported on demand, so the child script loads only what a user's
 * script would: the driver, the SDK and the converter.
 */
import '../src/node-warnings.js';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { compileRowConverter } from '../src/mapping/row-converter.js';
import { tableSpecFromMetadata, type DriverTableMetadata } from '../src/mapping/table-spec.js';
import type { Measured } from './measure.js';

const KEYSPACE = 'bench_read';
const IN_FLIGHT = 8;
const FETCH_SIZE = 5000;
const BATCH = 25;
const REGION = 'us-east-1';
const CREDS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
/** As bench/common.ts CONTACT_POINT, which this child does not import (it pulls in the whole tool). */
const DEFAULT_CONTACT_POINT = `127.0.0.1:${process.env.CASSANDRA_PORT ?? 9042}`;
const THIS_FILE = fileURLToPath(import.meta.url);

export interface SdkCopyOptions {
  readonly contactPoint: string;
  readonly keyspace: string;
  readonly table: string;
  readonly endpoint: string;
  readonly target: string;
  readonly inFlight: number;
  readonly fetchSize?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The user's script: copies the table, returns rows read and items DynamoDB accepted. */
export async function sdkCopy(o: SdkCopyOptions): Promise<{ rows: number; items: number }> {
  const client = new cassandra.Client({ contactPoints: [o.contactPoint], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 120_000 } });
  await client.connect();
  const ddb = new DynamoDBClient({ endpoint: o.endpoint, region: REGION, credentials: CREDS });
  let rows = 0;
  let items = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();

  /** One BatchWriteItem, re-sending what comes back unprocessed with exponential backoff and full jitter. */
  const writeBatch = async (batch: WriteRequest[]): Promise<number> => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > 10) throw new Error(`${pending.length} items still unprocessed after ${attempt} sends`);
        await sleep(Math.random() * Math.min(5_000, 50 * 2 ** (attempt - 1)));
      }
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [o.target]: pending } }));
      pending = out.UnprocessedItems?.[o.target] ?? [];
    }
    return batch.length;
  };

  const launch = (batch: WriteRequest[]): void => {
    const p: Promise<void> = writeBatch(batch)
      .then((n) => void (items += n), (e: unknown) => void (failure ??= e))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  try {
    const meta = (await client.metadata.getTable(o.keyspace, o.table)) as unknown as DriverTableMetadata | null;
    if (meta === null) throw new Error(`no table ${o.keyspace}.${o.table}`);
    const convert = compileRowConverter(tableSpecFromMetadata(meta));
    const query = `SELECT * FROM ${o.keyspace}.${o.table}`;
    let batch: WriteRequest[] = [];
    let pageState: string | undefined;
    do {
      const rs = await client.execute(query, [], { prepare: true, fetchSize: o.fetchSize ?? FETCH_SIZE, ...(pageState === undefined ? {} : { pageState }) });
      for (const row of rs.rows) {
        rows++;
        const c = convert(row as unknown as Record<string, unknown>);
        if (!c.ok) continue;
        batch.push({ PutRequest: { Item: c.item as never } });
        if (batch.length === BATCH) {
          // Back-pressure: no more than `inFlight` requests, so no more than a page is held.
          while (inFlight.size >= o.inFlight) await Promise.race(inFlight);
          if (failure !== undefined) throw failure;
          launch(batch);
          batch = [];
        }
      }
      pageState = rs.pageState ?? undefined;
    } while (pageState !== undefined);
    if (batch.length > 0) launch(batch);
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    return { rows, items };
  } finally {
    await Promise.allSettled(inFlight);
    ddb.destroy();
    await client.shutdown();
  }
}

async function runChild(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean' },
      'contact-point': { type: 'string', default: DEFAULT_CONTACT_POINT },
      keyspace: { type: 'string', default: KEYSPACE },
      table: { type: 'string' },
      endpoint: { type: 'string' },
      target: { type: 'string', default: 'users' },
      'in-flight': { type: 'string', default: String(IN_FLIGHT) },
      'fetch-size': { type: 'string', default: String(FETCH_SIZE) },
    },
  });
  if (values.table === undefined || values.endpoint === undefined) throw new Error('--table and --endpoint are required');
  const r = await sdkCopy({
    contactPoint: values['contact-point'],
    keyspace: values.keyspace,
    table: values.table,
    endpoint: values.endpoint,
    target: values.target,
    inFlight: Number(values['in-flight']),
    fetchSize: Number(values['fetch-size']),
  });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

interface Run {
  readonly round: number;
  readonly side: 'sdk' | 'migrate';
  readonly target: 'sink' | 'local';
  readonly rows: number;
  readonly m: Measured;
  /** migrate's adaptive rate (WCU/s) at its start and its end, from its JSON events. */
  readonly rate?: { readonly start: number; readonly final: number };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Runs the bench; returns its markdown section. */
export async function runSdkBaselineBench(o: { rows: number; runs: number; threads: number; localRows: number }): Promise<string> {
  const { CONTACT_POINT, LOCAL_ENDPOINT, ensureBenchServices, ensureUsersTable, fmt } = await import('./common.js');
  const { CLI, figures, machine, measureCommand, summaryLine } = await import('./measure.js');
  const { startSinkProcess } = await import('./sink-process.js');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { CreateTableCommand, DeleteTableCommand, ScanCommand } = await import('@aws-sdk/client-dynamodb');

  await ensureBenchServices(o.localRows > 0);
  const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
  await client.connect();
  let table: string;
  let localTable = '';
  try {
    table = await ensureUsersTable(client, KEYSPACE, o.rows, 2);
    if (o.localRows > 0) localTable = await ensureUsersTable(client, KEYSPACE, o.localRows, 2);
  } finally {
    await client.shutdown();
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-sdk-baseline-'));
  const runs: Run[] = [];
  const sink = await startSinkProcess({ describeKeySchema: { hash: ['id', 'S'] } });
  const admin = new DynamoDBClient({ endpoint: LOCAL_ENDPOINT, region: REGION, credentials: CREDS });
  let seq = 0;

  /** One side as a child process; checks it wrote exactly `rows` items (its own count and `delivered()`). */
  const once = async (round: number, side: Run['side'], target: Run['target'], source: string, rows: number, endpoint: string, targetTable: string, delivered: () => Promise<number>): Promise<void> => {
    const args = side === 'sdk'
      ? [THIS_FILE, '--child', '--contact-point', CONTACT_POINT, '--keyspace', KEYSPACE, '--table', source, '--endpoint', endpoint, '--target', targetTable, '--in-flight', String(IN_FLIGHT)]
      : [CLI, 'migrate', '--contact-points', CONTACT_POINT, '--keyspace', KEYSPACE, '--table', source, '--target-table', targetTable,
        '--endpoint-url', endpoint, '--threads', String(o.threads), '--json', '--checkpoint', path.join(work, `${++seq}.json`)];
    const m = await measureCommand(process.execPath, args);
    const reported = side === 'sdk'
      ? (JSON.parse(m.stdout.trim().split('\n').pop() || '{}') as { rows?: number; items?: number })
      : { rows: summaryLine(m.stdout)?.rowsRead as number | undefined, items: summaryLine(m.stdout)?.itemsWritten as number | undefined };
    const got = await delivered();
    if (m.status !== 0 || reported.rows !== rows || reported.items !== rows || got !== rows) {
      throw new Error(`${side} → ${target}: exit ${m.status}, read ${reported.rows}, wrote ${reported.items}, target holds ${got}, expected ${rows}\n${m.stderr.slice(-2000)}`);
    }
    const rate = side === 'migrate' ? (summaryLine(m.stdout)?.rate as { startRate?: number; finalRate?: number } | undefined) : undefined;
    runs.push({ round, side, target, rows, m, ...(rate?.startRate === undefined || rate.finalRate === undefined ? {} : { rate: { start: rate.startRate, final: rate.finalRate } }) });
    process.stderr.write(`round ${round} ${side} → ${target}: ${fmt(rows / m.wallSeconds)} rows/s, ${((m.cpuSeconds * 1e6) / rows).toFixed(1)} CPU µs/row, peak RSS ${fmt(m.peakRssMiB)} MiB\n`);
  };

  /** The shared sink; what it counted during the run is what the run delivered. */
  const intoSink = async (round: number, side: Run['side']): Promise<void> => {
    const before = (await sink.stats()).items;
    await once(round, side, 'sink', table, o.rows, sink.url, 'users', async () => (await sink.stats()).items - before);
  };

  /** A fresh on-demand table in DynamoDB Local for the run, counted with Scan COUNT and deleted afterwards. */
  const intoLocal = async (round: number, side: Run['side']): Promise<void> => {
    const name = `sdkbase_${side}_${Date.now().toString(36)}`;
    await admin.send(new CreateTableCommand({
      TableName: name, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }));
    try {
      await once(round, side, 'local', localTable, o.localRows, LOCAL_ENDPOINT, name, async () => {
        let n = 0;
        let start: Record<string, never> | undefined;
        do {
          const page = await admin.send(new ScanCommand({ TableName: name, Select: 'COUNT', ...(start === undefined ? {} : { ExclusiveStartKey: start }) }));
          n += page.Count ?? 0;
          start = page.LastEvaluatedKey as Record<string, never> | undefined;
        } while (start !== undefined);
        return n;
      });
    } finally {
      await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    }
  };

  try {
    for (let round = 1; round <= o.runs; round++) {
      const order: Run['side'][] = round % 2 === 1 ? ['sdk', 'migrate'] : ['migrate', 'sdk'];
      for (const side of order) await intoSink(round, side);
      if (o.localRows > 0) for (const side of order) await intoLocal(round, side);
    }
  } finally {
    sink.close();
    admin.destroy();
    rmSync(work, { recursive: true, force: true });
  }

  const label = (r: { side: Run['side']; target: Run['target'] }): string =>
    `${r.side === 'sdk' ? `SDK script (1 SELECT, BatchWriteItem × ${IN_FLIGHT} in flight)` : `migrate --threads ${o.threads}`} → ${r.target === 'sink' ? 'sink' : 'DynamoDB Local'}`;
  const row = (name: string, rows: number, wall: number, cpu: number, rss: number): string =>
    `| ${name} | ${fmt(rows)} | ${wall.toFixed(1)} | ${fmt(rows / wall)} | ${cpu.toFixed(1)} | ${((cpu * 1e6) / rows).toFixed(1)} | ${fmt(rss)} |`;
  const lines = [
    `## Plain AWS SDK v3 script vs migrate (${fmt(o.rows)} users rows${o.localRows > 0 ? `; ${fmt(o.localRows)} into DynamoDB Local` : ''})`,
    '',
    `${machine()}, ${new Date().toISOString()}`,
    '',
    '```bash',
    `npm run bench:sdk-baseline -- --rows ${o.rows} --runs ${o.runs} --threads ${o.threads}${o.localRows > 0 ? ` --local-rows ${o.localRows}` : ''}`,
    '```',
    '',
    `Both sides are child processes under GNU time (CPU is user + system of the whole process; the sink or DynamoDB Local, and Cassandra, are not counted), alternated with the order rotated each round; each wrote exactly its rows (the sink's count, or a Scan COUNT of a fresh table). The SDK script: one cassandra-driver Client, one \`SELECT *\` paged by ${FETCH_SIZE}, our row converter, one DynamoDBClient, BatchWriteItemCommand of ${BATCH} with ${IN_FLIGHT} in flight and UnprocessedItems re-sent.`,
    '',
    '| run | rows | wall s | rows/s | CPU s | CPU µs/row | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of runs) lines.push(row(`${r.round}: ${label(r)}`, r.rows, r.m.wallSeconds, r.m.cpuSeconds, r.m.peakRssMiB));
  const statements: string[] = [];
  for (const target of ['sink', 'local'] as const) {
    const pick = (side: Run['side']) => runs.filter((r) => r.target === target && r.side === side);
    const sdk = pick('sdk');
    const ours = pick('migrate');
    if (sdk.length === 0 || ours.length === 0) continue;
    const med = (rs: Run[]) => {
      const rows = rs[0]!.rows;
      const rps = median(rs.map((r) => rows / r.m.wallSeconds));
      const cpu = median(rs.map((r) => r.m.cpuSeconds));
      return { rows, rps, wall: rows / rps, cpu, cpuPerRow: median(rs.map((r) => (r.m.cpuSeconds * 1e6) / rows)), rss: median(rs.map((r) => r.m.peakRssMiB)) };
    };
    const a = med(sdk);
    const b = med(ours);
    for (const [side, x] of sdk.length > 1 ? ([['sdk', a], ['migrate', b]] as const) : []) {
      lines.push(`| **median: ${label({ side, target })}** | ${fmt(x.rows)} | ${x.wall.toFixed(1)} | ${fmt(x.rps)} | ${x.cpu.toFixed(1)} | ${x.cpuPerRow.toFixed(1)} | ${fmt(x.rss)} |`);
    }
    const speed = b.rps / a.rps;
    const cpu = a.cpuPerRow / b.cpuPerRow;
    const where = target === 'sink' ? 'Into the counting sink' : 'Into DynamoDB Local';
    const rates = ours.flatMap((r) => (r.rate === undefined ? [] : [r.rate]));
    const rampNote = rates.length === 0 ? '' : ` migrate's adaptive rate started at ${fmt(median(rates.map((r) => r.start)))} WCU/s (from the target's DescribeTable) and ended at ${fmt(median(rates.map((r) => r.final)))} WCU/s; the SDK script has no rate control.`;
    if (target === 'sink') statements.push(figures({ sdkScriptRatio: speed, sdkScriptCpuRatio: cpu }));
    statements.push(`${where}, migrate is ${speed.toFixed(1)}× the SDK script's rows/s, with ${cpu >= 1 ? `${cpu.toFixed(1)}× less` : `${(1 / cpu).toFixed(1)}× more`} CPU per row (${sdk.length === 1 ? 'one run each' : `medians of ${sdk.length} runs`}); peak RSS ${fmt(b.rss)} MiB against ${fmt(a.rss)} MiB.${rampNote}`);
  }
  lines.push('', ...statements);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    await runChild();
    return;
  }
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '2' },
      threads: { type: 'string', default: '2' },
      'local-rows': { type: 'string', default: '0' },
    },
  });
  const md = await runSdkBaselineBench({ rows: Number(values.rows), runs: Number(values.runs), threads: Number(values.threads), localRows: Number(values['local-rows']) });
  process.stdout.write(md);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
