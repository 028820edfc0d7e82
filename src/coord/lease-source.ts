/**
 * Work from leases in the coordination table (lease-table.ts): the engine's WorkSource for a
 * process that shares its job with others.
 *
 *   next()     scan the job's items (at most every pollMs) ─▶ claim a free one (conditional write)
 *              ─▶ or take over one whose lease counter stood still for leaseMs on our clock
 *              ─▶ or wait while others hold leases ─▶ finished when every item is done (or
 *              given up here, with nobody else holding it)
 *   advance    kept in memory; written with the next renewal (every leaseMs / 3), fenced
 *   complete   state done, owner removed (fenced); release: owner removed, cursor kept
 *   fail       as release, and this process never claims that item again
 *   lost       a renewal refused: another process owns the item now. The scheduler is told
 *              (watchLost) and stops the task; no write of ours touches the item again.
 *
 * Every write an owner makes is conditioned on `owner = me AND counter = the counter I hold`,
 * and bumps the counter: a process that was paused past its lease finds its writes refused.
 */
import { ErrorCode, toPlainError, type PlainError } from '../errors.js';
import type { JobService } from '../engine/scheduler.js';
import { FINISHED, itemPull, type Pull, type WorkSource } from '../engine/work-source.js';
import { itemPrefix, itemSk, n, num, s, str, type Item, type LeaseTable } from './lease-table.js';
import { itemAttributes, type PlanItem } from './plan.js';

export interface LeaseOptions {
  readonly processId: string;
  readonly planId: string;
  /** A lease whose counter stands still this long (on our clock) has lost its owner. */
  readonly leaseMs: number;
  /** The job's items are read again at most this often while looking for work. */
  readonly pollMs: number;
  /** Monotonic milliseconds; tests may pass their own. */
  readonly now?: () => number;
}

/** One item as the last scan saw it. */
export interface ItemView {
  readonly id: string;
  readonly state: 'pending' | 'done';
  readonly owner?: string;
  readonly counter: number;
  readonly cursor?: string;
  readonly since?: string;
  readonly doneBy?: string;
  readonly failedBy: readonly string[];
  readonly parents: readonly string[];
  readonly taskJson: string;
  /** The item's own counts (`counts_<name>` attributes): a migration range's dead letters. */
  readonly counts: Readonly<Record<string, number>>;
}

interface Held {
  counter: number;
  cursor?: string;
  /** A position not written yet. */
  unsaved?: string;
  /** Counts (dead letters) of what is settled up to `unsaved`, not written yet. */
  settled: Record<string, number>;
  /** Counts since the last position: they belong to rows after it. */
  unsettled: Record<string, number>;
  lost: boolean;
  /** Given up by us (done, released): a write queued behind the last one has nothing to renew. */
  ended: boolean;
  /** Writes on one lease go one after the other: each needs the counter the last one left. */
  chain: Promise<unknown>;
}

export function viewOf(item: Item): ItemView {
  const owner = str(item, 'owner');
  const cursor = str(item, 'cursor');
  const since = str(item, 'since');
  const doneBy = str(item, 'doneBy');
  return {
    id: str(item, 'id') ?? '',
    state: str(item, 'state') === 'done' ? 'done' : 'pending',
    ...(owner === undefined ? {} : { owner }),
    counter: num(item, 'counter') ?? 0,
    ...(cursor === undefined ? {} : { cursor }),
    ...(since === undefined ? {} : { since }),
    ...(doneBy === undefined ? {} : { doneBy }),
    failedBy: item.failedBy?.SS ?? [],
    parents: item.parents?.SS ?? [],
    taskJson: str(item, 'task') ?? '{}',
    counts: Object.fromEntries(Object.keys(item).filter((k) => k.startsWith('counts_')).map((k) => [k.slice('counts_'.length), num(item, k) ?? 0])),
  };
}

export class LeaseSource<T> implements WorkSource<T>, JobService {
  private board = new Map<string, ItemView>();
  private scannedAt = -Infinity;
  private readonly held = new Map<string, Held>();
  /** Leases of others: the counter we saw and since when (our clock). */
  private readonly observed = new Map<string, { owner: string; counter: number; sinceMs: number }>();
  private readonly givenUp = new Set<string>();
  /** Children whose parents another process finished: since when (our clock) we saw them free. */
  private readonly heirWait = new Map<string, number>();
  private lostListener: ((id: string, error: PlainError) => void) | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Told of a renewal that failed (it is tried again). */
  onWarning: ((error: PlainError) => void) | undefined;
  /** Told whether this process holds any lease (rate shares go to processes at work). */
  onBusy: ((busy: boolean) => void) | undefined;
  /** Leases this process took over from another (expired) owner, and leases it lost. */
  takeovers = 0;
  lostLeases = 0;

