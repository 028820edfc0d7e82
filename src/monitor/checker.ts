/**
 * What a monitor worker does with each batch of one shard's stream records: count them, sample
 * by a hash of the key, and check each sampled key's latest change against the other table.
 *
 *   records ─ count (events, INSERT/MODIFY/REMOVE, TTL, lag) ─ sampled? ─▶ pending[key] (newer supersedes)
 *   pending, due ─ one batched get ─ judge ─┬─ as expected ───────────────▶ matched
 *                                          ├─ differs, rechecks left ────▶ lagging; again after
 *                                          │                               recheckAfterMs × 2^n
 *                                          ├─ differs, none left ────────▶ missing / mismatched /
 *                                          │                               still-present + difference
 *                                          └─ not read (throttled) ──────▶ again later, or unreadable
 *
 * What a change must have left on the other side:
 * - INSERT / MODIFY with a NewImage: that item, attribute by attribute (verify's comparison).
 * - INSERT / MODIFY without one (an OLD_IMAGE or KEYS_ONLY stream), or with `own` given
 *   (`--read-stream-table`): the item as the stream's own table holds it now, read strongly
 *   consistently beside the other side's, compared the same way (both absent: matched). With
 *   neither a NewImage nor `own`: an item with that key (existence only).
 * - REMOVE (a user's delete or a TTL expiry, checked alike): no item with that key.
 *
 * Counting is exactly once per run (ledger.ts): the checker counts the events it reads for the
 * first time (after `countedThrough`), then marks how far it has counted; every check that
 * settles goes out as a (sequence number, verdict) entry, counted on the main thread once per
 * shard and sequence number, so a retried reader that reads changes again never counts them twice.
 *
 * Memory is bounded by the pending checks: a key leaves the map once its check settles.
 */
import type { StreamRecord } from '../streams/records.js';
import { sleep as realSleep } from '../engine/backoff.js';
import type { TaskContext } from '../engine/worker-runtime.js';
import { compareItems, type AttributeDifference } from '../compare/items.js';
import type { Item } from '../mapping/attribute-value.js';
import { readUnitsPerKey } from '../verify/dynamo.js';
import type { OtherSide, OtherSideRead } from './checker-other-side.js';
import { toWireItem } from './checker-wire.js';
import { compareSequenceNumbers, settledEntry, type SettledEntry, type SettledKind } from './ledger.js';
import { isSampled, keyIdentity, type SampleRate } from './sample.js';
import type { MonitorData, MonitorDifference, MonitorJob, Verdict } from './task.js';

export { otherSideOf, type OtherSide, type OtherSideRead } from './checker-other-side.js';

export type CheckerReporter = Pick<TaskContext<MonitorJob, unknown>, 'add' | 'record' | 'send'>;

export interface ChangeCheckerOptions {
  readonly shardId: string;
  /** Share of keys checked, in (0, 1]. */
  readonly sampleShare: number;
  readonly recheckAfterMs: number;
  readonly maxRechecks: number;
  readonly other: OtherSide;
  /**
   * The stream's own table: when given, INSERT / MODIFY are judged against what it holds now
   * instead of the record's NewImage (which OLD_IMAGE and KEYS_ONLY streams do not carry).
   */
  readonly own?: OtherSide;
  /**
   * Changes up to this sequence number were counted by an earlier reader of the shard (the
   * ledger's mark): read again after a retry, they are checked but counted only as `replayedEvents`.
   */
  readonly countedThrough?: string;
  readonly reporter: CheckerReporter;
  /** Also send every settled verdict (`{type:'checked'}`). */
  readonly verbose: boolean;
  /**
   * Keys whose last change in the parent shard did not match when the parent ended: a newer
   * change of one of them here overtakes it (reported in an `inherited-superseded` message).
   */
  readonly inherited?: readonly string[];
  /** Wall-clock milliseconds (stream record times are wall clock); default Date.now. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type EventName = MonitorDifference['eventName'];

/** What the other side must show for the change to count as replicated. */
type Expectation =
  | { readonly kind: 'image'; readonly image: Item }
  /** What the stream's own table holds now (read beside the other side). */
  | { readonly kind: 'current' }
  | { readonly kind: 'present' }
  | { readonly kind: 'absent' };

interface Check {
  readonly id: string;
  readonly key: Item;
  readonly eventName: EventName;
  readonly sequenceNumber: string;
  readonly expect: Expectation;
  /** ApproximateCreationDateTime in ms; undefined when the record has none. */
  readonly createdMs: number | undefined;
  /** Counted by this reader (not a replay): its lag goes into the histograms. */
  readonly fresh: boolean;
  /** Times looked at again so far. */
  rechecks: number;
  dueAtMs: number;
}

type Judgement = { readonly verdict: 'matched' } | { readonly verdict: Exclude<Verdict, 'matched'>; readonly diffs?: readonly AttributeDifference[] };

/** The other side is read strongly consistently (checker-other-side.ts). */
const READ_UNITS_PER_KEY = readUnitsPerKey(true);
const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

const COUNTER_OF_EVENT = { INSERT: 'inserts', MODIFY: 'modifies', REMOVE: 'removes' } as const;

export class ChangeChecker {
  private readonly rate: SampleRate;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The latest sampled change of each key not settled yet. */
  private readonly checks = new Map<string, Check>();
  /** Rounds run one at a time: handle and an idle-time recheckDue may overlap. */
  private turn: Promise<void> = Promise.resolve();

