/**
 * verify beside migrate on the same N-row `users` table and the same target (DynamoDB Local):
 * migrate copies it, then a full verify reads every row back with BatchGetItem and compares it.
 * The target is met: verify rows/s ≥ 80 % of migrate rows/s.
 *
 *   npm run bench:verify -- --rows 1000000 --threads 2
 */
import '../src/node-warnings.js';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CONTACT_POINT, LOCAL_ENDPOINT, ensureBenchServices, ensureUsersTable, fmt, tool } from './common.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    keyspace: { type: 'string', default: 'bench_migrate' },
  },
});
const rows = Number(values.rows);
const threads = Number(values.threads);
const keyspace = values.keyspace;
const work = mkdtempSync(path.join(os.tmpdir(), 'bench-verify-'));

await ensureBenchServices(true);
const client = new cassandra.Client({ contactPoints: [CONTACT_POINT], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 300_000 } });
await client.connect();
const table = await ensureUsersTable(client, keyspace, rows, threads);
await client.shutdown();
const target = `bench_verify_${Date.now().toString(36)}`;
const common = ['--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', table, '--target-table', target, '--endpoint-url', LOCAL_ENDPOINT, '--threads', String(threads), '--json'];

const t0 = performance.now();
const m = await tool(['migrate', ...common, '--create-table', '--checkpoint', path.join(work, 'c.json')]);
const migrateSec = (performance.now() - t0) / 1000;
if (m.status !== 0) throw new Error(`migrate failed: ${m.stderr}`);

const t1 = performance.now();
const v = await tool(['verify', ...common, '--differences', path.join(work, 'd.jsonl')]);
const verifySec = (performance.now() - t1) / 1000;
if (v.status !== 0) throw new Error(`verify found differences or failed (${v.status}): ${v.stderr}`);

const ddb = new DynamoDBClient({ endpoint: LOCAL_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
await ddb.send(new DeleteTableCommand({ TableName: target })).catch(() => undefined);
ddb.destroy();
rmSync(work, { recursive: true, force: true });

const migrated = m.summary?.itemsWritten as number;
const checked = v.summary?.rowsChecked as number;
const mRate = migrated / migrateSec;
const vRate = checked / verifySec;
console.log(`\nverify benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log('Cassandra 5.0 and DynamoDB Local on the same machine (they share the cores)\n');
console.log('| run | rows | wall s | rows/s |');
console.log('|---|---:|---:|---:|');
console.log(`| migrate --threads ${threads} → DynamoDB Local | ${fmt(migrated)} | ${migrateSec.toFixed(1)} | ${fmt(mRate)} |`);
console.log(`| verify --threads ${threads} (every row, BatchGetItem + compare) | ${fmt(checked)} | ${verifySec.toFixed(1)} | ${fmt(vRate)} |`);
console.log(`\nverify speed = ${((100 * vRate) / mRate).toFixed(0)} % of migrate (target ≥ 80 %); verify found ${fmt(v.summary?.matched as number)} matching rows`);
console.log(`reproduce: npm run bench:verify -- --rows ${rows} --threads ${threads}`);
