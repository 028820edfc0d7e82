/**
 * Whole-run benchmark of `migrate` on N `users` rows from the local Cassandra:
 *  - cass2ddb-fast migrate into the counting sink (a DynamoDB stand-in in a child process, so
 *    the figures are the tool's: Cassandra reads, conversion, lean writes), with CPU µs per row;
 *  - the baseline, in the same run: the seed tool's way — one SELECT paged through on one
 *    connection, one AWS SDK v3 PutItem per row, each awaited — into the same sink;
 *  - optionally (--local-rows) migrate into the real DynamoDB Local, whose SQLite is the limit.
 *
 *   npm run bench:migrate -- --rows 1000000 --threads 2 --baseline-rows 20000 --local-rows 100000
 */
import '../src/node-warnings.js';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { DynamoDBClient, PutItemCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { compileRowConverter } from '../src/mapping/row-converter.js';
import { tableSpecFromMetadata, type DriverTableMetadata } from '../src/mapping/table-spec.js';
import { startSinkProcess } from './sink-process.js';
import { CONTACT_POINT, LOCAL_ENDPOINT, ensureBenchServices, ensureUsersTable, fmt, tool } from './common.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    'baseline-rows': { type: 'string', default: '20000' },
    'local-rows': { type: 'string', default: '0' },
    keyspace: { type: 'string', default: 'bench_migrate' },
  },
});
const rows = Number(values.rows);
const threads = Number(values.threads);
const baselineRows = Number(values['baseline-rows']);
const localRows = Number(values['local-rows']);
const keyspace = values.keyspace;
const contactPoint = CONTACT_POINT;
const localEndpoint = LOCAL_ENDPOINT;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-migrate-'));

await ensureBenchServices(localRows > 0);
const cli = tool;

const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 120_000 } });
await client.connect();

const table = await ensureUsersTable(client, keyspace, rows, threads);

interface Result { name: string; rows: number; seconds: number; cpuMicrosPerRow: number }
const results: Result[] = [];
const sink = await startSinkProcess({ describeKeySchema: { hash: ['id', 'S'] } });

async function measure(name: string, expectedRows: number, run: () => Promise<number>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (n !== expectedRows) throw new Error(`${name}: ${n} rows, expected ${expectedRows}`);
  results.push({ name, rows: n, seconds, cpuMicrosPerRow: (cpu.user + cpu.system) / n });
}

// Baseline first, so our run's warm-up helps neither side.
await measure(`baseline: 1 SELECT + 1 SDK PutItem per row, sequential (seed tool)`, baselineRows, async () => {
  const meta = (await client.metadata.getTable(keyspace, table)) as unknown as DriverTableMetadata;
  const convert = compileRowConverter(tableSpecFromMetadata(meta));
  const ddb = new DynamoDBClient({ endpoint: sink.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  let n = 0;
  for await (const row of client.stream(`SELECT * FROM ${keyspace}.${table}`, [], { prepare: true, fetchSize: 1000 }) as unknown as AsyncIterable<cassandra.types.Row>) {
    const c = convert(row);
    if (!c.ok) continue;
    await ddb.send(new PutItemCommand({ TableName: 'users', Item: c.item as never }));
    if (++n >= baselineRows) break;
  }
  ddb.destroy();
  return n;
});

await measure(`cass2ddb-fast migrate --threads ${threads} → sink`, rows, async () => {
  const r = await cli(['migrate', '--contact-points', contactPoint, '--keyspace', keyspace, '--table', table, '--target-table', 'users',
    '--endpoint-url', sink.url, '--threads', String(threads), '--json', '--checkpoint', path.join(work, 'sink.json')]);
  if (r.status !== 0) throw new Error(`migrate failed: ${r.stderr}`);
  return r.summary?.itemsWritten as number;
});
const sinkStats = await sink.stats();
sink.close();

if (localRows > 0) {
  const target = `bench_${Date.now().toString(36)}`;
  const ddb = new DynamoDBClient({ endpoint: localEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const small = `users_${localRows}`;
  if (localRows !== rows) {
    await client.execute(`DROP TABLE IF EXISTS ${keyspace}.${small}`);
    const p = await cli(['populate', '--contact-points', contactPoint, '--keyspace', keyspace, '--table', small, '--rows', String(localRows), '--threads', String(threads), '--json']);
    if (p.status !== 0) throw new Error(`populate failed: ${p.stderr}`);
  }
  await measure(`cass2ddb-fast migrate --threads ${threads} → DynamoDB Local`, localRows, async () => {
    const r = await cli(['migrate', '--contact-points', contactPoint, '--keyspace', keyspace, '--table', small, '--target-table', target,
      '--endpoint-url', localEndpoint, '--create-table', '--threads', String(threads), '--json', '--checkpoint', path.join(work, 'local.json')]);
    if (r.status !== 0) throw new Error(`migrate failed: ${r.stderr}`);
    return r.summary?.itemsWritten as number;
  });
  await ddb.send(new DeleteTableCommand({ TableName: target })).catch(() => undefined);
  ddb.destroy();
}
await client.shutdown();
rmSync(work, { recursive: true, force: true });

console.log(`\nmigrate benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log('Cassandra 5.0 single node on the same machine (it shares the cores); the sink runs in a child process\n');
console.log('| run | rows | wall s | rows/s | client CPU µs/row |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${fmt(r.rows)} | ${r.seconds.toFixed(1)} | ${fmt(r.rows / r.seconds)} | ${r.cpuMicrosPerRow.toFixed(1)} |`);
const [base, ours] = results;
if (base && ours) console.log(`\nspeed-up over the baseline: ${(ours.rows / ours.seconds / (base.rows / base.seconds)).toFixed(1)}×; CPU per row: ${(base.cpuMicrosPerRow / ours.cpuMicrosPerRow).toFixed(1)}× less`);
console.log(`sink counted ${fmt(sinkStats.items)} items in ${fmt(sinkStats.requests)} requests (${sinkStats.unsigned} unsigned)`);
console.log(`reproduce: npm run bench:migrate -- --rows ${rows} --threads ${threads} --baseline-rows ${baselineRows} --local-rows ${localRows}`);