  /** Inherited keys not seen here yet. */
  private readonly inherited: Set<string>;
  /** While draining a shard that ends: failed checks are deferred (returned), not counted. */
  private deferred: Array<MonitorDifference & { readonly keyId: string }> | undefined;

  constructor(private readonly o: ChangeCheckerOptions) {
    this.inherited = new Set(o.inherited ?? []);
    this.rate = { share: o.sampleShare, text: String(o.sampleShare) };
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? realSleep;
  }

  get pending(): number {
    return this.checks.size;
  }

  /**
   * The position the shard may be checkpointed at: just before its oldest unsettled change, so a
   * reader restarted there reads it again (sequence numbers are decimal: `n − 1` sorts before it).
   */
  safeCursor(lastSequenceNumber: string | undefined): string | undefined {
    let oldest: bigint | undefined;
    let width = 0;
    for (const c of this.checks.values()) {
      if (c.sequenceNumber === '') continue;
      const n = BigInt(c.sequenceNumber);
      if (oldest === undefined || n < oldest) oldest = n;
      width = Math.max(width, c.sequenceNumber.length);
    }
    if (oldest === undefined) return lastSequenceNumber;
    // Sequence numbers are fixed-width decimal strings (21 digits on DynamoDB Local, zero-padded):
    // GetShardIterator refuses a shorter one, so the one before keeps the width.
    const before = (oldest - 1n).toString().padStart(width, '0');
    return lastSequenceNumber === undefined || BigInt(lastSequenceNumber) > oldest - 1n ? before : lastSequenceNumber;
  }

  /**
   * Counts every record, keeps the latest sampled change per key (an older pending change of the
   * same key is superseded, never judged), then checks everything due in one batched get.
   */
  async handle(records: readonly StreamRecord[]): Promise<void> {
    const r = this.o.reporter;
    const nowMs = this.now();
    const overtaken: string[] = [];
    const superseded: SettledEntry[] = [];
    for (const record of records) this.take(record, nowMs, r, overtaken, superseded);
    // The counters of these records go out first (send flushes them): the mark never runs ahead.
    const through = records.at(-1)?.dynamodb?.SequenceNumber;
    if (through !== undefined || superseded.length > 0) {
      r.send({ type: 'settled', shardId: this.o.shardId, ...(through === undefined ? {} : { countedThrough: through }), entries: superseded, differences: [] } satisfies MonitorData);
    }
    if (overtaken.length > 0) r.send({ type: 'inherited-superseded', keyIds: overtaken } satisfies MonitorData);
    await this.round();
  }

  /** Checks whose recheck time has come; call it when the shard is idle too. */
  recheckDue(): Promise<void> {
    return this.round();
  }

