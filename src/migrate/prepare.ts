/**
 * Everything a migration decides before it writes anything: the source schema and mapping, the
 * target table (checked or created), the plan, the checkpoint. Any problem found here ends the
 * job with nothing written.
 */
import { createHash } from 'node:crypto';
import { connect } from '../cassandra/client.js';
import { ringRanges, sizeEstimates, type SizeEstimate } from '../cassandra/ring.js';
import { loadTableSpec } from '../cassandra/schema.js';
import { buildRangeSelect, type RangeSelect } from '../cassandra/select.js';
import { Checkpoint, CheckpointError, defaultCheckpointPath, jobKey, readCheckpoint, type JobIdentity, type RangeProgress } from '../engine/checkpoint.js';
import { ErrorCode, ToolError } from '../errors.js';
import { compileRowConverter, validateMapping } from '../mapping/row-converter.js';
import type { KeySchema } from '../mapping/keys.js';
import type { TableSpec } from '../mapping/table-spec.js';
import { planRanges } from '../plan/token-ranges.js';
import type { MigrateConfig } from './config.js';
import { describeTarget, ensureTargetTable, type TargetDescription } from './target.js';

export interface PreparedJob {
  readonly tableSpec: TableSpec;
  readonly keySchema: KeySchema;
  readonly select: RangeSelect;
  readonly job: JobIdentity;
  readonly checkpoint: Checkpoint;
  readonly deadLetterPath: string;
  readonly target: TargetDescription;
  /** Partitions the table holds, from system.size_estimates (0 when Cassandra has no estimate yet). */
  readonly estimatedPartitions: number;
  readonly estimatedBytes: number;
  /** True when this run continues a checkpoint. */
  readonly resumed: boolean;
  readonly tableCreated: boolean;
}

export function mappingDigest(config: Pick<MigrateConfig, 'mapping'>): string {
  return createHash('sha256').update(JSON.stringify(config.mapping)).digest('hex').slice(0, 16);
}

function usage(message: string): ToolError {
  return new ToolError({ code: ErrorCode.USAGE, message, retryable: false });
}

export async function prepareMigration(config: MigrateConfig): Promise<PreparedJob> {
  const client = await connect(config.connection);
  let tableSpec: TableSpec;
  let estimates: SizeEstimate[];
  let ring;
  try {
    tableSpec = await loadTableSpec(client, config.keyspace, config.table);
    estimates = await sizeEstimates(client, config.keyspace, config.table);
    ring = ringRanges(client, config.keyspace, estimates);
  } finally {
    await client.shutdown();
  }

  const problems = validateMapping(tableSpec, config.mapping);
  if (problems.length > 0) throw usage(`mapping (${config.mappingSource}): ${problems.join('; ')}`);
  const keySchema = compileRowConverter(tableSpec, config.mapping).keySchema;

  const target = await describeTarget(config);
  const job: JobIdentity = {
    keyspace: config.keyspace,
    table: config.table,
    targetTable: config.targetTable,
    target: target.identity,
    mappingDigest: mappingDigest(config),
  };
  const checkpointPath = config.checkpointPath ?? defaultCheckpointPath(job);
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
      const p = previous.job;
      throw usage(
        `--resume: checkpoint ${checkpointPath} belongs to another job (${p.keyspace}.${p.table} → ${p.targetTable} at ${p.target}, mapping ${p.mappingDigest}); ` +
          `this one is ${job.keyspace}.${job.table} → ${job.targetTable} at ${job.target}, mapping ${job.mappingDigest}`,
      );
    }
    ranges = [...previous.ranges];
    resumed = true;
  } else {
    if (previous !== undefined && !previous.completed && !config.fresh && !config.dryRun) {
      throw usage(`an unfinished checkpoint exists at ${checkpointPath}: add --resume to continue it or --fresh to start over`);
    }
    ranges = planRanges(ring, config.splits).map((r) => ({ ...r, state: 'pending' as const }));
  }
  const checkpoint = new Checkpoint(checkpointPath, job, ranges, resumed ? previous : undefined);

  let tableCreated = false;
  if (!config.dryRun) tableCreated = await ensureTargetTable(config, keySchema, target);

  const estimatedPartitions = estimates.reduce((a, e) => a + e.partitions, 0);
  const estimatedBytes = estimates.reduce((a, e) => a + e.partitions * e.meanPartitionBytes, 0);
  return {
    tableSpec,
    keySchema,
    select: buildRangeSelect(config.keyspace, config.table, tableSpec, config.mapping),
    job,
    checkpoint,
    deadLetterPath,
    target,
    estimatedPartitions,
    estimatedBytes,
    resumed,
    tableCreated,
  };
}
