/**
 * Exactly-once counting of a monitor run, on the main thread. A shard reader that fails (or whose
 * thread is replaced) starts again after its checkpointed cursor, which stays just before the
 * oldest change whose check had not settled: the records between that cursor and where the
 * reader had got to are read a second time. They must not be counted twice.
 *
 *   events   each shard's changes are counted in sequence order, and the worker marks how far it
 *            has counted (`countedThrough`, sent after the counters themselves, on one ordered
 *            port). A retried reader is told that mark: changes at or before it are `replayed`,
 *            not counted again. One sequence number per shard: O(shards) memory.
 *   verdicts every settled check (matched, missing, …, superseded) arrives here as (sequence
 *            number, verdict) and is counted once per (shard, sequence number). The set of a
 *            shard holds only the verdicts after its checkpointed cursor (it is pruned as the
 *            cursor moves): its size is bounded by how far a reader runs ahead of its oldest
 *            unsettled check, at most the recheck backoff's worth of changes.
 */
import type { MonitorCounter, MonitorDifference } from './task.js';

/** What a settled check came to; `superseded`: overtaken by a newer change of its key, never judged. */
export const SETTLED_KINDS = ['matched', 'missing', 'mismatched', 'still-present', 'unreadable', 'superseded'] as const;
export type SettledKind = (typeof SETTLED_KINDS)[number];

/** Bit set in a code when the check failed at first and settled only after rechecks. */
const LAGGED = 8;

/** [sequence number, kind index | LAGGED]: compact for the thread boundary. */
export type SettledEntry = readonly [sequenceNumber: string, code: number];

export function settledEntry(sequenceNumber: string, kind: SettledKind, lagged: boolean): SettledEntry {
  return [sequenceNumber, SETTLED_KINDS.indexOf(kind) | (lagged ? LAGGED : 0)];
}

export function decodeSettled(code: number): { kind: SettledKind; lagged: boolean } {
  const kind = SETTLED_KINDS[code & (LAGGED - 1)];
  if (kind === undefined) throw new Error(`monitor: unknown settled code ${code}`);
  return { kind, lagged: (code & LAGGED) !== 0 };
}

export const COUNTER_OF_SETTLED: Readonly<Record<SettledKind, MonitorCounter>> = {
  matched: 'matched',
  missing: 'missing',
  mismatched: 'mismatched',
  'still-present': 'stillPresent',
  unreadable: 'unreadable',
  superseded: 'superseded',
};

/**
 * Compares two stream sequence numbers (decimal strings, up to 40 digits; DynamoDB Local pads
 * them with zeros, AWS does not): by value, without BigInt.
 */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

/** What the worker sends for one shard: how far it has counted, and the checks that settled. */
export interface SettledBatch {
  readonly shardId: string;
  /** Every change up to here has been counted (its counters were flushed before this message). */
  readonly countedThrough?: string;
  readonly entries: readonly SettledEntry[];
  /** The differences among `entries` (same sequence numbers), with their details. */
  readonly differences: readonly MonitorDifference[];
}

export interface LedgerOutcome {
  /** Counter increments of the verdicts seen for the first time. */
  readonly counts: Partial<Record<MonitorCounter, number>>;
  /** Differences seen for the first time. */
  readonly differences: MonitorDifference[];
  /** Verdicts already counted (a retried reader's second look). */
  readonly repeated: number;
}

interface ShardBook {
  countedThrough?: string;
  /** Sequence numbers whose verdict is counted, after the shard's cursor. */
  readonly settled: Set<string>;
}

export class MonitorLedger {
  private readonly shards = new Map<string, ShardBook>();

  private book(shardId: string): ShardBook {
    let b = this.shards.get(shardId);
    if (b === undefined) {
      b = { settled: new Set() };
      this.shards.set(shardId, b);
    }
    return b;
  }

  /** The mark a retried reader of this shard starts counting after; undefined: count everything. */
  countedThrough(shardId: string): string | undefined {
    return this.shards.get(shardId)?.countedThrough;
  }

  /** Verdicts held for de-duplication, over every shard (bounded: see the header). */
  get held(): number {
    let n = 0;
    for (const b of this.shards.values()) n += b.settled.size;
    return n;
  }

  take(batch: SettledBatch): LedgerOutcome {
    const b = this.book(batch.shardId);
    if (batch.countedThrough !== undefined && (b.countedThrough === undefined || compareSequenceNumbers(batch.countedThrough, b.countedThrough) > 0)) {
      b.countedThrough = batch.countedThrough;
    }
    const counts: Partial<Record<MonitorCounter, number>> = {};
    const bump = (c: MonitorCounter): void => {
      counts[c] = (counts[c] ?? 0) + 1;
    };
    const fresh = new Set<string>();
    let repeated = 0;
    for (const [seq, code] of batch.entries) {
      if (b.settled.has(seq)) {
        repeated++;
        continue;
      }
      b.settled.add(seq);
      fresh.add(seq);
      const { kind, lagged } = decodeSettled(code);
      bump(COUNTER_OF_SETTLED[kind]);
      if (lagged) bump('lagging');
    }
    return { counts, differences: batch.differences.filter((d) => fresh.has(d.sequenceNumber)), repeated };
  }

  /** The shard's cursor moved: nothing at or before it is read again, its verdicts can go. */
  advance(shardId: string, cursor: string): void {
    const b = this.shards.get(shardId);
    if (b === undefined) return;
    for (const seq of b.settled) if (compareSequenceNumbers(seq, cursor) <= 0) b.settled.delete(seq);
  }

  /** The shard was read to its end: never read again. */
  finish(shardId: string): void {
    this.shards.delete(shardId);
  }
}
