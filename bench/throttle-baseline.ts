/**
 * The baseline the project's adaptive rate controller is measured against: a plain AWS SDK v3
 * `DynamoDBClient` with `retryMode: 'adaptive'`, writing users-like items with
 * `BatchWriteItemCommand` from `concurrency` senders into a table that throttles (the capacity
 * proxy, test/fixtures/capacity-proxy.ts). The SDK retries the whole-batch 400s itself and
 * adapts its send rate to them; it cannot see a 200 with UnprocessedItems, which the senders
 * re-send as the DynamoDB docs advise, with exponential backoff and full jitter.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/throttle-baseline.js --capacity 2000,10000 --items 50000 [--concurrency 16] [--item-bytes 300] [--burst-seconds 1] [--warmup-seconds 2]
 *
 *   this process: SDK senders ──HTTP──▶ child process: capacity proxy ──HTTP──▶ counting sink
 *
 * The proxy and sink run in a child process so they do not share an event loop with the SDK.
 */
import '../src/node-warnings.js';
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Item } from '../src/mapping/attribute-value.js';
import { itemSizeBytes, writeUnits } from '../src/mapping/item-size.js';
import { startCapacityProxy, type ProxyStats } from '../test/fixtures/capacity-proxy.js';
import { startSink, type SinkStats } from '../test/fixtures/ddb-sink.js';

export const BASELINE_DEFAULTS = Object.freeze({
  itemBytes: 300,
  /** Throughput before this is left out of `unitsPerSecondAfterWarmup` (the bucket's burst, the SDK's ramp). */
  warmupSeconds: 2,
  /** Re-sends of UnprocessedItems wait base × 2^n (full jitter), at most the cap. */
  unprocessedBaseDelayMs: 50,
  unprocessedMaxDelayMs: 5_000,
});

export interface SdkBaselineOptions {
  endpoint: string;
  table: string;
  items: number;
  concurrency: number;
  itemBytes?: number;
  warmupSeconds?: number;
  /** The SDK's attempts per request (its default: 3). */
  maxAttempts?: number;
}

export interface SdkBaselineResult {
  seconds: number;
  itemsWritten: number;
  /** Items of batches the SDK gave up on (it threw after its own retries). */
  lost: number;
  /** HTTP requests, the SDK's retries included ($metadata.attempts). */
  requests: number;
  /** Attempts the SDK retried or gave up on with a throttle: whole 400s (or injected faults, if the table has any). */
  throttledRequests: number;
  /** Answers of 200 with UnprocessedItems. */
  partlyThrottledRequests: number;
  unitsPerSecondAfterWarmup: number;
  itemBytes: number;
  /** CPU time of this process during the run (the SDK's, mostly). */
  clientCpuSeconds: number;
}

const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const cpuMicros = (u: NodeJS.CpuUsage) => u.user + u.system;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A users-like item padded with a `bio` to `bytes` DynamoDB bytes (when that is more than its natural size). */
export function userItem(run: string, i: number, bytes: number): Item {
  const item: Item = {
    id: { S: `${run}-${i}` },
    name: { S: `User Number ${i}` },
    email: { S: `user.number.${i}@example.com` },
    age: { N: String(18 + (i % 70)) },
    created_at: { S: new Date(1_700_000_000_000 + i * 1000).toISOString() },
    tags: { SS: ['admin', 'beta', `group-${i % 9}`] },
    prefs: { M: { theme: { S: i % 2 ? 'dark' : 'light' }, lang: { S: 'en-GB' }, notifications: { BOOL: true }, page_size: { N: '50' } } },
  };
  const missing = bytes - itemSizeBytes(item) - 'bio'.length;
  if (missing > 0) item.bio = { S: 'b'.repeat(missing) };
  return item;
}

