/**
 * Where the verdicts of a monitor run land on the main thread: counted once (ledger.ts), the
 * differences written to the JSONL file (the first ones also shown), and the differences a shard
 * still had at its end held back until its children are read (a child may hold a newer change
 * of the same key, which overtakes the parent's).
 *
 * The differences file outlives a run: on `--resume` the differences already in it after each
 * shard's checkpointed cursor are known, so a change read again is not written twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { JsonlFile } from '../engine/dead-letters.js';
import type { JobStats } from '../metrics/job-stats.js';
import type { ProgressDisplay } from '../metrics/progress.js';
import { COUNTER_OF_SETTLED, compareSequenceNumbers, MonitorLedger, type SettledBatch } from './ledger.js';
import type { MonitorCounter, MonitorDifference } from './task.js';

/** Differences printed before the rest only go to the file (unless --verbose). */
const DIFFERENCES_SHOWN = 20;

export interface ResultsOptions {
  readonly differencesPath: string;
  /** Continue the file of an earlier run (`--resume`), with its checkpoint's cursors and finished shards. */
  readonly resumeFrom?: { readonly cursors: ReadonlyMap<string, string>; readonly finished: ReadonlySet<string> };
  readonly verbose: boolean;
}

type Deferred = { readonly parent: string; readonly difference: MonitorDifference };

export class MonitorResults {
  readonly ledger = new MonitorLedger();
  private readonly file: JsonlFile<MonitorDifference>;
  /** (shard, sequence number) of differences an earlier run wrote that this one may read again. */
  private readonly written: Set<string>;
  private shown = 0;
  /** Differences a shard still had at its end, by key: confirmed once its children are read. */
  private readonly deferred = new Map<string, Deferred>();

  constructor(
    private readonly stats: JobStats<MonitorCounter>,
    private readonly display: ProgressDisplay,
    private readonly o: ResultsOptions,
  ) {
    this.written = o.resumeFrom === undefined ? new Set() : writtenAfterCursors(o.differencesPath, o.resumeFrom);
    this.file = new JsonlFile<MonitorDifference>(o.differencesPath, o.resumeFrom === undefined);
  }

  /** A worker's `settled` message: counted once; its new differences reported. */
  settled(batch: SettledBatch): void {
    const outcome = this.ledger.take(batch);
    for (const [counter, n] of Object.entries(outcome.counts)) this.stats.add(counter as MonitorCounter, n);
    if (outcome.repeated > 0) this.stats.add('repeatedVerdicts', outcome.repeated);
    this.report(outcome.differences);
  }

  /** A shard read to its end, with what still differed there. */
  shardEnded(shardId: string, deferred: ReadonlyArray<MonitorDifference & { readonly keyId: string }>): void {
    for (const { keyId, ...difference } of deferred) this.deferred.set(keyId, { parent: shardId, difference });
    this.ledger.finish(shardId);
  }

  /** A child holds a newer change of these keys: the parent's difference is overtaken. */
  inheritedSuperseded(keyIds: readonly string[]): void {
    for (const keyId of keyIds) if (this.deferred.delete(keyId)) this.stats.add('superseded', 1);
  }

  /** The keys a child of `parent` inherits (keyIdentity): its own changes of them overtake the parent's. */
  inheritedBy(parent: string): string[] {
    const out: string[] = [];
    for (const [keyId, d] of this.deferred) if (d.parent === parent) out.push(keyId);
    return out;
  }

  /** Some deferred difference waits for children that are listed. */
  waiting(hasChildren: (parent: string) => boolean): boolean {
    for (const d of this.deferred.values()) if (hasChildren(d.parent)) return true;
    return false;
  }

  /** Counts and reports the deferred differences of parents whose children are read (`all`: every one left). */
  confirmDeferred(childrenRead: (parent: string) => boolean, all = false): void {
    const ready = new Map<string, boolean>();
    const confirmed: MonitorDifference[] = [];
    for (const [keyId, d] of this.deferred) {
      let ok = ready.get(d.parent);
      if (ok === undefined) {
        ok = all || childrenRead(d.parent);
        ready.set(d.parent, ok);
      }
      if (!ok) continue;
      this.deferred.delete(keyId);
      this.stats.add(COUNTER_OF_SETTLED[d.difference.kind], 1);
      confirmed.push(d.difference);
    }
    this.report(confirmed);
  }

  close(): void {
    this.file.close();
  }

  private report(list: readonly MonitorDifference[]): void {
    if (list.length === 0) return;
    const fresh = this.written.size === 0 ? list : list.filter((d) => !this.written.has(`${d.shardId} ${d.sequenceNumber}`));
    this.file.append(fresh);
    for (const d of list) {
      // Each one is in the file; the screen gets the first ones and the count.
      if (++this.shown <= DIFFERENCES_SHOWN || this.o.verbose) this.display.event('difference', { difference: d }, `${d.kind}: ${JSON.stringify(d.key)} (${d.eventName} ${d.sequenceNumber} in ${d.shardId})`);
      else if (this.shown === DIFFERENCES_SHOWN + 1) this.display.event('warning', { differencesFile: this.o.differencesPath }, `more differences: see ${this.o.differencesPath} (--verbose prints them all)`);
    }
  }
}

/** The differences of an earlier run that lie after their shard's cursor: a resumed reader reads those changes again. */
function writtenAfterCursors(file: string, resume: NonNullable<ResultsOptions['resumeFrom']>): Set<string> {
  const out = new Set<string>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let d: Partial<MonitorDifference>;
    try {
      d = JSON.parse(line) as Partial<MonitorDifference>;
    } catch {
      continue; // a line cut by a crash: the change is read again and written whole
    }
    if (typeof d.shardId !== 'string' || typeof d.sequenceNumber !== 'string' || resume.finished.has(d.shardId)) continue;
    const cursor = resume.cursors.get(d.shardId);
    if (cursor === undefined || compareSequenceNumbers(d.sequenceNumber, cursor) > 0) out.add(`${d.shardId} ${d.sequenceNumber}`);
  }
  return out;
}
