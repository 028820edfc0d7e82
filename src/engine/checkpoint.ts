/**
 * Checkpoints: where a migration is, per range, saved atomically (temporary file, fsync, rename,
 * fsync of the folder) so a crash at any moment leaves either the old or the new file, never a
 * torn one. The file holds the plan itself, so `--resume` continues the exact same ranges.
 * No credentials are ever written here: the job identity holds names and the endpoint's origin.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../errors.js';
import type { RangeDescriptor } from '../plan/token-ranges.js';
import { fileWriteError, probeWritable, removeQuietly, writeSynced } from './durable-file.js';

export const CHECKPOINT_FORMAT = 'cass2ddb-fast/checkpoint';
export const CHECKPOINT_VERSION = 1;

/** What makes two runs the same job. */
export interface JobIdentity {
  readonly keyspace: string;
  readonly table: string;
  readonly targetTable: string;
  /** Origin of the DynamoDB endpoint (scheme://host:port) and the region: never credentials. */
  readonly target: string;
  /** Digest of the resolved mapping options. */
  readonly mappingDigest: string;
  /** `--shard i/N` as `i/N`: each shard is a job of its own, with its own plan and checkpoint. */
  readonly shard?: string;
}

export type RangeState = 'pending' | 'done';

export interface RangeProgress extends RangeDescriptor {
  readonly state: RangeState;
  /** Rows with token ≤ resumeAfter are written; the next run reads (resumeAfter, end]. */
  readonly resumeAfter?: string;
}

export interface CheckpointTotals {
  readonly rowsRead: number;
  readonly itemsWritten: number;
  readonly deadLetters: number;
}

export interface CheckpointFile {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  readonly jobKey: string;
  readonly job: JobIdentity;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly runs: number;
  readonly completed: boolean;
  readonly ranges: readonly RangeProgress[];
  /** Totals over every run of the job. */
  readonly totals: CheckpointTotals;
}

export function jobKey(job: JobIdentity): string {
  // The shard only when there is one: checkpoints of jobs without --shard keep the key they were saved with.
  const fields = [job.keyspace, job.table, job.targetTable, job.target, job.mappingDigest, ...(job.shard === undefined ? [] : [job.shard])];
  const canonical = JSON.stringify(fields);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** `<dir>/<ks>.<table>--<target>.json`; a shard's `….shard-<i>-of-<N>.json`, so its dead letters follow it. */
export function defaultCheckpointPath(job: JobIdentity, dir = 'cass2ddb-checkpoints'): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  const shard = job.shard === undefined ? '' : `.shard-${job.shard.replace('/', '-of-')}`;
  return path.join(dir, `${safe(job.keyspace)}.${safe(job.table)}--${safe(job.targetTable)}${shard}.json`);
}

/** A job in a few words, for messages: `app.users → users at <target>, mapping <digest>[, shard 1/3]`. */
export function describeJob(job: JobIdentity): string {
  return `${job.keyspace}.${job.table} → ${job.targetTable} at ${job.target}, mapping ${job.mappingDigest}` +
    (job.shard === undefined ? '' : `, shard ${job.shard}`);
}

/** What a failed save of a migration's checkpoint means, and what the user does about it. */
const SAVE_FAILED_HINT = 'the job stopped; the last checkpoint saved stands (items written since are written again, puts are idempotent): make room or fix the folder, then run the same command with --resume';

/**
 * Writes the file atomically: a reader sees the old or the new content, never a mix. Any failure
 * (a full disk, a file-size limit, no permission) leaves the old file as it was, removes the
 * temporary one and throws a CHECKPOINT_UNWRITABLE ToolError naming the file and the reason.
 */
