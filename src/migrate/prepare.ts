/**
 * Everything a migration decides before it writes anything: the source schema and mapping, the
 * target table (checked or created), the plan, the checkpoint. Any problem found here ends the
 * job with nothing written. A dry run creates nothing and saves nothing: it checks the target
 * with read-only calls instead (dynamodb/target-checks.ts) and reports what it found as a result.
 */
import { createHash } from 'node:crypto';
import { Checkpoint, CheckpointError, defaultCheckpointPath, describeJob, jobKey, readCheckpoint, type JobIdentity, type RangeProgress } from '../engine/checkpoint.js';
import { DeadLetterFile } from '../engine/dead-letters.js';
import { ensureTargetTable } from '../dynamodb/target.js';
import { checkTarget, type TargetCheck } from '../dynamodb/target-checks.js';
import { ErrorCode, ToolError } from '../errors.js';
import { prepareTableJob, preparedTargetTable, prepareTargetTable, type PreparedTableJob } from '../job/table-job.js';
import { planJob, shardLabel } from '../plan/shards.js';
import type { MigrateConfig } from './config.js';
import { prepareCoordination, type Coordination, type RangeBook } from './coordinated.js';
import { perProcess } from '../coord/session.js';

export interface PreparedJob extends PreparedTableJob {
  readonly job: JobIdentity;
  /** The checkpoint file, or with --coordinator the coordination table's view of the job. */
  readonly checkpoint: RangeBook;
  /** With --coordinator: the shared job this process joined. */
  readonly coordination?: Coordination;
  readonly deadLetterPath: string;
  /** True when this run continues a checkpoint. */
  readonly resumed: boolean;
  /** A dry run's read-only checks of the target (endpoint, credentials, table); absent otherwise. */
  readonly targetChecks?: readonly TargetCheck[];
}

export function mappingDigest(config: Pick<MigrateConfig, 'mapping'>): string {
  return createHash('sha256').update(JSON.stringify(config.mapping)).digest('hex').slice(0, 16);
}

function usage(message: string): ToolError {
  return new ToolError({ code: ErrorCode.USAGE, message, retryable: false });
}

export async function prepareMigration(config: MigrateConfig): Promise<PreparedJob> {
  // The target table comes last (below): a refused checkpoint must leave DynamoDB untouched.
  const prepared = await prepareTableJob(config, { targetTable: 'skip' });
  const { target } = prepared;
  const job: JobIdentity = {
    keyspace: config.keyspace,
    table: config.table,
    targetTable: config.targetTable,
    target: target.identity,
    mappingDigest: mappingDigest(config),
    ...(config.shard === undefined ? {} : { shard: shardLabel(config.shard) }),
  };
  const checkpointPath = config.checkpointPath ?? defaultCheckpointPath(job);
  if (config.coordinator !== undefined && !config.dryRun) return prepareCoordinated(config, prepared, job, checkpointPath);
  const deadLetterPath = config.deadLetterPath ?? checkpointPath.replace(/\.json$/, '') + '.dead-letters.jsonl';

  let previous;
  try {
    previous = readCheckpoint(checkpointPath);
  } catch (error) {
    if (error instanceof CheckpointError) throw usage(error.message);
    throw error;
  }
  let ranges: RangeProgress[];
  let resumed = false;
  if (config.resume) {
    if (previous === undefined) throw usage(`--resume: no checkpoint at ${checkpointPath}`);
    if (previous.jobKey !== jobKey(job)) {
      throw usage(`--resume: checkpoint ${checkpointPath} belongs to another job (${describeJob(previous.job)}); this one is ${describeJob(job)}`);
    }
    ranges = [...previous.ranges];
    resumed = true;
  } else {
    if (previous !== undefined && !previous.completed && !config.fresh && !config.dryRun) {
      throw usage(`an unfinished checkpoint exists at ${checkpointPath}: add --resume to continue it or --fresh to start over`);
    }
    // With --shard: the shard's fixed part of the ring only (src/plan/shards.ts).
    ranges = planJob(prepared.ring, config.splits, config.shard).map((r) => ({ ...r, state: 'pending' as const }));
  }
  const checkpoint = new Checkpoint(checkpointPath, job, ranges, resumed ? previous : undefined);
  if (!config.dryRun) {
    // A checkpoint or dead-letter file that cannot be written stops the job here, before DynamoDB is touched.
    checkpoint.probe();
    DeadLetterFile.probeFile(deadLetterPath);
  }

  if (config.dryRun) {
    const targetChecks = await checkTarget(target, { table: config.targetTable, keySchema: prepared.keySchema, requestTimeoutMs: config.requestTimeoutMs, create: config.createTable });
    return { ...prepared, job, checkpoint, deadLetterPath, resumed, targetChecks, ...preparedTargetTable(undefined) };
  }
  const step = config.createTable ? 'create' : 'ensure';
  // A created table with a stream (--stream-view-type): the stream holds every write from the first.
  const targetTable = step === 'create' && config.streamViewType !== undefined
    ? await ensureTargetTable(target, { table: config.targetTable, keySchema: prepared.keySchema, requestTimeoutMs: config.requestTimeoutMs, create: true, streamViewType: config.streamViewType })
    : await prepareTargetTable(config, prepared, step);
  return { ...prepared, job, checkpoint, deadLetterPath, resumed, ...preparedTargetTable(targetTable) };
}

/**
 * --coordinator: no checkpoint file; the job's plan and positions are in the coordination table.
 * Dead letters stay per process, in a file named after the process.
 */
async function prepareCoordinated(config: MigrateConfig, prepared: PreparedTableJob, job: JobIdentity, checkpointPath: string): Promise<PreparedJob> {
  const coordinator = config.coordinator!;
  // Every process its own file, named or not (processes may share a folder).
  const deadLetterPath = perProcess(config.deadLetterPath ?? checkpointPath.replace(/\.json$/, '') + '.dead-letters.jsonl', coordinator.processId);
  DeadLetterFile.probeFile(deadLetterPath);
  const budget = config.rate.kind === 'fixed-items'
    ? { channel: 'items' as const, perSecond: config.rate.itemsPerSec }
    : config.maxWcu === undefined ? undefined : { channel: 'wcu' as const, perSecond: config.maxWcu };
  const coordination = await prepareCoordination({
    config: coordinator,
    endpoint: prepared.target.endpoint,
    job,
    ranges: () => planJob(prepared.ring, config.splits, undefined),
    fresh: config.fresh,
    ...(budget === undefined ? {} : { budget }),
    files: { deadLetters: deadLetterPath, ...(config.reportDir === undefined ? {} : { report: config.reportDir }) },
  });
  try {
    const step = config.createTable ? 'create' : 'ensure';
    const targetTable = step === 'create' && config.streamViewType !== undefined
      ? await ensureTargetTable(prepared.target, { table: config.targetTable, keySchema: prepared.keySchema, requestTimeoutMs: config.requestTimeoutMs, create: true, streamViewType: config.streamViewType })
      : await prepareTargetTable(config, prepared, step);
    return { ...prepared, job, checkpoint: coordination.book, coordination, deadLetterPath, resumed: !coordination.plan.created, ...preparedTargetTable(targetTable) };
  } catch (error) {
    coordination.session.close();
    throw error;
  }
}