  /** Rechecks (sleeping until each is due) until every pending check has settled. */
  async drain(): Promise<void> {
    while (this.checks.size > 0) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const c of this.checks.values()) earliest = Math.min(earliest, c.dueAtMs);
      const waitMs = earliest - this.now();
      if (waitMs > 0) await this.sleep(waitMs);
      await this.round();
    }
  }

  /**
   * The end of a closed shard: rechecks until every check settles, but hands back the changes
   * that still differ instead of counting them. Its child shards may hold a newer change of the
   * same key (read only after this one ends), so the main thread decides once they are read.
   */
  async drainDeferred(): Promise<ReadonlyArray<MonitorDifference & { readonly keyId: string }>> {
    this.deferred = [];
    try {
      await this.drain();
      return this.deferred;
    } finally {
      this.deferred = undefined;
    }
  }

  private take(record: StreamRecord, nowMs: number, r: CheckerReporter, overtaken: string[], superseded: SettledEntry[]): void {
    const d = record.dynamodb;
    const sequenceNumber = d?.SequenceNumber ?? '';
    const fresh = this.o.countedThrough === undefined || sequenceNumber === '' || compareSequenceNumbers(sequenceNumber, this.o.countedThrough) > 0;
    const eventName = record.eventName;
    const created = d?.ApproximateCreationDateTime;
    const createdMs = created === undefined ? undefined : new Date(created).getTime();
    if (fresh) {
      r.add('events');
      if (eventName !== undefined) r.add(COUNTER_OF_EVENT[eventName]);
      const ttl = eventName === 'REMOVE' && record.userIdentity?.Type === 'Service' && record.userIdentity.PrincipalId === TTL_PRINCIPAL;
      if (ttl) r.add('ttlRemoves');
      // To the second on AWS, the minute on DynamoDB Local: never below zero.
      if (createdMs !== undefined) r.record('replication-lag', Math.max(0, nowMs - createdMs) * 1000);
    } else {
      r.add('replayedEvents');
    }
    if (eventName === undefined || d?.Keys === undefined) return;
    const key = toWireItem(d.Keys);
    if (key === undefined || !isSampled(key, this.rate)) return;
    if (fresh) r.add('sampled');
    let expect: Expectation;
    if (eventName === 'REMOVE') expect = { kind: 'absent' };
    else if (this.o.own !== undefined) expect = { kind: 'current' };
    else {
      const image = d.NewImage === undefined ? undefined : toWireItem(d.NewImage);
      expect = image === undefined ? { kind: 'present' } : { kind: 'image', image };
    }
    const id = keyIdentity(key);
    if (this.inherited.delete(id)) overtaken.push(id);
    const older = this.checks.get(id);
    if (older !== undefined) superseded.push(settledEntry(older.sequenceNumber, 'superseded', older.rechecks > 0));
    this.checks.set(id, { id, key, eventName, sequenceNumber, expect, createdMs, fresh, rechecks: 0, dueAtMs: nowMs });
  }

  private round(): Promise<void> {
    const run = this.turn.then(() => this.checkDue());
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async checkDue(): Promise<void> {
    const nowMs = this.now();
    const due: Check[] = [];
    for (const c of this.checks.values()) if (c.dueAtMs <= nowMs) due.push(c);
    if (due.length === 0) return;
    const r = this.o.reporter;
    for (const c of due) if (c.rechecks > 0) r.add('rechecks');

    let started = performance.now();
    const current = this.o.own === undefined ? [] : due.filter((c) => c.expect.kind === 'current');
    const [read, ownRead] = await Promise.all([this.o.other.get(due.map((c) => c.key)), current.length === 0 ? undefined : this.o.own?.get(current.map((c) => c.key))]);
    r.record('batch-get', (performance.now() - started) * 1000);
    const unread = new Set(read.unread ?? []);
    this.countRead(read, due.length - unread.size);
    /** What the stream's own table holds now, by check; a key it could not read is unread too. */
    const own = new Map<Check, Item | undefined>();
    const ownUnread = new Set<Check>();
    if (ownRead !== undefined) {
      const failedAt = new Set(ownRead.unread ?? []);
      this.countRead(ownRead, current.length - failedAt.size);
      current.forEach((c, i) => (failedAt.has(i) ? ownUnread.add(c) : own.set(c, ownRead.items[i])));
    }

    started = performance.now();
    const afterMs = this.now();
    const entries: SettledEntry[] = [];
    const differences: MonitorDifference[] = [];
    const checked: Array<{ key: Item; eventName: string; verdict: Verdict }> = [];
    const settle = (c: Check, kind: SettledKind): void => {
      this.checks.delete(c.id);
      // Lagging: failed its first look, and the other side caught up later (one that never does
      // is missing or mismatched, not lagging).
      entries.push(settledEntry(c.sequenceNumber, kind, kind === 'matched' && c.rechecks > 0));
    };
    for (let i = 0; i < due.length; i++) {
      const c = due[i] as Check;
      // Superseded while the read was in flight: its successor is judged instead.
      if (this.checks.get(c.id) !== c) continue;
      if (unread.has(i) || ownUnread.has(c)) {
        if (!this.again(c, afterMs)) settle(c, 'unreadable');
        continue;
      }
      const j = judge(c.expect, read.items[i], own.get(c));
      if (j.verdict !== 'matched' && this.again(c, afterMs)) continue;
      if (this.o.verbose) checked.push({ key: c.key, eventName: c.eventName, verdict: j.verdict });
      if (j.verdict === 'matched') {
        settle(c, 'matched');
        // From the change (source) to the first look that found it on the other side (target):
        // an upper bound of the replication lag, to the recheck backoff's resolution.
        if (c.fresh && c.createdMs !== undefined) r.record('source-to-target-lag', Math.max(0, afterMs - c.createdMs) * 1000);
        continue;
      }
      const difference = differenceOf(this.o.shardId, c, j.verdict, j.diffs);
      if (this.deferred !== undefined) {
        this.checks.delete(c.id);
        this.deferred.push({ ...difference, keyId: c.id });
        continue;
      }
      settle(c, j.verdict);
      differences.push(difference);
    }
    r.record('check', ((performance.now() - started) * 1000) / due.length);
    if (entries.length > 0) r.send({ type: 'settled', shardId: this.o.shardId, entries, differences } satisfies MonitorData);
    if (checked.length > 0) r.send({ type: 'checked', results: checked } satisfies MonitorData);
  }

  private countRead(read: OtherSideRead, keysRead: number): void {
    const r = this.o.reporter;
    r.add('requests', read.requests);
    r.add('retries', read.retries);
    r.add('throttledRequests', read.throttledRequests);
    r.add('unprocessedRetries', read.unprocessedRetries);
    r.add('readUnits', keysRead * READ_UNITS_PER_KEY);
  }

  /** Schedules one more look (backoff doubling); false when the rechecks are used up. */
  private again(c: Check, nowMs: number): boolean {
    if (c.rechecks >= this.o.maxRechecks) return false;
    c.dueAtMs = nowMs + this.o.recheckAfterMs * 2 ** c.rechecks;
    c.rechecks++;
    return true;
  }
}

