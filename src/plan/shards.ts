/**
 * Static shards (`--shard i/N`): one process takes a fixed 1/N of a table job, so N machines (a
 * Kubernetes Indexed Job, an AWS Batch array job) split a table without talking to each other.
 *
 * Shard i owns the token segment (b(i), b(i+1)] with b(k) = MIN + floor((MAX - MIN) · k / N).
 * The cut points are fixed token values, not derived from size estimates: system.size_estimates
 * differ between nodes and change every few minutes, so shards started at different times or
 * through different contact points would plan differently and overlap or leave gaps. Fixed cut
 * points tile the ring exactly whatever each shard's estimates are. Murmur3 spreads partitions
 * uniformly over the token space, so equal spans are equal expected sizes: the shards are
 * balanced by size, not by range count (the ranges of a plan have unequal spans).
 */
import path from 'node:path';
import type { Env } from '../config/env.js';
import { LIMITS } from '../config/defaults.js';
import { ErrorCode, ToolError } from '../errors.js';
import {
  MAX_TOKEN, MIN_TOKEN, WHOLE_RING, assertCoversSegment, planRanges, ringShare,
  type RangeDescriptor, type RingRange, type TokenSegment,
} from './token-ranges.js';

/**
 * Where `auto/N` finds its index, first set wins: Kubernetes Indexed Jobs, AWS Batch array jobs,
 * then our own variable for anything else (a shell loop, Nomad, systemd templates).
 */
export const SHARD_INDEX_ENV = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX', 'CASS2DDB_SHARD_INDEX'] as const;

export type ShardIndexSource = 'flag' | (typeof SHARD_INDEX_ENV)[number];

export interface ShardSpec {
  /** 0 ≤ index < count. */
  readonly index: number;
  readonly count: number;
  /** Where the index came from: the flag itself or the variable `auto/N` read. */
  readonly indexFrom: ShardIndexSource;
}

function usage(message: string): ToolError {
  return new ToolError({ code: ErrorCode.USAGE, message, retryable: false });
}

const DIGITS = /^\d{1,6}$/;

/** Parses `--shard i/N` or `--shard auto/N`; any mistake is a one-line usage error naming --shard. */
export function parseShard(text: string, env: Env): ShardSpec {
  const m = /^([^/]*)\/([^/]*)$/.exec(text.trim());
  if (m === null || !DIGITS.test(m[2] ?? '') || (m[1] !== 'auto' && !DIGITS.test(m[1] ?? ''))) {
    throw usage(`--shard: expected i/N or auto/N (e.g. 0/4, auto/4), got "${text}"`);
  }
  const count = Number(m[2]);
  if (count < 1 || count > LIMITS.maxShards) {
    throw usage(`--shard ${text}: the shard count must be 1 to ${LIMITS.maxShards.toLocaleString('en-US')}, got ${count}`);
  }
  if (m[1] !== 'auto') {
    const index = Number(m[1]);
    if (index >= count) throw usage(`--shard ${text}: the index must be 0 to ${count - 1} (shards are numbered from 0), got ${index}`);
    return { index, count, indexFrom: 'flag' };
  }
  const name = SHARD_INDEX_ENV.find((n) => env[n] !== undefined && env[n] !== '');
  if (name === undefined) {
    throw usage(`--shard ${text}: no shard index in the environment (set one of ${SHARD_INDEX_ENV.join(', ')}, or give --shard i/${count})`);
  }
  const value = env[name] as string;
  const index = Number(value);
  if (!DIGITS.test(value.trim()) || index >= count) {
    throw usage(`--shard ${text}: ${name}="${value}" is not a shard index 0 to ${count - 1}`);
  }
  return { index, count, indexFrom: name };
}

/** `1/3`: the shard as the job identity and the reports name it. */
export function shardLabel(shard: Pick<ShardSpec, 'index' | 'count'>): string {
  return `${shard.index}/${shard.count}`;
}

/** `.shard-1-of-3`: the suffix of a shard's default checkpoint and differences files. */
export function shardFileSuffix(shard: Pick<ShardSpec, 'index' | 'count'>): string {
  return `.shard-${shard.index}-of-${shard.count}`;
}

