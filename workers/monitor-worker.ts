/**
 * monitor worker: follows stream shards and checks sampled changes against the other table.
 * One thread follows many shards at once (each task one shard, concurrentTasksPerWorker > 1).
 *
 *   task {kind: 'shard', shardId, iterator; cursor: the last sequence number handled}
 *     └─▶ readShard: GetRecords ≤ 1,000 (iterators renewed, trims reported, throttles backed off)
 *           └─▶ ChangeChecker: count INSERT/MODIFY/REMOVE, lag; sample by key hash; latest change
 *                 per key ──▶ the other side: BatchGetItem ≤ 100 keys on the other table (read
 *                 bucket: --max-rcu), or (--source cassandra) the key decoded, the row read and
 *                 converted as migrate does (src/monitor/cassandra-side.ts)
 *                 ──▶ compare ──▶ matched | lagging (rechecked with backoff) | missing, mismatched,
 *                 still-present ──▶ differences ──▶ port
 *   port ◀── position(last sequence number) after each batch; shard-state when it catches up or
 *            its pending checks change; shard-ended once a closed shard is read and settled
 *   result ◀── done (shard ended) | stopped | failed
 *
 * The streams client and the other side's client (the other table's keep-alive client, or a
 * Cassandra driver) are opened when the worker starts and kept for its life; the shutdown
 * broadcast closes them.
 */
import '../src/node-warnings.js';
import type cassandra from 'cassandra-driver';
import { connect } from '../src/cassandra/client.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { BatchReader } from '../src/dynamodb/batch-reader.js';
import { createCredentialSource } from '../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../src/dynamodb/endpoint.js';
import type { DynamoDbHttpClient } from '../src/dynamodb/http-client.js';
import { openTargetHttpClient, type DynamoTargetConfig } from '../src/dynamodb/target.js';
import { workerShare } from '../src/engine/rate-slots.js';
import { TokenBucket } from '../src/engine/token-bucket.js';
import { DONE, STOPPED, defineWorker, type TaskContext, type TaskOutcome } from '../src/engine/worker-runtime.js';
import { cassandraSideOf, withoutAttributes } from '../src/monitor/cassandra-side.js';
import type { Item } from '../src/mapping/attribute-value.js';
import { ChangeChecker, otherSideOf, type OtherSide } from '../src/monitor/checker.js';
import type { MonitorJob, MonitorTask, MonitorWorkerData } from '../src/monitor/task.js';
import { LeanStreamsClient } from '../src/streams/lean-client.js';
import { readShard, type ShardReaderEvent } from '../src/streams/shard-reader.js';

/** The other side's client, opened at start. */
type OtherClient =
  | { readonly kind: 'dynamodb'; readonly client: DynamoDbHttpClient }
  | { readonly kind: 'cassandra'; readonly client: cassandra.Client };

interface Resources {
  readonly config: MonitorWorkerData;
  readonly streams: LeanStreamsClient;
  readonly other: OtherClient;
  /** The stream's own table (MonitorWorkerData.streamTable), when checks read it. */
  readonly own?: DynamoDbHttpClient;
  /** One read bucket per worker: its shards share the worker's share of --max-rcu. */
  readonly readBucket: TokenBucket;
}

type Context = TaskContext<MonitorJob, Resources>;

/** Batches read ahead of the ones whose checks are still running. */
const READ_AHEAD = 2;

function onReaderEvent(ctx: Context, event: ShardReaderEvent): void {
  switch (event.type) {
    case 'data-loss':
      ctx.add('dataLoss');
      ctx.send({
        type: 'data-loss',
        shardId: event.shardId,
        afterSequenceNumber: event.afterSequenceNumber,
        ...(event.firstAvailableSequenceNumber === undefined ? {} : { firstAvailableSequenceNumber: event.firstAvailableSequenceNumber }),
      });
      return;
    case 'iterator-renewed':
      ctx.add('iteratorsRenewed');
      return;
    case 'throttled':
      ctx.add('streamThrottles');
      return;
    case 'trimmed-retry':
      return;
    default: {
      const never: never = event;
      throw new Error(`monitor worker: unknown reader event ${JSON.stringify(never)}`);
    }
  }
}

/** A DynamoDB table as the checker reads it: BatchGetItem over the worker's client, paced by its read bucket. */
function dynamoSide(r: Resources, client: DynamoDbHttpClient, table: DynamoTargetConfig): OtherSide {
  const { config, readBucket } = r;
  const unitsPerKey = 1; // checks read strongly consistently: 1 read unit per item up to 4 KB
  const reader = new BatchReader(client, {
    maxRetries: table.maxRetries,
    keyAttributes: config.keyAttributes,
    consistentRead: true,
    // The checker times each round's read ('batch-get'); the bucket paces them under --max-rcu.
    beforeRequest: async (keyCount) => {
      await readBucket.take(keyCount * unitsPerKey);
    },
  });
  return otherSideOf(reader, table.table, config.keyAttributes, config.inFlight);
}

/** One shard's view of the other side, over the worker's client. */
function otherSide(r: Resources): OtherSide {
  const { config, other } = r;
  if (other.kind === 'cassandra') {
    if (config.against.kind !== 'cassandra') throw new Error('monitor worker: a Cassandra client without a Cassandra source');
    return cassandraSideOf(other.client, config.against.source, { lookupsInFlight: DEFAULTS.verify.sourceLookupsInFlight });
  }
  if (config.against.kind !== 'dynamodb') throw new Error('monitor worker: a DynamoDB client without a DynamoDB table to check against');
  return dynamoSide(r, other.client, config.against.table);
}

