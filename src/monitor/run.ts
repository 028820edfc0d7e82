/**
 * monitor on the main thread: prepare both sides and find the stream (prepare.ts), list its
 * shards (paginated) into a ShardSource, and let the scheduler follow every shard — many per
 * worker thread. A shard read to its end releases its children (listed again at once); the
 * listing is also read again periodically, with the table's LatestStreamArn (a stream replaced
 * or disabled is reported). Verdicts are counted once per (shard, sequence number) (ledger.ts,
 * results.ts); statistics every `--stats-interval`; differences to a JSONL file; the run ends on a
 * signal, at `--duration`, or `--until-caught-up` once every shard is at its current end with
 * every check settled.
 *
 * With `--source cassandra` the stream is the DynamoDB target's and the other side is the
 * Cassandra table: its schema, the mapping and the target's key schema are prepared once
 * (prepareTableJob, as verify) and handed to the workers, which read the rows themselves.
 */
import { DEFAULTS } from '../config/defaults.js';
import { createCredentialSource } from '../dynamodb/credentials.js';
import { unreachable } from '../engine/protocol.js';
import { createRateSlots, setActiveWorkers } from '../engine/rate-slots.js';
import { Scheduler, type JobService } from '../engine/scheduler.js';
import { ThroughputControl } from '../engine/throughput.js';
import { toolError, type PlainError } from '../errors.js';
import { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { writeRunReport } from '../report/run-report.js';
import { TimelineSampler } from '../report/timeline.js';
import { createStreamsClient } from '../streams/client.js';
import { ShardSource, type ShardTask } from '../streams/shard-source.js';
import type { ShardInfo } from '../streams/shards.js';
import type { WorkSource } from '../engine/work-source.js';
import { joinMonitor } from './coordinated.js';
import { childShards, describeStream } from '../streams/shards.js';
import { ignoredAttributes } from './cassandra-side.js';
import type { MonitorConfig } from './config.js';
import { CheckpointedShards, MonitorCheckpoint, readMonitorCheckpoint, type MonitorCheckpointFile } from './checkpoint.js';
import { latestStream, prepareMonitor } from './prepare.js';
import { MonitorResults } from './results.js';
import { describeSampleRate } from './sample.js';
import { ShardBoard, formatBacklog } from './shard-board.js';
import { buildSummary, formatStats, monitorStats, type MonitorEnd, type MonitorSummary } from './stats.js';
import type { MonitorCounter, MonitorJob, MonitorTask, MonitorWorkerData } from './task.js';

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
 * Whether checks read the stream's own table: a stream without NewImage needs it (OLD_IMAGE gets
 * it, KEYS_ONLY only when asked for: its records say nothing but the key), `--read-stream-table`
 * asks for it.
 */
function readsStreamTable(viewType: string | undefined, config: MonitorConfig, streamArn: string): boolean {
  if (config.readStreamTable) return true;
  if (viewType === 'KEYS_ONLY') {
    throw toolError('DYNAMODB_SCHEMA', `stream ${streamArn} has view type KEYS_ONLY: its records hold no image to compare; enable NEW_IMAGE or NEW_AND_OLD_IMAGES, or pass --read-stream-table to compare the stream's table as it is now`);
  }
  return viewType === 'OLD_IMAGE';
}