function judge(expect: Expectation, item: Item | undefined, ownItem: Item | undefined): Judgement {
  switch (expect.kind) {
    case 'absent':
      return item === undefined ? { verdict: 'matched' } : { verdict: 'still-present' };
    case 'present':
      return item === undefined ? { verdict: 'missing' } : { verdict: 'matched' };
    case 'current':
      // Deleted since on the stream's side: the other side must not hold it either (the REMOVE
      // that follows in the stream supersedes this change anyway).
      if (ownItem === undefined) return item === undefined ? { verdict: 'matched' } : { verdict: 'still-present' };
      return compareImage(ownItem, item);
    case 'image':
      return compareImage(expect.image, item);
  }
}

function compareImage(expected: Item, item: Item | undefined): Judgement {
  if (item === undefined) return { verdict: 'missing' };
  const diffs = compareItems(expected, item);
  return diffs.length === 0 ? { verdict: 'matched' } : { verdict: 'mismatched', diffs };
}

function differenceOf(shardId: string, c: Check, kind: Exclude<Verdict, 'matched'>, diffs: readonly AttributeDifference[] | undefined): MonitorDifference {
  return {
    kind,
    shardId,
    sequenceNumber: c.sequenceNumber,
    eventName: c.eventName,
    key: c.key,
    ...(diffs === undefined
      ? {}
      : {
          attributes: diffs.map((d) => ({
            path: d.path,
            kind: d.kind,
            ...(d.expected === undefined ? {} : { expected: d.expected }),
            ...(d.actual === undefined ? {} : { actual: d.actual }),
          })),
        }),
    rechecks: c.rechecks,
  };
}