/** The stream's own table, without the attributes left out of every comparison. */
function ownSide(r: Resources): OtherSide | undefined {
  const table = r.config.streamTable;
  if (r.own === undefined || table === undefined) return undefined;
  const side = dynamoSide(r, r.own, table);
  const names = r.config.ignoreAttributes;
  if (names.length === 0) return side;
  return {
    async get(keys) {
      const read = await side.get(keys);
      return { ...read, items: read.items.map((item) => (item === undefined ? item : omit(item, names))) };
    },
  };
}

function omit(item: Item, names: readonly string[]): Item {
  const out: Item = { ...item };
  for (const n of names) delete out[n];
  return out;
}

async function followShard(task: MonitorTask, ctx: Context): Promise<TaskOutcome> {
  const { config } = ctx.resources;
  const checker = new ChangeChecker({
    shardId: task.shardId,
    sampleShare: config.sampleShare,
    recheckAfterMs: config.recheckAfterMs,
    maxRechecks: config.maxRechecks,
    other: otherSide(ctx.resources),
    ...(ctx.resources.own === undefined ? {} : { own: ownSide(ctx.resources) }),
    ...(task.countedThrough === undefined ? {} : { countedThrough: task.countedThrough }),
    reporter: ctx,
    verbose: config.verbose,
    ...(task.inherited === undefined ? {} : { inherited: task.inherited }),
  });
  let sent: { caughtUp: boolean; pending: number; lastRecordAtMs: number | undefined } | undefined;
  let lastCursor = ctx.cursor;
  /** The time of the last record read: the shard's backlog is now minus it while not caught up. */
  let lastRecordAtMs: number | undefined;
  const state = (caughtUp: boolean): void => {
    const pending = checker.pending;
    if (sent !== undefined && sent.caughtUp === caughtUp && sent.pending === pending && sent.lastRecordAtMs === lastRecordAtMs) return;
    sent = { caughtUp, pending, lastRecordAtMs };
    ctx.send({ type: 'shard-state', shardId: task.shardId, caughtUp, pendingChecks: pending, ...(lastRecordAtMs === undefined ? {} : { lastRecordAtMs }) });
  };
  const batches = readShard(ctx.resources.streams, {
    streamArn: config.stream.streamArn,
    shardId: task.shardId,
    start: task.iterator,
    ...(ctx.cursor === undefined ? {} : { afterSequenceNumber: ctx.cursor }),
    idleWaitMs: config.idleWaitMs,
    signal: ctx.signal,
    onEvent: (event) => onReaderEvent(ctx, event),
  });
  // Checks of a batch run while the next GetRecords is out (at most READ_AHEAD batches ahead):
  // reading and checking overlap instead of taking turns. The checker takes a batch's changes at
  // once (so the cursor below never passes an unsettled one) and serialises its own reads.
  const checking: Array<Promise<void>> = [];
  for await (const batch of batches) {
    ctx.add('getRecords');
    if (batch.records.length > 0) {
      const created = batch.records.at(-1)?.dynamodb?.ApproximateCreationDateTime;
      if (created !== undefined) lastRecordAtMs = new Date(created).getTime();
      const handled = checker.handle(withoutAttributes(batch.records, config.ignoreAttributes));
      handled.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
      checking.push(handled);
      while (checking.length > READ_AHEAD) await checking.shift();
      // A test hook: a reader that dies here has counted this batch but not moved its position.
      await ctx.failpoint('monitor.batch-read');
    } else {
      // At the open shard's current end: settle what is in flight, then look at due rechecks.
      await Promise.all(checking.splice(0));
      await checker.recheckDue();
    }
    // Never past a change still waiting for its check: a retry reads it again.
    const cursor = checker.safeCursor(batch.lastSequenceNumber);
    if (cursor !== undefined && cursor !== lastCursor) {
      lastCursor = cursor;
      ctx.position(cursor);
    }
    state(batch.records.length === 0);
    if (ctx.signal.aborted) break;
  }
  await Promise.all(checking.splice(0));
  if (ctx.signal.aborted) return STOPPED;
  // A closed shard read to its end: settle its checks before its children may start; what still
  // differs is handed to the main thread, which judges it once the children are read.
  const deferred = await checker.drainDeferred();
  state(true);
  ctx.send({ type: 'shard-ended', shardId: task.shardId, deferred });
  return DONE;
}

export default defineWorker<MonitorJob, MonitorWorkerData, Resources>({
  async open(config) {
    const endpoint = await resolveEndpoint({
      ...(config.stream.endpoint === undefined ? {} : { endpoint: config.stream.endpoint }),
      region: config.stream.region,
      ...(config.stream.profile === undefined ? {} : { profile: config.stream.profile }),
    });
    const streams = new LeanStreamsClient(endpoint, createCredentialSource({ endpoint }));
    try {
      const other: OtherClient = config.against.kind === 'cassandra'
        ? { kind: 'cassandra', client: await connect(config.against.source.connection) }
        : { kind: 'dynamodb', client: await openTargetHttpClient(config.against.table) };
      const own = config.streamTable === undefined
        ? undefined
        : await openTargetHttpClient(config.streamTable).catch(async (error: unknown) => {
            if (other.kind === 'cassandra') await other.client.shutdown();
            else await other.client.close();
            throw error;
          });
      return {
        config,
        streams,
        other,
        ...(own === undefined ? {} : { own }),
        readBucket: new TokenBucket(() => workerShare(config.rateSlots, 'read')),
      };
    } catch (error) {
      await streams.destroy();
      throw error;
    }
  },
  async close(r) {
    await r.streams.destroy();
    if (r.other.kind === 'cassandra') await r.other.client.shutdown();
    else await r.other.client.close();
    await r.own?.close();
  },
  handlers: { shard: followShard },
});
