/**
 * The monitor's checkpoint: per shard, the last sequence number whose change is settled (read,
 * and its check judged or not sampled), and the shards read to their end. Saved atomically
 * (temporary file, fsync, rename) like a migration's checkpoint; `--resume` continues each shard
 * AFTER_SEQUENCE_NUMBER its cursor, never hands out a finished shard again, and refuses a
 * checkpoint of another stream or table. No credential is ever written here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../engine/checkpoint.js';
import type { PlainError } from '../errors.js';
import { toolError } from '../errors.js';
import type { Pull, WorkSource } from '../engine/work-source.js';
import type { ShardSource, ShardTask } from '../streams/shard-source.js';

export const MONITOR_CHECKPOINT_FORMAT = 'cass2ddb-fast/monitor-checkpoint';
export const MONITOR_CHECKPOINT_VERSION = 1;

export interface MonitorCheckpointFile {
  readonly format: typeof MONITOR_CHECKPOINT_FORMAT;
  readonly version: typeof MONITOR_CHECKPOINT_VERSION;
  readonly streamArn: string;
  /** The table checks read (its name and endpoint origin): another one is another job. */
  readonly checkedAgainst: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly runs: number;
  /** Shard id → last settled sequence number. */
  readonly cursors: Readonly<Record<string, string>>;
  /** Shards read to their end, or skipped (closed at a LATEST start). */
  readonly finished: readonly string[];
}

export function readMonitorCheckpoint(file: string): MonitorCheckpointFile | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw toolError('USAGE', `checkpoint ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const c = parsed as Partial<MonitorCheckpointFile>;
  if (c.format !== MONITOR_CHECKPOINT_FORMAT || c.version !== MONITOR_CHECKPOINT_VERSION || typeof c.cursors !== 'object' || !Array.isArray(c.finished)) {
    throw toolError('USAGE', `${file} is not a cass2ddb-fast monitor checkpoint (format ${MONITOR_CHECKPOINT_FORMAT} v${MONITOR_CHECKPOINT_VERSION})`);
  }
  return c as MonitorCheckpointFile;
}

/** The live checkpoint: updated in memory as shards move, saved at a cadence and at each shard's end. */
export class MonitorCheckpoint {
  private readonly cursors = new Map<string, string>();
  private readonly finished = new Set<string>();
  private readonly createdAt: string;
  private readonly runs: number;
  private dirty = false;

  constructor(
    readonly file: string,
    readonly streamArn: string,
    readonly checkedAgainst: string,
    previous?: MonitorCheckpointFile,
  ) {
    if (previous !== undefined && (previous.streamArn !== streamArn || previous.checkedAgainst !== checkedAgainst)) {
      throw toolError('USAGE', `--resume: checkpoint ${file} belongs to another job (${previous.streamArn} checked against ${previous.checkedAgainst}); this one follows ${streamArn} checked against ${checkedAgainst}`);
    }
    for (const [shard, seq] of Object.entries(previous?.cursors ?? {})) this.cursors.set(shard, seq);
    for (const shard of previous?.finished ?? []) this.finished.add(shard);
    this.createdAt = previous?.createdAt ?? new Date().toISOString();
    this.runs = (previous?.runs ?? 0) + 1;
  }

  /** What a resumed ShardSource starts from. */
  resume(): { cursors: ReadonlyMap<string, string>; finished: ReadonlySet<string> } {
    return { cursors: new Map(this.cursors), finished: new Set(this.finished) };
  }

  advance(shardId: string, sequenceNumber: string): void {
    const had = this.cursors.get(shardId);
    if (had !== undefined && BigInt(had) >= BigInt(sequenceNumber)) return; // never backwards
    this.cursors.set(shardId, sequenceNumber);
    this.dirty = true;
  }

  finish(shardId: string): void {
    this.finished.add(shardId);
    this.cursors.delete(shardId);
    this.dirty = true;
  }

  save(force = false): void {
    if (!this.dirty && !force) return;
    const file: MonitorCheckpointFile = {
      format: MONITOR_CHECKPOINT_FORMAT,
      version: MONITOR_CHECKPOINT_VERSION,
      streamArn: this.streamArn,
      checkedAgainst: this.checkedAgainst,
      createdAt: this.createdAt,
      updatedAt: new Date().toISOString(),
      runs: this.runs,
      cursors: Object.fromEntries(this.cursors),
      finished: [...this.finished],
    };
    writeFileAtomic(this.file, `${JSON.stringify(file, null, 2)}\n`);
    this.dirty = false;
  }
}

/** The shard source with every move written to the checkpoint (a shard's end saved at once). */
export class CheckpointedShards<T extends ShardTask = ShardTask> implements WorkSource<T> {
  constructor(
    private readonly shards: ShardSource,
    private readonly checkpoint: MonitorCheckpoint,
    /** Adds to a task what is known only when it is handed out (the keys its parent handed on). */
    private readonly decorate: (task: ShardTask) => T = (task) => task as T,
    /** Told each move of a shard's cursor (after the checkpoint took it). */
    private readonly onAdvance?: (id: string, cursor: string) => void,
  ) {
    for (const id of shards.skipped()) checkpoint.finish(id);
  }

  next(): Pull<T> {
    const pull = this.shards.next();
    return pull.kind === 'item' ? { kind: 'item', item: { ...pull.item, task: this.decorate(pull.item.task) } } : pull;
  }

  advance(id: string, cursor: string): void {
    this.shards.advance(id, cursor);
    this.checkpoint.advance(id, cursor);
    this.onAdvance?.(id, cursor);
  }

  complete(id: string): void {
    this.shards.complete(id);
    this.checkpoint.finish(id);
    this.checkpoint.save();
  }

  fail(id: string, error: PlainError): void {
    this.shards.fail(id, error);
  }

  release(id: string): void {
    this.shards.release(id);
  }
}