/** `path/x.json` → `path/x.shard-1-of-3.json`: before the extension, so files derived from it follow. */
export function withShardSuffix(file: string, shard: Pick<ShardSpec, 'index' | 'count'> | undefined): string {
  if (shard === undefined) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}${shardFileSuffix(shard)}${ext}`;
}

function boundary(k: number, count: number): bigint {
  return MIN_TOKEN + ((MAX_TOKEN - MIN_TOKEN) * BigInt(k)) / BigInt(count);
}

/** Shard `index` of `count`: its token segment (start, end], cut at equal token spans. */
export function shardSegment(index: number, count: number): TokenSegment {
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`shard ${index}/${count}: expected 0 ≤ index < count`);
  }
  return { start: boundary(index, count), end: boundary(index + 1, count) };
}

/** `shard 1/3 (33.3 % of the ring)`, with where `auto` found the index: for start lines and summaries. */
export function shardText(shard: Pick<ShardSpec, 'index' | 'count' | 'indexFrom'>): string {
  const segment = shardSegment(shard.index, shard.count);
  const from = shard.indexFrom === 'flag' ? '' : `, index from ${shard.indexFrom}`;
  return `shard ${shardLabel(shard)} (${(100 * ringShare(segment.start, segment.end)).toFixed(1)} % of the ring${from})`;
}

/** A shard in a start event or a summary (JSON): which one, where its index came from, its share of the ring. */
export interface ShardReport {
  readonly index: number;
  readonly count: number;
  readonly indexFrom: ShardIndexSource;
  /** Share of the ring, 0..1. */
  readonly ringShare: number;
}

export function shardReport(shard: ShardSpec): ShardReport {
  const segment = shardSegment(shard.index, shard.count);
  return { index: shard.index, count: shard.count, indexFrom: shard.indexFrom, ringShare: ringShare(segment.start, segment.end) };
}

/**
 * The part of a full-ring plan inside `segment`: each range cut to the segment, empty pieces left
 * out, estimated rows scaled by the share of the range's span kept. A range meets a contiguous
 * segment in at most one piece, so each piece keeps its range's id and ids stay unique.
 */
export function clipPlan(plan: readonly RangeDescriptor[], segment: TokenSegment): RangeDescriptor[] {
  const out: RangeDescriptor[] = [];
  for (const r of plan) {
    const start = BigInt(r.start);
    const end = BigInt(r.end);
    const lo = start > segment.start ? start : segment.start;
    const hi = end < segment.end ? end : segment.end;
    if (hi <= lo) continue;
    if (lo === start && hi === end) {
      out.push(r);
      continue;
    }
    const kept = Number(hi - lo) / Number(end - start);
    out.push({ ...r, start: lo.toString(), end: hi.toString(), estimatedRows: Math.round(r.estimatedRows * kept) });
  }
  assertCoversSegment(out, segment);
  return out;
}

/**
 * A shard's plan: the whole ring planned in `splits × count` pieces (so each shard gets about
 * `splits`), then clipped to the shard's segment.
 */
export function planShard(ring: readonly RingRange[], splits: number, shard: Pick<ShardSpec, 'index' | 'count'>): RangeDescriptor[] {
  return clipPlan(planRanges(ring, splits * shard.count), shardSegment(shard.index, shard.count));
}

/** Ranges of `ring` for a job: the whole ring in `splits`, or the shard's part of it. */
export function planJob(ring: readonly RingRange[], splits: number, shard: ShardSpec | undefined): RangeDescriptor[] {
  return shard === undefined ? planRanges(ring, splits) : planShard(ring, splits, shard);
}

/** The token segment a job covers: the whole ring, or its shard's. */
export function jobSegment(shard: Pick<ShardSpec, 'index' | 'count'> | undefined): TokenSegment {
  return shard === undefined ? WHOLE_RING : shardSegment(shard.index, shard.count);
}

/**
 * Scan segments of the target for a shard: segment s belongs to shard s mod count, so the
 * shards' scans tile the table as their token segments tile the ring. `totalSegments` must be at
 * least `count` (see scanSegmentsTotal).
 */
export function shardScanSegments(totalSegments: number, shard: Pick<ShardSpec, 'index' | 'count'> | undefined): number[] {
  const all = Array.from({ length: totalSegments }, (_, s) => s);
  return shard === undefined ? all : all.filter((s) => s % shard.count === shard.index);
}

/** Scan segments of a job: `wanted`, but at least one per shard. */
export function scanSegmentsTotal(wanted: number, shard: Pick<ShardSpec, 'count'> | undefined): number {
  return Math.max(wanted, shard?.count ?? 1);
}