  constructor(
    private readonly table: LeaseTable,
    private readonly o: LeaseOptions,
    private readonly decode: (taskJson: string) => T,
  ) {
    this.now = o.now ?? (() => performance.now());
  }

  watchLost(listener: (id: string, error: PlainError) => void): void {
    this.lostListener = listener;
  }

  start(): void {
    this.timer = setInterval(() => void this.renewAll(), Math.max(100, Math.floor(this.o.leaseMs / 3)));
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The job's items as last seen, with this process's own positions laid over them. */
  items(): ItemView[] {
    return [...this.board.values()].map((v) => {
      const h = this.held.get(v.id);
      const cursor = h?.unsaved ?? h?.cursor;
      return h === undefined || h.lost ? v : { ...v, owner: this.o.processId, ...(cursor === undefined ? {} : { cursor }) };
    });
  }

  /** Items held by this process now. */
  heldIds(): string[] {
    return [...this.held].filter(([, h]) => !h.lost).map(([id]) => id);
  }

  next(): Promise<Pull<T>> {
    // One look for work at a time: lanes that ask together share a scan.
    const run = this.turn.then(() => this.look());
    this.turn = run.catch(() => undefined);
    return run;
  }

  advance(id: string, cursor: string): void {
    const h = this.held.get(id);
    if (h === undefined || h.lost) return;
    h.unsaved = cursor;
    addInto(h.settled, h.unsettled);
    h.unsettled = {};
  }

  /**
   * Counts an item's own numbers (a migration's dead letters) in its lease, exactly once: a count
   * is written with the first position after it, so an owner that dies before that position
   * leaves the rows, and their count, to the next owner.
   */
  count(id: string, name: string, delta: number): void {
    const h = this.held.get(id);
    if (h !== undefined && !h.lost) h.unsettled[name] = (h.unsettled[name] ?? 0) + delta;
  }

  async complete(id: string): Promise<void> {
    await this.write(id, { set: ['#state = :done', 'doneBy = :me', 'doneAt = :at'], remove: ['#owner', '#cursor'], values: { ':done': s('done'), ':at': s(new Date().toISOString()) }, last: true, saveCursor: false });
    this.scannedAt = -Infinity;
  }

  async release(id: string): Promise<void> {
    await this.write(id, { remove: ['#owner'], last: true });
    this.scannedAt = -Infinity;
  }

  async fail(id: string, error: PlainError): Promise<void> {
    this.givenUp.add(id);
    await this.write(id, { set: ['lastError = :error'], remove: ['#owner'], add: 'failedBy :meSet', values: { ':meSet': { SS: [this.o.processId] }, ':error': s(`${error.code}: ${error.message}`.slice(0, 1000)) }, last: true });
    this.scannedAt = -Infinity;
  }

  /** Renews every lease held, writing the latest position with it. */
  async renewAll(): Promise<void> {
    // A renewal that fails (the table out of reach) is tried again at the next one; past the
    // lease time the lease is lost and another process takes it over, as it should.
    await Promise.all(this.heldIds().map((id) => this.write(id, { set: ['renewedAt = :at'], values: { ':at': s(new Date().toISOString()) } }).catch((error: unknown) => this.onWarning?.(toPlainError(error)))));
  }

  private async look(): Promise<Pull<T>> {
    if (this.now() - this.scannedAt >= this.o.pollMs) await this.scan();
    const mine = this.o.processId;
    const doneIds = new Set([...this.board.values()].filter((v) => v.state === 'done').map((v) => v.id));
    const claimable = (v: ItemView): boolean =>
      v.state === 'pending' && !this.held.has(v.id) && !this.givenUp.has(v.id) && !v.failedBy.includes(mine) &&
      v.parents.every((p) => doneIds.has(p) || !this.board.has(p)) && !this.leftToHeir(v);
    // Each process walks the free items from its own starting point: fewer claims collide.
    const free = rotate([...this.board.values()].filter((v) => claimable(v) && v.owner === undefined), hash(mine));
    // Leases under our own id that this process does not hold: a predecessor with the same
    // --process-id (a restarted pod) died holding them. Nobody else may use our id, so they
    // are ours again at once, from their positions.
    for (const v of this.board.values()) {
      if (v.state !== 'pending' || v.owner !== mine || this.held.has(v.id) || this.givenUp.has(v.id)) continue;
      const got = await this.claim(v, '#owner = :me AND #counter = :seen AND #state = :pending', { ':seen': n(v.counter) });
      if (got !== undefined) {
        this.takeovers++;
        return got;
      }
    }
    for (const v of this.board.values()) {
      if (!claimable(v) || v.owner === undefined) continue;
      const seen = this.observed.get(v.id);
      if (seen === undefined || seen.owner !== v.owner || seen.counter !== v.counter || this.now() - seen.sinceMs < this.o.leaseMs) continue;
      const got = await this.claim(v, '#owner = :old AND #counter = :seen AND #state = :pending', { ':old': s(v.owner), ':seen': n(v.counter) });
      if (got !== undefined) {
        this.takeovers++;
        return got;
      }
    }
    // Free items after the expired ones: a dead process's ranges do not wait for the end of the job.
    for (const v of free) {
      const got = await this.claim(v, 'attribute_not_exists(#owner) AND #state = :pending', {});
      if (got !== undefined) return got;
    }
    // Finished once every item is done, ours, or one we gave up (and nobody holds): anything
    // else is held by another, free but lost to a faster claim, or waits for a parent or an heir.
    const othersHold = [...this.board.values()].some((v) => v.state === 'pending' && !this.held.has(v.id) && (v.owner !== undefined || (!this.givenUp.has(v.id) && !v.failedBy.includes(mine))));
    if (!othersHold) {
      this.onBusy?.(this.heldIds().length > 0);
      return FINISHED;
    }
    this.onBusy?.(this.heldIds().length > 0);
    const wait = Math.max(50, this.o.pollMs - (this.now() - this.scannedAt));
    return { kind: 'wait', until: new Promise((resolve) => setTimeout(resolve, wait).unref()) };
  }

  /**
   * Adds an item that appeared while the job runs (a stream shard found by any process's
   * listing); false when another process added it first. Claimable at the next look.
   */
  async add(item: PlanItem): Promise<boolean> {
    if (this.board.has(item.id)) return false;
    const added = await this.table.putNew(itemSk(this.o.planId, item.id), itemAttributes(item));
    this.scannedAt = -Infinity;
    return added;
  }

  /** Whether the job holds an item nobody owns that this process could take now. */
  hasFreeWork(): boolean {
    const doneIds = new Set([...this.board.values()].filter((v) => v.state === 'done').map((v) => v.id));
    return [...this.board.values()].some((v) => v.state === 'pending' && v.owner === undefined && !this.givenUp.has(v.id) && v.parents.every((p) => doneIds.has(p) || !this.board.has(p)));
  }

  /** Reads the job's items now (the start line's counts, `status`). */
  refresh(): Promise<void> {
    return this.scan();
  }

  /**
   * The process that finished an item's parents gets the first claim on it for a lease time (a
   * stream shard's reader knows what its children must still settle: monitor's held-back
   * differences); after that, or when its parents were finished here, anyone may take it.
   */
  private leftToHeir(v: ItemView): boolean {
    if (v.parents.length === 0 || v.owner !== undefined) return false;
    const heirs = v.parents.map((p) => this.board.get(p)?.doneBy).filter((d): d is string => d !== undefined);
    if (heirs.length === 0 || heirs.includes(this.o.processId)) return false;
    const since = this.heirWait.get(v.id);
    return since === undefined || this.now() - since < this.o.leaseMs;
  }

  private async scan(): Promise<void> {
    const items = (await this.table.query(itemPrefix(this.o.planId))).map(viewOf);
    const t = this.now();
    this.board = new Map(items.map((v) => [v.id, v]));
    for (const v of items) {
      // The heir's time starts when the parents are all done, not before.
      const free = v.state === 'pending' && v.owner === undefined && v.parents.length > 0 && v.parents.every((p) => this.board.get(p)?.state === 'done');
      if (!free) this.heirWait.delete(v.id);
      else if (!this.heirWait.has(v.id)) this.heirWait.set(v.id, t);
    }
    for (const v of items) {
      const seen = this.observed.get(v.id);
      if (v.owner === undefined || v.owner === this.o.processId || v.state === 'done') this.observed.delete(v.id);
      else if (seen === undefined || seen.owner !== v.owner || seen.counter !== v.counter) this.observed.set(v.id, { owner: v.owner, counter: v.counter, sinceMs: t });
    }
    this.scannedAt = t;
  }

  private async claim(v: ItemView, condition: string, values: Item): Promise<Pull<T> | undefined> {
    const out = await this.table.update(
      itemSk(this.o.planId, v.id),
      'SET #owner = :me, #counter = if_not_exists(#counter, :zero) + :one, since = :at, renewedAt = :at',
      condition,
      { '#owner': 'owner', '#counter': 'counter', '#state': 'state' },
      { ':me': s(this.o.processId), ':zero': n(0), ':one': n(1), ':at': s(new Date().toISOString()), ':pending': s('pending'), ...values },
    );
    if (out === undefined) {
      this.scannedAt = -Infinity; // someone else moved first: look again before the next claim
      return undefined;
    }
    const won = viewOf(out);
    this.held.set(v.id, { counter: won.counter, ...(won.cursor === undefined ? {} : { cursor: won.cursor }), settled: {}, unsettled: {}, lost: false, ended: false, chain: Promise.resolve() });
    this.board.set(v.id, won);
    this.onBusy?.(true);
    return itemPull({ id: v.id, task: this.decode(won.taskJson), ...(won.cursor === undefined ? {} : { cursor: won.cursor }) });
  }

  /**
   * One fenced write on a held lease: bumps the counter, writes the unsaved position (unless
   * told not to), and ends the lease when `last`. Refused: the lease is lost, the scheduler is
   * told, and nothing of ours touches the item again. A lease lost earlier is not written at all.
   */
  private write(id: string, w: { set?: string[]; remove?: string[]; add?: string; values?: Item; last?: boolean; saveCursor?: boolean }): Promise<void> {
    const h = this.held.get(id);
    if (h === undefined) return Promise.resolve();
    const run = h.chain.then(async () => {
      if (h.lost || h.ended) return;
      const cursor = w.saveCursor === false ? undefined : h.unsaved;
      // At the item's end every count is settled; otherwise those up to the position written.
      const counts = w.saveCursor === false ? addInto(addInto({}, h.settled), h.unsettled) : cursor === undefined ? {} : { ...h.settled };
      const set = [...(w.set ?? []), '#counter = #counter + :one', ...(cursor === undefined ? [] : ['#cursor = :cursor'])];
      const adds = [...(w.add === undefined ? [] : [w.add]), ...Object.keys(counts).map((k, i) => `counts_${safe(k)} :c${i}`)];
      const countValues: Item = Object.fromEntries(Object.values(counts).map((v, i) => [`:c${i}`, n(v)]));
      const expression = `SET ${set.join(', ')}` + ((w.remove ?? []).length > 0 ? ` REMOVE ${(w.remove ?? []).join(', ')}` : '') + (adds.length === 0 ? '' : ` ADD ${adds.join(', ')}`);
      const out = await this.table.update(
        itemSk(this.o.planId, id),
        expression,
        '#owner = :me AND #counter = :held',
        { '#owner': 'owner', '#counter': 'counter', ...(expression.includes('#state') ? { '#state': 'state' } : {}), ...(expression.includes('#cursor') ? { '#cursor': 'cursor' } : {}) },
        { ':me': s(this.o.processId), ':held': n(h.counter), ':one': n(1), ...(cursor === undefined ? {} : { ':cursor': s(cursor) }), ...countValues, ...(w.values ?? {}) },
      );
      // Refused: lost, unless the refusal was our own write landing twice (the SDK resends a
      // request whose answer it did not get; the resend then meets the counter it moved itself).
      const landed = out ?? (await this.ownWriteLanded(id, h, w.last === true));
      if (landed === undefined) {
        this.lose(id, h);
        return;
      }
      const written = landed;
      h.counter = num(written, 'counter') ?? h.counter + 1;
      for (const [k, v] of Object.entries(counts)) {
        if (h.settled[k] !== undefined) h.settled[k] -= v;
        if (w.saveCursor === false) h.unsettled = {};
      }
      if (cursor !== undefined && h.unsaved === cursor) {
        h.cursor = cursor;
        delete h.unsaved;
      }
      if (w.last === true) {
        h.ended = true;
        this.held.delete(id);
        this.board.set(id, viewOf(written));
      }
    });
    h.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * The item as it is now when it stands one counter on from ours with nothing else changed:
   * still ours, or (a last write, which gives the lease up) owned by nobody. Else undefined.
   */
  private async ownWriteLanded(id: string, h: Held, last: boolean): Promise<Item | undefined> {
    const now = await this.table.get(itemSk(this.o.planId, id));
    const owner = str(now, 'owner');
    const ours = owner === this.o.processId || (last && owner === undefined);
    return ours && num(now, 'counter') === h.counter + 1 ? now : undefined;
  }

  private lose(id: string, h: Held): void {
    h.lost = true;
    this.held.delete(id);
    this.lostLeases++;
    this.scannedAt = -Infinity;
    this.lostListener?.(id, { code: ErrorCode.LEASE_LOST, message: `the lease of ${id} was taken over by another process (this one was too slow to renew it); it writes no position of ${id} again`, retryable: false });
  }
}

function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Count names become attribute names `counts_<name>`. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function rotate<X>(list: X[], by: number): X[] {
  if (list.length === 0) return list;
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}
