/**
 * monitor on the main thread: find the stream and check both tables' keys, list its shards
 * (paginated) into a ShardSource, and let the scheduler follow every shard — many per worker
 * thread. A shard read to its end releases its children (listed again at once); the listing is
 * also read again periodically. Statistics every `--stats-interval`; differences to a JSONL file;
 * the run ends on a signal, at `--duration`, or `--until-caught-up` once every shard is at its
 * current end with every check settled.
 *
 * With `--source cassandra` the stream is the DynamoDB target's and the other side is the
 * Cassandra table: its schema, the mapping and the target's key schema are prepared here once
 * (prepareTableJob, as verify) and handed to the workers, which read the rows themselves.
 */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULTS } from '../config/defaults.js';
import { createCredentialSource } from '../dynamodb/credentials.js';
import { resolveEndpoint, type ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { withAdminClient, type DynamoTargetConfig, type TargetDescription } from '../dynamodb/target.js';
import { JsonlFile } from '../engine/dead-letters.js';
import { unreachable } from '../engine/protocol.js';
import { createRateSlots, setActiveWorkers } from '../engine/rate-slots.js';
import { Scheduler, type JobService } from '../engine/scheduler.js';
import { ThroughputControl } from '../engine/throughput.js';
import { describeContactPoints } from '../cassandra/client.js';
import { ToolError, toolError, type PlainError } from '../errors.js';
import { prepareTableJob } from '../job/table-job.js';
import { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { createStreamsClient, resolveStreamArn } from '../streams/client.js';
import { ShardSource } from '../streams/shard-source.js';
import { childShards, describeStream, isClosed, type ShardInfo } from '../streams/shards.js';
import { ignoredAttributes } from './cassandra-side.js';
import type { CassandraSourceConfig, MonitorConfig, TableAccess } from './config.js';
import { CheckpointedShards, MonitorCheckpoint, readMonitorCheckpoint, type MonitorCheckpointFile } from './checkpoint.js';
import { describeSampleRate } from './sample.js';
import { buildSummary, formatStats, monitorStats, type MonitorEnd, type MonitorSummary, type ShardCounts } from './stats.js';
import type { CheckAgainst, MonitorCounter, MonitorDifference, MonitorJob, MonitorWorkerData } from './task.js';

/** Differences printed before the rest only go to the file (unless --verbose). */
const DIFFERENCES_SHOWN = 20;

/** The Go monitor's default region, for users bringing its command lines. */
const LEGACY_DEFAULT_REGION = 'ap-northeast-1';

/** A table's endpoint: flags, environment or profile region, else the Go monitor's default region. */
async function endpointOf(access: TableAccess): Promise<ResolvedEndpoint> {
  const options = {
    ...(access.endpoint === undefined ? {} : { endpoint: access.endpoint }),
    ...(access.region === undefined ? {} : { region: access.region }),
    ...(access.profile === undefined ? {} : { profile: access.profile }),
  };
  try {
    return await resolveEndpoint(options);
  } catch (error) {
    if (error instanceof ToolError && error.code === 'USAGE' && access.region === undefined) return resolveEndpoint({ ...options, region: LEGACY_DEFAULT_REGION });
    throw error;
  }
}

function describe(endpoint: ResolvedEndpoint): TargetDescription {
  return { endpoint, region: endpoint.region, identity: `${endpoint.url.origin} ${endpoint.signingRegion}` };
}

/** The table's key attribute names (hash, range), checked against --partition-key / --sort-key. */
async function keyAttributesOf(target: TargetDescription, table: string, config: MonitorConfig): Promise<string[]> {
  const keys = await withAdminClient(target, async (client) => {
    try {
      const t = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
      return t?.KeySchema ?? [];
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') {
        throw toolError('DYNAMODB_SCHEMA', `DynamoDB table '${table}' does not exist at ${target.identity}`);
      }
      throw error;
    }
  });
  const hash = keys.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = keys.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (hash === undefined) throw toolError('DYNAMODB_SCHEMA', `DynamoDB table '${table}' has no HASH key`);
  if (config.partitionKey !== undefined && config.partitionKey !== hash) {
    throw toolError('DYNAMODB_SCHEMA', `--partition-key ${config.partitionKey}: table '${table}' has partition key '${hash}'`);
  }
  if (config.sortKey !== undefined && config.sortKey !== range) {
    throw toolError('DYNAMODB_SCHEMA', `--sort-key ${config.sortKey}: table '${table}' has ${range === undefined ? 'no sort key' : `sort key '${range}'`}`);
  }
  return range === undefined ? [hash] : [hash, range];
}

function every(ms: number, fn: () => void | Promise<void>): JobService {
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => {
      timer = setInterval(() => void fn(), ms);
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * `--source cassandra`: the table spec, the mapping (validated) and the target's key schema
 * against the mapping's, once; what the workers need to read and convert the rows.
 */
async function prepareCassandraSide(config: MonitorConfig, source: CassandraSourceConfig, target: ResolvedEndpoint): Promise<{ against: CheckAgainst; keyAttributes: string[] }> {
  const prepared = await prepareTableJob({
    connection: source.connection,
    keyspace: source.keyspace,
    table: source.table,
    targetTable: config.streamTable,
    ...(target.custom ? { endpoint: target.url.href } : {}),
    region: target.region,
    ...(target.profile === undefined ? {} : { profile: target.profile }),
    threads: config.threads,
    splits: 1,
    fetchSize: 1,
    consistency: source.consistency,
    connectionsPerThread: config.connectionsPerThread,
    maxRetries: config.maxRetries,
    requestTimeoutMs: config.requestTimeoutMs,
    mapping: source.mapping,
    mappingSource: source.mappingSource,
    progressIntervalMs: config.progressIntervalMs,
    taskTimeoutMs: config.taskTimeoutMs,
  }, { targetTable: 'check' });
  const ks = prepared.keySchema;
  return {
    against: {
      kind: 'cassandra',
      source: { connection: source.connection, keyspace: source.keyspace, table: source.table, tableSpec: prepared.tableSpec, mapping: source.mapping, consistency: source.consistency },
    },
    keyAttributes: ks.rangeKey === null ? [ks.hashKey.name] : [ks.hashKey.name, ks.rangeKey.name],
  };
}

export async function runMonitor(config: MonitorConfig, display: ProgressDisplay, signal?: AbortSignal): Promise<MonitorSummary> {
  const otherEndpoint = await endpointOf(config.otherAccess);
  const streamTableEndpoint = await endpointOf(config.streamTableAccess);
  const streamEndpoint = await endpointOf(config.streamAccess);
  const cassandraSource = config.cassandra;
  let against: CheckAgainst;
  let keyAttributes: string[];
  let checkedAgainst: string;
  if (cassandraSource === undefined) {
    const other = describe(otherEndpoint);
    keyAttributes = await keyAttributesOf(other, config.otherTable, config);
    against = { kind: 'dynamodb', table: otherTarget(config, otherEndpoint) };
    checkedAgainst = `${config.otherTable} (${other.identity})`;
  } else {
    // --partition-key / --sort-key name the target's key: checked first, with their own message.
    const targetKeys = await keyAttributesOf(describe(streamTableEndpoint), config.streamTable, config);
    ({ against, keyAttributes } = await prepareCassandraSide(config, cassandraSource, streamTableEndpoint));
    if (targetKeys.join(',') !== keyAttributes.join(',')) {
      throw toolError('DYNAMODB_SCHEMA', `target table '${config.streamTable}' has key (${targetKeys.join(', ')}) but the mapping writes (${keyAttributes.join(', ')})`);
    }
    checkedAgainst = `${cassandraSource.keyspace}.${cassandraSource.table} (Cassandra at ${describeContactPoints(cassandraSource.connection)})`;
  }
  const streamArn = config.streamArn ?? (await withAdminClient(describe(streamTableEndpoint), (c) => resolveStreamArn(c, config.streamTable)));
  const streams: DynamoDBStreamsClient = createStreamsClient(streamEndpoint, createCredentialSource({ endpoint: streamEndpoint }));

  try {
    const first = await describeStream(streams, streamArn);
    if (first.viewType === 'KEYS_ONLY') {
      throw toolError('DYNAMODB_SCHEMA', `stream ${streamArn} has view type KEYS_ONLY: its records hold no image to compare; enable NEW_IMAGE or NEW_AND_OLD_IMAGES`);
    }
    const streamKeys = first.keySchema.map((k) => k.attributeName);
    if (streamKeys.length > 0 && streamKeys.join(',') !== keyAttributes.join(',')) {
      throw toolError('DYNAMODB_SCHEMA', `the stream's table has key (${streamKeys.join(', ')}) but ${checkedAgainst} has key (${keyAttributes.join(', ')})`);
    }
    let previous: MonitorCheckpointFile | undefined;
    if (config.resume) {
      previous = readMonitorCheckpoint(config.checkpointPath);
      if (previous === undefined) throw toolError('USAGE', `--resume: no checkpoint at ${config.checkpointPath}`);
    }
    const checkpoint = new MonitorCheckpoint(config.checkpointPath, streamArn, checkedAgainst, previous);
    const source = new ShardSource({ initialPosition: config.iteratorType, ...(previous === undefined ? {} : { resume: checkpoint.resume() }) });
    const shards = new Map<string, ShardInfo>();
    const learn = (list: readonly ShardInfo[]): void => {
      for (const s of list) shards.set(s.shardId, s);
      source.update([...shards.values()]);
    };
    learn(first.shards);
    // Every shard needs a reader of its own: lanes for twice the shards known at start (splits
    // add children while their parents end), never fewer than asked for.
    const shardsPerThread = Math.max(config.shardsPerThread, Math.ceil((2 * shards.size) / config.threads));
    const work = new CheckpointedShards(source, checkpoint, (task) => {
      const parent = shards.get(task.shardId)?.parentShardId;
      if (parent === undefined) return task;
      const inherited = [...deferred].filter(([, d]) => d.parent === parent).map(([keyId]) => keyId);
      return inherited.length === 0 ? task : { ...task, inherited };
    });

    const stats = new JobStats<MonitorCounter>('events', (w) => display.event('warning', { warning: w }, `warning: ${w.message}`));
    const differences = new JsonlFile<MonitorDifference>(config.differencesPath, !config.resume);
    let shown = 0;
    /** Differences a shard still had at its end, by key: confirmed once its children are read. */
    const deferred = new Map<string, { readonly parent: string; readonly difference: MonitorDifference }>();
    const report = (list: readonly MonitorDifference[]): void => {
      differences.append(list);
      for (const d of list) {
        // Each one is in the file; the screen gets the first ones and the count.
        if (++shown <= DIFFERENCES_SHOWN || config.verbose) display.event('difference', { difference: d }, `${d.kind}: ${JSON.stringify(d.key)} (${d.eventName} ${d.sequenceNumber} in ${d.shardId})`);
        else if (shown === DIFFERENCES_SHOWN + 1) display.event('warning', { differencesFile: config.differencesPath }, `more differences: see ${config.differencesPath} (--verbose prints them all)`);
      }
    };
    const COUNTER_OF_KIND = { missing: 'missing', mismatched: 'mismatched', 'still-present': 'stillPresent' } as const;
    /** Confirms the deferred differences of parents whose children are all read (`all`: every one left). */
    const confirmDeferred = (all: boolean): void => {
      const ready = new Map<string, boolean>();
      const confirmed: MonitorDifference[] = [];
      for (const [keyId, d] of deferred) {
        let ok = ready.get(d.parent);
        if (ok === undefined) {
          const children = [...shards.values()].filter((s) => s.parentShardId === d.parent);
          ok = all || (children.length > 0 && children.every((c) => ended.has(c.shardId) || (states.get(c.shardId)?.caughtUp === true && states.get(c.shardId)?.pending === 0)));
          ready.set(d.parent, ok);
        }
        if (!ok) continue;
        deferred.delete(keyId);
        stats.add(COUNTER_OF_KIND[d.difference.kind], 1);
        confirmed.push(d.difference);
      }
      if (confirmed.length > 0) report(confirmed);
    };
    const states = new Map<string, { caughtUp: boolean; pending: number }>();
    const ended = new Set<string>();
    const slots = createRateSlots('wcu');
    const reads = new ThroughputControl({ kind: 'adaptive', ...(config.maxRcu === undefined ? {} : { maxWcu: config.maxRcu }) }, stats, {
      channel: 'read', slots, timeline: false,
      counters: { units: 'readUnits', throttled: 'throttledRequests', requests: 'requests', latencyPhase: 'batch-get' },
    });
    let end: MonitorEnd | undefined;
    let fatal: PlainError | undefined;
    const pendingChecks = (): number => [...states.values()].reduce((a, s) => a + s.pending, 0);
    const shardCounts = (): ShardCounts => {
      const all = [...shards.values()];
      return {
        known: all.length,
        open: all.filter((s) => !isClosed(s)).length,
        closed: all.filter(isClosed).length,
        done: ended.size,
        caughtUp: [...states.values()].filter((s) => s.caughtUp).length,
      };
    };
    let lastEvents = 0;
    let lastAt = performance.now();
    const intervalRate = (): number => {
      const now = performance.now();
      const events = stats.get('events');
      const rate = now > lastAt ? ((events - lastEvents) * 1000) / (now - lastAt) : 0;
      lastEvents = events;
      lastAt = now;
      return rate;
    };
    const workerData: MonitorWorkerData = {
      stream: { ...(streamEndpoint.custom ? { endpoint: streamEndpoint.url.href } : {}), region: streamEndpoint.region, ...(streamEndpoint.profile === undefined ? {} : { profile: streamEndpoint.profile }), streamArn },
      against,
      ignoreAttributes: cassandraSource === undefined ? [] : ignoredAttributes(cassandraSource.mapping),
      keyAttributes,
      sampleShare: config.sampleRate.share,
      recheckAfterMs: config.recheckAfterMs,
      maxRechecks: config.maxRechecks,
      inFlight: config.inFlight,
      idleWaitMs: config.idleWaitMs,
      verbose: config.verbose,
      rateSlots: slots,
    };

    const scheduler: Scheduler<MonitorJob, MonitorWorkerData> = new Scheduler<MonitorJob, MonitorWorkerData>({
      worker: 'monitor-worker',
      threads: config.threads,
      concurrentTasksPerWorker: shardsPerThread,
      workerData,
      stats,
      progressIntervalMs: config.progressIntervalMs,
      taskSilenceTimeoutMs: config.taskTimeoutMs,
      ...(config.failpoints === undefined ? {} : { failpoints: config.failpoints }),
      onRunningTasks: (running) => setActiveWorkers(slots, running, shardsPerThread),
      onData: (data, item) => {
        switch (data.type) {
          case 'differences':
            report(data.differences);
            return;
          case 'inherited-superseded':
            for (const keyId of data.keyIds) if (deferred.delete(keyId)) stats.add('superseded', 1);
            return;
          case 'shard-state':
            states.set(data.shardId, { caughtUp: data.caughtUp, pending: data.pendingChecks });
            return;
          case 'shard-ended':
            for (const { keyId, ...difference } of data.deferred) deferred.set(keyId, { parent: data.shardId, difference });
            ended.add(data.shardId);
            states.set(data.shardId, { caughtUp: true, pending: 0 });
            // Its children may exist already: list them now rather than at the next listing.
            void childShards(streams, streamArn, data.shardId).then(learn, (error: unknown) => display.event('warning', { shard: item.id, error: String(error) }, `warning: listing the children of ${item.id} failed: ${String(error)}`));
            return;
          case 'data-loss':
            display.event('warning', { dataLoss: data }, `warning: records of shard ${data.shardId} after ${data.afterSequenceNumber ?? 'its start'} were trimmed before they were read (data loss)`);
            return;
          case 'checked':
            for (const r of data.results) display.event('checked', { ...r }, `${r.verdict}: ${JSON.stringify(r.key)} (${r.eventName})`);
            return;
          default:
            unreachable(data, 'monitor data');
        }
      },
      onRetry: (item, attempt, error) => display.event('warning', { shard: item.id, attempt, error }, `warning: shard ${item.id} failed (${error.message}); retrying`),
      progress: {
        display,
        snapshot: () => ({
          done: stats.get('events'),
          ratePerSec: stats.currentRate(),
          elapsedMs: stats.elapsedMs(),
          extra: { sampled: stats.get('sampled'), matched: stats.get('matched'), lagging: pendingChecks(), missing: stats.get('missing'), mismatched: stats.get('mismatched'), shards: shards.size },
          jsonExtra: { sampled: stats.get('sampled'), matched: stats.get('matched'), pendingChecks: pendingChecks(), missing: stats.get('missing'), mismatched: stats.get('mismatched'), stillPresent: stats.get('stillPresent'), dataLoss: stats.get('dataLoss') },
        }),
      },
      services: [
        reads,
        every(DEFAULTS.migrate.checkpointEveryMs, () => checkpoint.save()),
        every(config.statsIntervalMs, () => {
          const s = monitorStats(stats, shardCounts(), pendingChecks(), intervalRate());
          display.event('stats', { ...s }, formatStats(s, 'statistics'));
        }),
        every(config.rediscoverEveryMs, async () => {
          try {
            const listing = await describeStream(streams, streamArn);
            learn(listing.shards);
            if (listing.status === 'DISABLED' || listing.status === 'DISABLING') display.event('warning', { streamStatus: listing.status }, `warning: stream ${streamArn} is ${listing.status}`);
          } catch (error) {
            display.event('warning', { error: String(error) }, `warning: listing the stream's shards failed: ${String(error)}`);
          }
        }),
        every(250, () => {
          confirmDeferred(false);
          if (config.durationMs !== undefined && stats.elapsedMs() >= config.durationMs) {
            end ??= 'duration';
            scheduler.stop();
          }
          if (config.untilCaughtUp && caughtUp()) {
            end ??= 'caught-up';
            scheduler.stop();
          }
        }),
      ],
    });
    const caughtUp = (): boolean => {
      for (const s of shards.values()) {
        if (ended.has(s.shardId) || source.state(s.shardId) === undefined) continue; // skipped (closed at a LATEST start)
        const st = states.get(s.shardId);
        if (st === undefined || !st.caughtUp || st.pending > 0) return false;
      }
      // A deferred difference waits for children that are listed but not read yet.
      for (const d of deferred.values()) if ([...shards.values()].some((s) => s.parentShardId === d.parent)) return false;
      return shards.size > 0;
    };

    display.event(
      'start',
      { streamArn, checkedAgainst, source: cassandraSource === undefined ? 'dynamodb' : 'cassandra', verifyOn: config.verifyOn, shards: shards.size, sampleRate: config.sampleRate.share, iteratorType: config.iteratorType },
      `monitor: ${streamArn} (${shards.size} shards, ${first.viewType}) checked against ${checkedAgainst}; sampling ${describeSampleRate(config.sampleRate)}, from ${config.iteratorType}`,
    );
    let outcome;
    try {
      outcome = await scheduler.run(work, signal);
    } finally {
      differences.close();
      checkpoint.save(true);
    }
    fatal = outcome.fatal;
    if (signal?.aborted === true) end = 'interrupted';
    // Children that never came (a stream disabled after a split): the parent's last word stands.
    if (fatal === undefined && end !== 'interrupted') confirmDeferred(true);
    const final = monitorStats(stats, shardCounts(), pendingChecks(), intervalRate());
    return buildSummary(final, {
      ended: fatal !== undefined ? 'failed' : (end ?? 'stream-ended'),
      ...(fatal === undefined ? {} : { fatal }),
      streamArn,
      checkedAgainst,
      sampleRate: describeSampleRate(config.sampleRate),
      differencesFile: config.differencesPath,
    });
  } finally {
    streams.destroy();
  }
}

function otherTarget(config: MonitorConfig, endpoint: ResolvedEndpoint): DynamoTargetConfig {
  return {
    ...(endpoint.custom ? { endpoint: endpoint.url.href } : {}),
    region: endpoint.region,
    ...(endpoint.profile === undefined ? {} : { profile: endpoint.profile }),
    table: config.otherTable,
    connections: config.connectionsPerThread,
    maxRetries: config.maxRetries,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}
