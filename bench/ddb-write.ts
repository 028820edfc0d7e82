/**
 * Client CPU per 25-item BatchWriteItem: the AWS SDK v3 `BatchWriteItemCommand` against our
 * lean path (hand-built JSON, SDK SigV4 signer, undici keep-alive pool), same users-like items,
 * both against the in-process DynamoDB sink (test/fixtures/ddb-sink.ts) running in a child
 * process, so `process.cpuUsage()` here counts the client only.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/ddb-write.js [--requests 3000] [--concurrency 1,16] [--rounds 3]
 *
 * Then tinybench micro benchmarks of the parts: body building and signing.
 */
import '../src/node-warnings.js';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { BatchWriteItemCommand, DynamoDBClient, type BatchWriteItemCommandInput } from '@aws-sdk/client-dynamodb';
import { Sha256Js } from '@smithy/core/checksum';
import { Bench } from 'tinybench';
import { batchBodyPrefix, buildBatchBody } from '../src/dynamodb/batch-body.js';
import { BatchWriter, type BatchEntry } from '../src/dynamodb/batch-writer.js';
import { createCredentialSource } from '../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../src/dynamodb/endpoint.js';
import { openDynamoDbHttpClient } from '../src/dynamodb/http-client.js';
import { RequestSigner } from '../src/dynamodb/signer.js';
import type { Item } from '../src/mapping/attribute-value.js';
import { figures, machine, markdownTable } from './measure.js';
import { startSinkProcess } from './sink-process.js';

const TABLE = 'users';
const CREDS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'bench/secret/key' };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function userItem(i: number): Item {
  return {
    id: { S: randomUUID() },
    name: { S: `User Number ${i}` },
    email: { S: `user.number.${i}@example.com` },
    age: { N: String(18 + (i % 70)) },
    created_at: { S: new Date(1_700_000_000_000 + i * 1000).toISOString() },
    tags: { SS: ['admin', 'beta', `group-${i % 9}`] },
    prefs: { M: { theme: { S: i % 2 ? 'dark' : 'light' }, lang: { S: 'en-GB' }, notifications: { BOOL: true }, page_size: { N: '50' } } },
  };
}

const BATCHES: Item[][] = Array.from({ length: 200 }, (_, b) => Array.from({ length: 25 }, (_, i) => userItem(b * 25 + i)));
const ENTRIES: BatchEntry<number>[][] = BATCHES.map((items) => items.map((item, i) => ({ key: (item.id as { S: string }).S, item, ref: i })));

type Send = (n: number) => Promise<void>;

/** Runs `count` sends with `concurrency` in flight; returns CPU µs per send and sends/s. */
async function measure(send: Send, count: number, concurrency: number): Promise<{ cpuMicros: number; perSecond: number }> {
  let next = 0;
  const loop = async () => {
    while (next < count) await send(next++);
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMicros: (cpu.user + cpu.system) / count, perSecond: (count * 1000) / ms };
}

