/**
 * What the main thread knows of each shard of the stream: its place in the lineage (from
 * DescribeStream), whether its reader is at its current end, the checks it still waits for, the
 * time of the last record read (its backlog), and whether it was read to its end.
 */
import type { ShardSource } from '../streams/shard-source.js';
import { isClosed, type ShardInfo } from '../streams/shards.js';
import { fmtInt } from '../metrics/progress.js';
import type { ShardCounts } from './stats.js';

export interface ShardState {
  readonly caughtUp: boolean;
  readonly pending: number;
  /** ApproximateCreationDateTime of the last record read, ms. */
  readonly lastRecordAtMs?: number;
}

/** One line of the per-shard view (`--shard-stats`, or SIGUSR2). */
export interface ShardBacklog {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly status: 'open' | 'closed' | 'done' | 'skipped' | 'waiting';
  readonly caughtUp: boolean;
  readonly pendingChecks: number;
  /** Now minus the last record's time while the reader is behind; 0 when caught up; null before any record. */
  readonly backlogMs: number | null;
}

export class ShardBoard {
  readonly shards = new Map<string, ShardInfo>();
  private readonly states = new Map<string, ShardState>();
  private readonly ended = new Set<string>();

  /**
   * With --coordinator: the shards this process follows (others' shards are not its to wait
   * for); by default every shard.
   */
  followed: (shardId: string) => boolean = () => true;

  constructor(private readonly source: ShardSource) {}

  /** Shards from a listing (all of them, or one shard's children): the source hands out what became ready. */
  learn(list: readonly ShardInfo[]): void {
    for (const s of list) this.shards.set(s.shardId, s);
    this.source.update([...this.shards.values()]);
  }

  get size(): number {
    return this.shards.size;
  }

  parentOf(shardId: string): string | undefined {
    return this.shards.get(shardId)?.parentShardId;
  }

  setState(shardId: string, state: ShardState): void {
    const had = this.states.get(shardId);
    this.states.set(shardId, state.lastRecordAtMs === undefined && had?.lastRecordAtMs !== undefined ? { ...state, lastRecordAtMs: had.lastRecordAtMs } : state);
  }

  end(shardId: string): void {
    this.ended.add(shardId);
    this.setState(shardId, { caughtUp: true, pending: 0 });
  }

  pendingChecks(): number {
    let n = 0;
    for (const s of this.states.values()) n += s.pending;
    return n;
  }

  counts(): ShardCounts {
    let open = 0;
    for (const s of this.shards.values()) if (!isClosed(s)) open++;
    let caughtUp = 0;
    for (const s of this.states.values()) if (s.caughtUp) caughtUp++;
    return { known: this.shards.size, open, closed: this.shards.size - open, done: this.ended.size, caughtUp };
  }

  /** A parent's children are listed and each read to its end or caught up with nothing pending. */
  childrenRead(parent: string): boolean {
    const children = [...this.shards.values()].filter((s) => s.parentShardId === parent);
    return children.length > 0 && children.every((c) => this.ended.has(c.shardId) || (this.states.get(c.shardId)?.caughtUp === true && this.states.get(c.shardId)?.pending === 0));
  }

  hasChildren(parent: string): boolean {
    for (const s of this.shards.values()) if (s.parentShardId === parent) return true;
    return false;
  }

  /** Every shard followed is at its current end with no check pending. */
  allCaughtUp(): boolean {
    for (const s of this.shards.values()) {
      if (this.ended.has(s.shardId) || this.source.state(s.shardId) === undefined) continue; // skipped (closed at a LATEST start)
      if (!this.followed(s.shardId)) continue;
      const st = this.states.get(s.shardId);
      if (st === undefined || !st.caughtUp || st.pending > 0) return false;
    }
    return this.shards.size > 0;
  }

  backlog(nowMs: number): ShardBacklog[] {
    return [...this.shards.values()].map((s) => {
      const st = this.states.get(s.shardId);
      const status: ShardBacklog['status'] = this.ended.has(s.shardId)
        ? 'done'
        : this.source.state(s.shardId) === undefined
          ? 'skipped'
          : st === undefined
            ? 'waiting'
            : isClosed(s)
              ? 'closed'
              : 'open';
      const caughtUp = st?.caughtUp ?? false;
      return {
        shardId: s.shardId,
        ...(s.parentShardId === undefined ? {} : { parentShardId: s.parentShardId }),
        status,
        caughtUp,
        pendingChecks: st?.pending ?? 0,
        backlogMs: caughtUp || status === 'done' ? 0 : st?.lastRecordAtMs === undefined ? null : Math.max(0, nowMs - st.lastRecordAtMs),
      };
    });
  }
}

/** The per-shard view as text, the most behind first. */
export function formatBacklog(lines: readonly ShardBacklog[]): string {
  const order = [...lines].sort((a, b) => (b.backlogMs ?? -1) - (a.backlogMs ?? -1) || a.shardId.localeCompare(b.shardId));
  const width = Math.max(8, ...order.map((l) => l.shardId.length));
  const rows = order.map((l) => {
    const backlog = l.backlogMs === null ? 'no record yet' : l.backlogMs === 0 ? 'caught up' : `${(l.backlogMs / 1000).toFixed(1)} s behind`;
    return `    ${l.shardId.padEnd(width)}  ${l.status.padEnd(7)}  ${backlog.padEnd(16)}  pending ${fmtInt(l.pendingChecks)}`;
  });
  return `  per shard (backlog: now minus the time of the last record read)\n${rows.join('\n')}\n`;
}
