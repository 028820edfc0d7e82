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
 * - INSERT / MODIFY without one (a KEYS_ONLY or OLD_IMAGE stream): an item with that key. The
 *   record cannot say what the item holds, so the check is of existence only; it still counts
 *   as sampled and as matched when the item is there.
 * - REMOVE (a user's delete or a TTL expiry, checked alike): no item with that key.
 *
 * Memory is bounded by the pending checks: a key leaves the map once its check settles.
 */
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { sleep as realSleep } from '../engine/backoff.js';
import type { TaskContext } from '../engine/worker-runtime.js';
import { compareItems, type AttributeDifference } from '../compare/items.js';
import type { Item } from '../mapping/attribute-value.js';
import { readUnitsPerKey } from '../verify/dynamo.js';
import type { OtherSide } from './checker-other-side.js';
import { toWireItem } from './checker-wire.js';
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
type Expectation = { readonly kind: 'image'; readonly image: Item } | { readonly kind: 'present' } | { readonly kind: 'absent' };

interface Check {
  readonly id: string;
  readonly key: Item;
  readonly eventName: EventName;
  readonly sequenceNumber: string;
  readonly expect: Expectation;
  /** Times looked at again so far. */
  rechecks: number;
  dueAtMs: number;
}

type Judgement = { readonly verdict: 'matched' } | { readonly verdict: Exclude<Verdict, 'matched'>; readonly diffs?: readonly AttributeDifference[] };

/** The other side is read strongly consistently (checker-other-side.ts). */
const READ_UNITS_PER_KEY = readUnitsPerKey(true);
const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

const COUNTER_OF_EVENT = { INSERT: 'inserts', MODIFY: 'modifies', REMOVE: 'removes' } as const;
const COUNTER_OF_VERDICT = { missing: 'missing', mismatched: 'mismatched', 'still-present': 'stillPresent' } as const;

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
    for (const c of this.checks.values()) {
      if (c.sequenceNumber === '') continue;
      const n = BigInt(c.sequenceNumber);
      if (oldest === undefined || n < oldest) oldest = n;
    }
    if (oldest === undefined) return lastSequenceNumber;
    const before = (oldest - 1n).toString();
    return lastSequenceNumber === undefined || BigInt(lastSequenceNumber) > oldest - 1n ? before : lastSequenceNumber;
  }

  /**
   * Counts every record, keeps the latest sampled change per key (an older pending change of the
   * same key is superseded, never judged), then checks everything due in one batched get.
   */
  async handle(records: readonly _Record[]): Promise<void> {
    const r = this.o.reporter;
    const nowMs = this.now();
    const overtaken: string[] = [];
    for (const record of records) this.take(record, nowMs, r, overtaken);
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

  private take(record: _Record, nowMs: number, r: CheckerReporter, overtaken: string[]): void {
    r.add('events');
    const eventName = record.eventName;
    if (eventName !== undefined) r.add(COUNTER_OF_EVENT[eventName]);
    const ttl = eventName === 'REMOVE' && record.userIdentity?.Type === 'Service' && record.userIdentity.PrincipalId === TTL_PRINCIPAL;
    if (ttl) r.add('ttlRemoves');
    const d = record.dynamodb;
    const created = d?.ApproximateCreationDateTime;
    // To the second on AWS, the minute on DynamoDB Local: never below zero.
    if (created !== undefined) r.record('replication-lag', Math.max(0, nowMs - new Date(created).getTime()) * 1000);
    if (eventName === undefined || d?.Keys === undefined) return;
    const key = toWireItem(d.Keys);
    if (key === undefined || !isSampled(key, this.rate)) return;
    r.add('sampled');
    let expect: Expectation;
    if (eventName === 'REMOVE') expect = { kind: 'absent' };
    else {
      const image = d.NewImage === undefined ? undefined : toWireItem(d.NewImage);
      expect = image === undefined ? { kind: 'present' } : { kind: 'image', image };
    }
    const id = keyIdentity(key);
    if (this.inherited.delete(id)) overtaken.push(id);
    if (this.checks.has(id)) r.add('superseded');
    this.checks.set(id, { id, key, eventName, sequenceNumber: d.SequenceNumber ?? '', expect, rechecks: 0, dueAtMs: nowMs });
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
    const read = await this.o.other.get(due.map((c) => c.key));
    r.record('batch-get', (performance.now() - started) * 1000);
    r.add('requests', read.requests);
    r.add('retries', read.retries);
    r.add('throttledRequests', read.throttledRequests);
    r.add('unprocessedRetries', read.unprocessedRetries);
    const unread = new Set(read.unread ?? []);
    r.add('readUnits', (due.length - unread.size) * READ_UNITS_PER_KEY);

    started = performance.now();
    const afterMs = this.now();
    const differences: MonitorDifference[] = [];
    const checked: Array<{ key: Item; eventName: string; verdict: Verdict }> = [];
    for (let i = 0; i < due.length; i++) {
      const c = due[i] as Check;
      // Superseded while the read was in flight: its successor is judged instead.
      if (this.checks.get(c.id) !== c) continue;
      if (unread.has(i)) {
        if (!this.again(c, afterMs)) {
          this.checks.delete(c.id);
          r.add('unreadable');
        }
        continue;
      }
      const j = judge(c.expect, read.items[i]);
      if (j.verdict !== 'matched') {
        const first = c.rechecks === 0;
        if (this.again(c, afterMs)) {
          if (first) r.add('lagging');
          continue;
        }
      }
      this.checks.delete(c.id);
      if (this.o.verbose) checked.push({ key: c.key, eventName: c.eventName, verdict: j.verdict });
      if (j.verdict === 'matched') {
        r.add('matched');
        continue;
      }
      const difference = differenceOf(this.o.shardId, c, j.verdict, j.diffs);
      if (this.deferred !== undefined) {
        this.deferred.push({ ...difference, keyId: c.id });
        continue;
      }
      r.add(COUNTER_OF_VERDICT[j.verdict]);
      differences.push(difference);
    }
    r.record('check', ((performance.now() - started) * 1000) / due.length);
    if (differences.length > 0) r.send({ type: 'differences', differences } satisfies MonitorData);
    if (checked.length > 0) r.send({ type: 'checked', results: checked } satisfies MonitorData);
  }

  /** Schedules one more look (backoff doubling); false when the rechecks are used up. */
  private again(c: Check, nowMs: number): boolean {
    if (c.rechecks >= this.o.maxRechecks) return false;
    c.dueAtMs = nowMs + this.o.recheckAfterMs * 2 ** c.rechecks;
    c.rechecks++;
    return true;
  }
}

function judge(expect: Expectation, item: Item | undefined): Judgement {
  switch (expect.kind) {
    case 'absent':
      return item === undefined ? { verdict: 'matched' } : { verdict: 'still-present' };
    case 'present':
      return item === undefined ? { verdict: 'missing' } : { verdict: 'matched' };
    case 'image': {
      if (item === undefined) return { verdict: 'missing' };
      const diffs = compareItems(expect.image, item);
      return diffs.length === 0 ? { verdict: 'matched' } : { verdict: 'mismatched', diffs };
    }
  }
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