async function main(): Promise<void> {
  const requests = Number(arg('requests', '3000'));
  const rounds = Number(arg('rounds', '3'));
  const concurrencies = arg('concurrency', '1,16').split(',').map(Number);
  const sink = await startSinkProcess();
  const { url } = sink;

  const sdk = new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { ...CREDS }, maxAttempts: 1 });
  const sdkSend: Send = async (n) => {
    const items = BATCHES[n % BATCHES.length] as Item[];
    const input = { RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } } as unknown as BatchWriteItemCommandInput;
    const out = await sdk.send(new BatchWriteItemCommand(input));
    if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error('unexpected UnprocessedItems');
  };

  const lean = await openDynamoDbHttpClient({ endpoint: url, region: 'us-east-1', connections: 64, credentialProvider: async () => CREDS });
  const writer = new BatchWriter(lean);
  const leanSend: Send = async (n) => {
    const out = await writer.writeBatch(TABLE, ENTRIES[n % ENTRIES.length] as BatchEntry<number>[]);
    if (out.written !== 25) throw new Error(`lean path wrote ${out.written}`);
  };

  const rows: Record<string, string>[] = [];
  for (const concurrency of concurrencies) {
    const best = { sdk: { cpuMicros: Infinity, perSecond: 0 }, lean: { cpuMicros: Infinity, perSecond: 0 } };
    for (let r = 0; r < rounds; r++) {
      for (const [name, send] of [['sdk', sdkSend], ['lean', leanSend]] as const) {
        await measure(send, Math.min(500, requests), concurrency); // warm-up: JIT, sockets, signing key cache
        const m = await measure(send, requests, concurrency);
        if (m.cpuMicros < best[name].cpuMicros) best[name] = m;
      }
    }
    for (const [name, label] of [['sdk', 'AWS SDK v3 BatchWriteItemCommand'], ['lean', 'lean: BatchWriter + SigV4 + undici']] as const) {
      rows.push({
        path: label,
        'in flight': String(concurrency),
        'CPU µs / batch': best[name].cpuMicros.toFixed(0),
        'batches/s': best[name].perSecond.toFixed(0),
        'items/s': (best[name].perSecond * 25).toFixed(0),
        'CPU vs SDK': `${((best[name].cpuMicros / best.sdk.cpuMicros) * 100).toFixed(0)} %`,
      });
    }
  }
  sdk.destroy();
  await lean.close();
  sink.close();

  console.log('## DynamoDB write path — AWS SDK v3 vs the lean path, client CPU per 25-item BatchWriteItem\n');
  console.log(`${machine()}, ${new Date().toISOString()}\n`);
  console.log('```bash');
  console.log(`npm run bench:ddb-write -- --requests ${requests} --concurrency ${concurrencies.join(',')} --rounds ${rounds}`);
  console.log('```\n');
  console.log(`25 users-like items per BatchWriteItem (~${buildBatchBody(batchBodyPrefix(TABLE), (BATCHES[0] as Item[]).map((i) => JSON.stringify(i))).byteLength} B body), into the counting sink in a child process; ${requests} requests per round, best of ${rounds} rounds (CPU of this process only: building, signing, HTTP).\n`);
  console.log(markdownTable(rows));
  const leanAtMost = rows.filter((r) => r.path?.startsWith('lean')).map((r) => Number(r['CPU µs / batch']));
  console.log(`\nThe lean path: ${rows.filter((r) => r.path?.startsWith('lean')).map((r) => `${r['CPU µs / batch']} µs at ${r['in flight']} in flight`).join(', ')} per request (goal ≤ 100 µs).`);
  console.log(figures({ leanMicrosPerRequest: leanAtMost.at(-1) ?? Number.NaN }));
  console.log('\nThe parts of the lean path (tinybench, no network):\n');
  await micro();
}

/** The parts of the lean path, and the two SHA-256 choices for the signer. */
async function micro(): Promise<void> {
  const items = BATCHES[0] as Item[];
  const prefix = batchBodyPrefix(TABLE);
  const endpoint = await resolveEndpoint({ endpoint: 'http://127.0.0.1:8000', region: 'us-east-1' }, {}, async () => undefined);
  const credentials = createCredentialSource({ endpoint, provider: async () => CREDS });
  const leanSigner = new RequestSigner({ endpoint, credentials });
  const nodeSigner = new RequestSigner({ endpoint, credentials, lean: false });
  const jsSigner = new RequestSigner({ endpoint, credentials, sha256: Sha256Js });
  const body = buildBatchBody(prefix, items.map((i) => JSON.stringify(i)));
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench
    .add('body: JSON.stringify(whole request)', () => {
      Buffer.from(JSON.stringify({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    })
    .add('body: hand concatenation (used)', () => {
      buildBatchBody(prefix, items.map((i) => JSON.stringify(i)));
    })
    .add('sign: lean SigV4, node:crypto (used)', async () => {
      await leanSigner.sign('BatchWriteItem', body);
    })
    .add('sign: the SDK\'s SignatureV4 + node:crypto Hash', async () => {
      await nodeSigner.sign('BatchWriteItem', body);
    })
    .add('sign: SignatureV4 + Sha256Js (pure JS)', async () => {
      await jsSigner.sign('BatchWriteItem', body);
    });
  await bench.run();
  console.log(markdownTable(
    bench.tasks.map((t) => {
      const r = t.result as { latency?: { mean: number; p50?: number; p99?: number } } | undefined;
      const median = r?.latency?.p50 ?? 0;
      return {
        task: t.name,
        'median µs': (median * 1000).toFixed(1),
        'mean µs': ((r?.latency?.mean ?? 0) * 1000).toFixed(1),
        'p99 µs': ((r?.latency?.p99 ?? 0) * 1000).toFixed(1),
        'ops/s (1/median)': median > 0 ? Math.round(1000 / median).toLocaleString('en-US') : '-',
      };
    }),
  ));
}

await main();