export function writeFileAtomic(file: string, content: string, hint = 'the file saved before stands'): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeSynced(tmp, content);
    renameSync(tmp, file);
    // The rename is durable only once the folder's entry is.
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (error) {
    removeQuietly(tmp);
    throw fileWriteError(ErrorCode.CHECKPOINT_UNWRITABLE, 'save', 'checkpoint', file, error, hint);
  }
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function readCheckpoint(file: string): CheckpointFile | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CheckpointError(`checkpoint ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const c = parsed as Partial<CheckpointFile>;
  if (c.format !== CHECKPOINT_FORMAT || c.version !== CHECKPOINT_VERSION || !Array.isArray(c.ranges) || typeof c.jobKey !== 'string') {
    throw new CheckpointError(`${file} is not a cass2ddb-fast checkpoint (format ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION})`);
  }
  return c as CheckpointFile;
}

export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The live checkpoint of a running job: range updates in memory, saved at a fixed cadence and
 * whenever a range ends. Saves are synchronous and small (one line per range).
 */
export class Checkpoint {
  private readonly ranges = new Map<string, RangeProgress>();
  private totals: { rowsRead: number; itemsWritten: number; deadLetters: number };
  private dirty = false;
  private readonly createdAt: string;
  private readonly runs: number;

  constructor(
    readonly file: string,
    readonly job: JobIdentity,
    ranges: readonly RangeProgress[],
    previous?: CheckpointFile,
  ) {
    for (const r of ranges) this.ranges.set(r.id, r);
    this.totals = { ...(previous?.totals ?? { rowsRead: 0, itemsWritten: 0, deadLetters: 0 }) };
    this.createdAt = previous?.createdAt ?? new Date().toISOString();
    this.runs = (previous?.runs ?? 0) + 1;
  }

  /** Ranges still to copy, with their resume positions. */
  pending(): RangeProgress[] {
    return [...this.ranges.values()].filter((r) => r.state === 'pending');
  }

  all(): RangeProgress[] {
    return [...this.ranges.values()];
  }

  advance(rangeId: string, resumeAfter: string): void {
    const r = this.mustGet(rangeId);
    this.ranges.set(rangeId, { ...r, resumeAfter });
    this.dirty = true;
  }

  complete(rangeId: string): void {
    const r = this.mustGet(rangeId);
    const { resumeAfter: _dropped, ...rest } = r;
    this.ranges.set(rangeId, { ...rest, state: 'done' });
    this.dirty = true;
  }

  addTotals(delta: Partial<CheckpointTotals>): void {
    this.totals.rowsRead += delta.rowsRead ?? 0;
    this.totals.itemsWritten += delta.itemsWritten ?? 0;
    this.totals.deadLetters += delta.deadLetters ?? 0;
    this.dirty = true;
  }

  getTotals(): CheckpointTotals {
    return { ...this.totals };
  }

  isComplete(): boolean {
    return [...this.ranges.values()].every((r) => r.state === 'done');
  }

  /** Saves when something changed (or when forced); throws CHECKPOINT_UNWRITABLE when it cannot. */
  save(force = false): void {
    if (!this.dirty && !force) return;
    writeFileAtomic(this.file, this.render(), SAVE_FAILED_HINT);
    this.dirty = false;
  }

  /**
   * Proves, before anything is written to DynamoDB, that this checkpoint can be saved: its
   * folder made and a file of its size written and flushed beside it (then removed), so an
   * unwritable folder, a full disk or a file-size limit stops the job before its first item.
   */
  probe(): void {
    try {
      probeWritable(this.file, this.render());
    } catch (error) {
      throw fileWriteError(ErrorCode.CHECKPOINT_UNWRITABLE, 'write', 'checkpoint', this.file, error,
        'nothing was written to DynamoDB: make room or fix the folder, or name another file with --checkpoint');
    }
  }

  private render(): string {
    const file: CheckpointFile = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      jobKey: jobKey(this.job),
      job: this.job,
      createdAt: this.createdAt,
      updatedAt: new Date().toISOString(),
      runs: this.runs,
      completed: this.isComplete(),
      ranges: [...this.ranges.values()],
      totals: this.getTotals(),
    };
    // One range per line: readable, and diffable between two saves.
    const lines = file.ranges.map((r) => `    ${JSON.stringify(r)}`).join(',\n');
    const { ranges: _r, ...head } = file;
    return JSON.stringify(head, null, 2).replace(/\n}$/, `,\n  "ranges": [\n${lines}\n  ]\n}\n`);
  }

  private mustGet(id: string): RangeProgress {
    const r = this.ranges.get(id);
    if (r === undefined) throw new Error(`checkpoint: unknown range ${id}`);
    return r;
  }
}