export async function runSdkAdaptiveBaseline(opts: SdkBaselineOptions): Promise<SdkBaselineResult> {
  const d = BASELINE_DEFAULTS;
  const itemBytes = opts.itemBytes ?? d.itemBytes;
  const warmupMs = (opts.warmupSeconds ?? d.warmupSeconds) * 1000;
  const run = Date.now().toString(36);
  const sdk = new DynamoDBClient({
    endpoint: opts.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBASELINE', secretAccessKey: 'baseline/secret' },
    retryMode: 'adaptive',
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
  });
  const r = { itemsWritten: 0, lost: 0, requests: 0, throttledRequests: 0, partlyThrottledRequests: 0 };
  let unitsAfterWarmup = 0;
  let lastWriteMs = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();

  const unitsOf = (requests: readonly WriteRequest[]) => {
    let units = 0;
    for (const w of requests) units += writeUnits(itemSizeBytes(w.PutRequest?.Item as Item));
    return units;
  };
  const written = (count: number, units: number) => {
    const t = performance.now() - t0;
    r.itemsWritten += count;
    lastWriteMs = t;
    if (t >= warmupMs) unitsAfterWarmup += units;
  };

  const sendBatch = async (batch: WriteRequest[]) => {
    let pending = batch;
    for (let resend = 0; pending.length > 0; resend++) {
      if (resend > 0) await sleep(Math.random() * Math.min(d.unprocessedMaxDelayMs, d.unprocessedBaseDelayMs * 2 ** (resend - 1)));
      try {
        const out = await sdk.send(new BatchWriteItemCommand({ RequestItems: { [opts.table]: pending } }));
        const attempts = out.$metadata.attempts ?? 1;
        r.requests += attempts;
        r.throttledRequests += attempts - 1;
        const left = out.UnprocessedItems?.[opts.table] ?? [];
        written(pending.length - left.length, left.length === 0 ? unitsOf(pending) : unitsOf(pending) - unitsOf(left));
        if (left.length > 0) r.partlyThrottledRequests++;
        pending = left;
      } catch (error) {
        const e = error as { name?: string; $metadata?: { attempts?: number } };
        const attempts = e.$metadata?.attempts ?? 1;
        r.requests += attempts;
        // the last attempt's type is known; earlier ones were retried, so throttles or transient errors
        r.throttledRequests += THROTTLES.has(e.name ?? '') ? attempts : attempts - 1;
        r.lost += pending.length;
        return;
      }
    }
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.items) {
        const start = next;
        next = Math.min(opts.items, next + 25);
        const batch: WriteRequest[] = [];
        for (let i = start; i < next; i++) batch.push({ PutRequest: { Item: userItem(run, i, itemBytes) as never } });
        await sendBatch(batch);
      }
    }),
  );
  sdk.destroy();
  const measuredMs = lastWriteMs - warmupMs;
  return {
    seconds: (performance.now() - t0) / 1000,
    ...r,
    unitsPerSecondAfterWarmup: measuredMs > 0 ? (unitsAfterWarmup * 1000) / measuredMs : 0,
    itemBytes: itemSizeBytes(userItem(run, 0, itemBytes)),
    clientCpuSeconds: cpuMicros(process.cpuUsage(cpu0)) / 1e6,
  };
}

// ── the proxy and the sink in a child process ───────────────────────────────────────────────

type ToChild = { type: 'stats' } | { type: 'reset-stats' } | { type: 'set-capacity'; writeUnitsPerSecond: number };
type FromChild = { type: 'ready'; url: string } | { type: 'stats'; proxy: ProxyStats; sink: SinkStats; cpuMicros: number } | { type: 'done' };

export interface ThrottledSinkProcess {
  readonly url: string;
  /** `cpuMicros`: the child's CPU time so far (user + system). */
  stats(): Promise<{ proxy: ProxyStats; sink: SinkStats; cpuMicros: number }>;
  resetStats(): Promise<void>;
  setCapacity(writeUnitsPerSecond: number): Promise<void>;
  close(): void;
}