export async function runMonitor(config: MonitorConfig, display: ProgressDisplay, signal?: AbortSignal): Promise<MonitorSummary> {
  const startedAt = new Date().toISOString();
  const p = await prepareMonitor(config);
  const { streamArn, checkedAgainst, keyAttributes } = p;
  const streams = createStreamsClient(p.streamEndpoint, createCredentialSource({ endpoint: p.streamEndpoint }));
  try {
    const first = await describeStream(streams, streamArn);
    const readStreamTable = readsStreamTable(first.viewType, config, streamArn);
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
    const board = new ShardBoard(source);
    board.learn(first.shards);
    // Every shard needs a reader of its own: lanes for twice the shards known at start (splits
    // add children while their parents end), never fewer than asked for.
    const shardsPerThread = Math.max(config.shardsPerThread, Math.ceil((2 * board.size) / config.threads));
    const stats = new JobStats<MonitorCounter>('events', (w) => display.event('warning', { warning: w }, `warning: ${w.message}`));
    const results = new MonitorResults(stats, display, { differencesPath: config.differencesPath, verbose: config.verbose, ...(previous === undefined ? {} : { resumeFrom: checkpoint.resume() }) });
    const slots = createRateSlots('wcu');
    const reads = new ThroughputControl({ kind: 'adaptive', ...(config.maxRcu === undefined ? {} : { maxWcu: config.maxRcu }) }, stats, {
      channel: 'read', slots, timeline: false,
      counters: { units: 'readUnits', throttled: 'throttledRequests', requests: 'requests', latencyPhase: 'batch-get' },
    });
    const decorate = (task: ShardTask): MonitorTask => {
      const parent = board.parentOf(task.shardId);
      const inherited = parent === undefined ? [] : results.inheritedBy(parent);
      return inherited.length === 0 ? task : { ...task, inherited };
    };
    // --coordinator: the shards are leases shared with other monitor processes (coordinated.ts).
    const coord = config.coordinator === undefined ? undefined : await joinMonitor(config, {
      endpoint: p.streamTableEndpoint, streamArn, checkedAgainst, firstListing: first.shards, stats, reads, decorate,
      onAdvance: (id, cursor) => results.ledger.advance(id, cursor),
    });
    const work: WorkSource<MonitorTask> = coord?.work ?? new CheckpointedShards<MonitorTask>(source, checkpoint, decorate, (id, cursor) => results.ledger.advance(id, cursor));
    if (coord !== undefined) board.followed = (id) => coord.source.heldIds().includes(id);
    /** A listing: the board learns it, and a shared job holds every shard of it. */
    const learn = (list: readonly ShardInfo[]): void => {
      board.learn(list);
      coord?.publish(list).catch((error: unknown) => display.event('warning', { error: String(error) }, `warning: adding shards to ${config.coordinator?.text ?? ''} failed: ${String(error)}`));
    };
    const sampler = new TimelineSampler(stats.startedAt);
    let lastSample = stats.startedAt;
    /** The report's timeline speaks of items: here the events read, and the checks' read units. */
    const sample = (force: boolean): void => {
      const now = performance.now();
      if (!force && now - lastSample < 1000) return;
      lastSample = now;
      sampler.sample({
        rowsRead: stats.get('events'), itemsWritten: stats.get('events'), writeUnits: stats.get('readUnits'),
        throttledRequests: stats.get('throttledRequests') + stats.get('streamThrottles'), unprocessedRetries: stats.get('unprocessedRetries'), retries: stats.get('retries'),
      }, null, now);
    };
    let end: MonitorEnd | undefined;
    let streamChange: string | undefined;
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
    const current = (): ReturnType<typeof monitorStats> => monitorStats(stats, board.counts(), board.pendingChecks(), intervalRate());
    const printBacklog = (): void => display.event('shards', { shards: board.backlog(Date.now()) }, formatBacklog(board.backlog(Date.now())));
    const workerData: MonitorWorkerData = {
      stream: { ...(p.streamEndpoint.custom ? { endpoint: p.streamEndpoint.url.href } : {}), region: p.streamEndpoint.region, ...(p.streamEndpoint.profile === undefined ? {} : { profile: p.streamEndpoint.profile }), streamArn },
      against: p.against,
      ...(readStreamTable ? { streamTable: p.streamTable } : {}),
      ignoreAttributes: config.cassandra === undefined ? [] : ignoredAttributes(config.cassandra.mapping),
      keyAttributes,
      sampleShare: config.sampleRate.share,
      recheckAfterMs: config.recheckAfterMs,
      maxRechecks: config.maxRechecks,
      inFlight: config.inFlight,
      idleWaitMs: config.idleWaitMs,
      verbose: config.verbose,
      rateSlots: slots,
    };
    /** The table's stream now: one replaced (a new LatestStreamArn) or disabled is reported once. */
    const checkTableStream = async (): Promise<void> => {
      const latest = await latestStream(p.streamTableEndpoint, config.streamTable);
      const change = !latest.enabled ? 'disabled' : latest.arn !== undefined && latest.arn !== streamArn ? latest.arn : undefined;
      if (change === undefined || change === streamChange) return;
      streamChange = change;
      display.event(
        'warning',
        { streamChanged: change },
        change === 'disabled'
          ? `warning: table '${config.streamTable}' has no enabled stream any more: changes made from now on are not in any stream this monitor can read`
          : `warning: table '${config.streamTable}' has a new stream ${change}; this monitor follows ${streamArn}, which takes no new changes: start another monitor on the new stream`,
      );
    };
    /** Reads the listing and the table's stream again: new shards, and a stream disabled or replaced. */
    const rediscover = async (): Promise<void> => {
      try {
        const listing = await describeStream(streams, streamArn);
        learn(listing.shards);
        if (listing.status === 'DISABLED' || listing.status === 'DISABLING') display.event('warning', { streamStatus: listing.status }, `warning: stream ${streamArn} is ${listing.status}: it takes no new changes; its shards are read to their end`);
        await checkTableStream();
      } catch (error) {
        display.event('warning', { error: String(error) }, `warning: listing the stream's shards failed: ${String(error)}`);
      }
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
      // A retried reader counts only what no earlier reader of the shard counted.
      taskForAttempt: (item) => {
        const countedThrough = results.ledger.countedThrough(item.task.shardId);
        return countedThrough === undefined ? item.task : { ...item.task, countedThrough };
      },
      onData: (data, item) => {
        switch (data.type) {
          case 'settled':
            results.settled(data);
            return;
          case 'inherited-superseded':
            results.inheritedSuperseded(data.keyIds);
            return;
          case 'shard-state':
            board.setState(data.shardId, { caughtUp: data.caughtUp, pending: data.pendingChecks, ...(data.lastRecordAtMs === undefined ? {} : { lastRecordAtMs: data.lastRecordAtMs }) });
            return;
          case 'shard-ended':
            results.shardEnded(data.shardId, data.deferred);
            board.end(data.shardId);
            // Its children may exist already: list them now rather than at the next listing.
            void childShards(streams, streamArn, data.shardId).then(
              (list) => learn(list),
              (error: unknown) => display.event('warning', { shard: item.id, error: String(error) }, `warning: listing the children of ${item.id} failed: ${String(error)}`),
            );
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
        snapshot: () => {
          if (config.reportDir !== undefined) sample(false);
          return {
            done: stats.get('events'),
            ratePerSec: stats.currentRate(),
            elapsedMs: stats.elapsedMs(),
            extra: { sampled: stats.get('sampled'), matched: stats.get('matched'), pending: board.pendingChecks(), missing: stats.get('missing'), mismatched: stats.get('mismatched'), shards: board.size },
            jsonExtra: { sampled: stats.get('sampled'), matched: stats.get('matched'), pendingChecks: board.pendingChecks(), missing: stats.get('missing'), mismatched: stats.get('mismatched'), stillPresent: stats.get('stillPresent'), dataLoss: stats.get('dataLoss') },
          };
        },
      },
      services: [
        reads,
        ...(coord?.services ?? []),
        every(DEFAULTS.migrate.checkpointEveryMs, () => checkpoint.save()),
        every(config.statsIntervalMs, () => {
          const s = current();
          display.event('stats', { ...s }, formatStats(s, 'statistics'));
          if (config.shardStats) printBacklog();
        }),
        every(config.rediscoverEveryMs, rediscover),
        every(250, () => {
          results.confirmDeferred((parent) => board.childrenRead(parent));
          if (config.durationMs !== undefined && stats.elapsedMs() >= config.durationMs) {
            end ??= 'duration';
            scheduler.stop();
          }
          // A deferred difference waits for children that are listed but not read yet.
          if (config.untilCaughtUp && board.allCaughtUp() && coord?.source.hasFreeWork() !== true && !results.waiting((parent) => board.hasChildren(parent))) {
            end ??= 'caught-up';
            scheduler.stop();
          }
        }),
      ],
    });

    display.event(
      'start',
      { streamArn, checkedAgainst, source: config.cassandra === undefined ? 'dynamodb' : 'cassandra', verifyOn: config.verifyOn, shards: board.size, viewType: first.viewType, readStreamTable, sampleRate: config.sampleRate.share, iteratorType: config.iteratorType },
      `monitor: ${streamArn} (${board.size} shards, ${first.viewType}) checked against ${checkedAgainst}; sampling ${describeSampleRate(config.sampleRate)}, from ${config.iteratorType}` +
        (readStreamTable ? `; each change is compared as table '${config.streamTable}' holds it now (consistent reads)` : ''),
    );
    // SIGUSR2: the per-shard backlog, once, on request (SIGUSR1 belongs to Node's inspector).
    const onUsr2 = (): void => printBacklog();
    if (process.platform !== 'win32') process.on('SIGUSR2', onUsr2);
    let outcome;
    try {
      outcome = await scheduler.run(work, signal);
    } finally {
      process.off('SIGUSR2', onUsr2);
      results.close();
      checkpoint.save(true);
    }
    const fatal: PlainError | undefined = outcome.fatal;
    if (signal?.aborted === true) end = 'interrupted';
    // Children that never came (a stream disabled after a split): the parent's last word stands.
    if (fatal === undefined && end !== 'interrupted') results.confirmDeferred(() => true, true);
    // A stream that ended (disabled) or was replaced between two listings is still reported.
    if (fatal === undefined) await checkTableStream().catch(() => undefined);
    if (config.shardStats) printBacklog();
    const built = buildSummary(current(), {
      ended: fatal !== undefined ? 'failed' : (end ?? 'stream-ended'),
      ...(fatal === undefined ? {} : { fatal }),
      streamArn,
      checkedAgainst,
      sampleRate: describeSampleRate(config.sampleRate),
      differencesFile: config.differencesPath,
      ...(streamChange === undefined ? {} : { streamChange }),
      shardsGivenUp: outcome.failures,
    });
    const summary = coord === undefined ? built : {
      ...built,
      coordination: {
        coordinator: config.coordinator!.text, processId: config.coordinator!.processId, planCreated: coord.plan.created, shardsHeldAtEnd: coord.source.heldIds().length,
        tableCalls: coord.session.table.calls, takeovers: coord.source.takeovers, lostLeases: coord.source.lostLeases,
      },
    };
    await coord?.finish(summary.exitStatus, summary.ended === 'failed' ? 'failed' : summary.ended === 'interrupted' ? 'interrupted' : 'finished');
    if (config.reportDir !== undefined) {
      sample(true);
      writeRunReport(config.reportDir, {
        command: 'monitor',
        startedAt,
        summary: { ...summary },
        settings: { streamArn, checkedAgainst, verifyOn: config.verifyOn, sampleRate: describeSampleRate(config.sampleRate), iteratorType: config.iteratorType, threads: config.threads, shardsPerThread, readStreamTable, recheckAfterMs: config.recheckAfterMs, maxRechecks: config.maxRechecks, ...(config.maxRcu === undefined ? {} : { maxRcu: config.maxRcu }) },
        histograms: stats.histograms,
        timeline: sampler.points(),
      });
    }
    return summary;
  } finally {
    streams.destroy();
  }
}