/** The counting sink behind a capacity proxy, in a child process (one request at a time). */
export async function startThrottledSinkProcess(o: { writeUnitsPerSecond: number; burstSeconds?: number }): Promise<ThrottledSinkProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['--throttled-sink-child', String(o.writeUnitsPerSecond), String(o.burstSeconds ?? 1)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const answer = () =>
    new Promise<FromChild>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`throttled sink exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (m) => (child.off('exit', onExit), resolve(m as FromChild)));
    });
  const ready = await answer();
  if (ready.type !== 'ready') throw new Error(`throttled sink: expected ready, got ${ready.type}`);
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T extends FromChild['type']>(m: ToChild, type: T): Promise<Extract<FromChild, { type: T }>> => {
    const p = queue.then(async () => {
      const reply = answer();
      child.send(m);
      const got = await reply;
      if (got.type !== type) throw new Error(`throttled sink: expected ${type}, got ${got.type}`);
      return got as Extract<FromChild, { type: T }>;
    });
    queue = p.catch(() => undefined);
    return p;
  };
  return {
    url: ready.url,
    stats: async () => {
      const { proxy, sink, cpuMicros } = await ask({ type: 'stats' }, 'stats');
      return { proxy, sink, cpuMicros };
    },
    resetStats: async () => void (await ask({ type: 'reset-stats' }, 'done')),
    setCapacity: async (writeUnitsPerSecond) => void (await ask({ type: 'set-capacity', writeUnitsPerSecond }, 'done')),
    close: () => child.disconnect(),
  };
}

async function runChild(o: { writeUnitsPerSecond: number; burstSeconds?: number }): Promise<void> {
  const sink = await startSink({ describeKeySchema: { hash: ['id', 'S'] } });
  const proxy = await startCapacityProxy({ upstream: sink.url, ...o });
  const send = (m: FromChild) => process.send?.(m);
  process.on('message', (m: ToChild) => {
    switch (m.type) {
      case 'stats':
        return send({ type: 'stats', proxy: proxy.stats(), sink: { ...sink.stats }, cpuMicros: cpuMicros(process.cpuUsage()) });
      case 'reset-stats':
        proxy.resetStats();
        return send({ type: 'done' });
      case 'set-capacity':
        proxy.setCapacity(m.writeUnitsPerSecond);
        return send({ type: 'done' });
      default:
        throw new Error(`throttled sink: unknown message ${JSON.stringify(m satisfies never)}`);
    }
  });
  process.on('disconnect', () => void Promise.all([proxy.close(), sink.close()]).then(() => process.exit(0)));
  send({ type: 'ready', url: proxy.url });
}

// ── runnable ────────────────────────────────────────────────────────────────────────────────

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/**
 * From the proxy's own series: whole seconds after the warm-up, the last (partial) second left
 * out. `ofBudget` divides by what the bucket could give in that window, capacity × seconds +
 * one full bucket, so it stays ≤ 100 % where a short run's share of capacity can pass 100 %.
 */
export function proxyWindow(stats: ProxyStats, warmupSeconds: number, burstSeconds: number): { unitsPerSecond: number; ofBudget: number; throttledShare: number; wholeShare: number } {
  const active = stats.series.filter((s) => s.acceptedUnits > 0 || s.throttledRequests > 0);
  const last = active[active.length - 1]?.second ?? 0;
  const window = stats.series.filter((s) => s.second >= Math.ceil(warmupSeconds) && s.second < last);
  const used = window.length > 0 ? window : stats.series;
  const units = used.reduce((n, s) => n + s.acceptedUnits, 0);
  const budget = used.reduce((n, s) => n + s.capacity, 0) + (used[0]?.capacity ?? 0) * burstSeconds;
  const requests = used.reduce((n, s) => n + s.writeRequests, 0);
  const whole = used.reduce((n, s) => n + s.throttledRequests, 0);
  const partial = used.reduce((n, s) => n + s.partlyThrottledRequests, 0);
  return {
    unitsPerSecond: units / Math.max(1, used.length),
    ofBudget: units / budget,
    throttledShare: requests > 0 ? (whole + partial) / requests : 0,
    wholeShare: requests > 0 ? whole / requests : 0,
  };
}

async function main(): Promise<void> {
  // 'Infinity' is a control: what this machine delivers unthrottled right now
  const capacities = arg('capacity', '2000').split(',').map(Number);
  const items = Number(arg('items', '50000'));
  const concurrency = Number(arg('concurrency', '16'));
  const itemBytes = Number(arg('item-bytes', String(BASELINE_DEFAULTS.itemBytes)));
  const burstSeconds = Number(arg('burst-seconds', '1'));
  const warmupSeconds = Number(arg('warmup-seconds', String(BASELINE_DEFAULTS.warmupSeconds)));
  const cpus = os.cpus();
  console.log(`throttle-baseline — ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`);
  const rows: Record<string, string>[] = [];
  for (const capacity of capacities) {
    const table = await startThrottledSinkProcess({ writeUnitsPerSecond: capacity, burstSeconds });
    await table.resetStats(); // second 0 of the series = the first request; the bucket stays full
    const before = await table.stats();
    const r = await runSdkAdaptiveBaseline({ endpoint: table.url, table: 'users', items, concurrency, itemBytes, warmupSeconds });
    const { proxy, sink, cpuMicros: childCpu } = await table.stats();
    const proxyCpuSeconds = (childCpu - before.cpuMicros) / 1e6;
    table.close();
    if (proxy.acceptedItems !== r.itemsWritten || sink.items !== r.itemsWritten) {
      console.error(`count mismatch: client ${r.itemsWritten}, proxy ${proxy.acceptedItems}, sink ${sink.items}`);
      process.exitCode = 1;
    }
    const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
    const window = proxyWindow(proxy, warmupSeconds, burstSeconds);
    rows.push({
      WCU: String(capacity),
      items: String(items),
      's': r.seconds.toFixed(1),
      'units/s after warm-up': r.unitsPerSecondAfterWarmup.toFixed(0),
      'of capacity (proxy)': capacity === Infinity ? 'n/a' : pct(window.unitsPerSecond / capacity),
      'of budget (proxy)': capacity === Infinity ? 'n/a' : pct(window.ofBudget),
      requests: String(proxy.requests),
      'whole 400s': pct(proxy.throttledRequests / proxy.requests),
      'partly throttled': pct(proxy.partlyThrottledRequests / proxy.requests),
      lost: String(r.lost),
      'CPU client / proxy+sink': `${pct(r.clientCpuSeconds / r.seconds)} / ${pct(proxyCpuSeconds / r.seconds)}`,
      load: (os.loadavg()[0] ?? 0).toFixed(1),
    });
    // series: [accepted units, whole 400s, unprocessed items] per second
    const series = proxy.series.map((s) => [s.acceptedUnits, s.throttledRequests, s.unprocessedItems]);
    console.log(JSON.stringify({ capacity, burstSeconds, concurrency, itemBytes: r.itemBytes, loadavg: os.loadavg().map((l) => l.toFixed(1)), client: r, proxyCpuSeconds, proxy: { ...proxy, series } }));
  }
  console.table(rows);
  console.log(`reproduce: npx tsc -p tsconfig.build.json && node dist/bench/throttle-baseline.js --capacity ${capacities.join(',')} --items ${items} --concurrency ${concurrency}`);
}

const at = process.argv.indexOf('--throttled-sink-child');
// numbers as text: JSON would turn an unlimited capacity (Infinity) into null
if (at >= 0) await runChild({ writeUnitsPerSecond: Number(process.argv[at + 1]), burstSeconds: Number(process.argv[at + 2]) });
else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
