/**
 * Source → target for one page of rows: convert each row with the migration's mapping, fetch the
 * items with BatchGetItem, compare attribute by attribute, optionally look again after a delay
 * (a copy still catching up), optionally rewrite what differs, and report every difference.
 */
import { toJsonSafe } from '../engine/dead-letters.js';
import type { TaskContext } from '../engine/worker-runtime.js';
import { sleep } from '../engine/backoff.js';
import { ErrorCode, plainError, type PlainError } from '../errors.js';
import type { Item } from '../mapping/attribute-value.js';
import type { RowConverter, SourceRow } from '../mapping/row-converter.js';
import { compareItems, type AttributeDifference } from '../compare/items.js';
import { itemSizeBytes, writeUnits } from '../mapping/item-size.js';
import { readUnitsPerKey, type VerifyDynamo } from './dynamo.js';
import type { Difference, VerifyJob, VerifyWorkerData } from './task.js';

/** What a checker needs of its task: counters, latencies, and a way to send differences. */
export type CheckReporter = Pick<TaskContext<VerifyJob, unknown>, 'add' | 'record' | 'send'>;

const GET_CHUNK = 100;

interface Candidate {
  readonly row: SourceRow;
  readonly expected: Item;
  diffs: readonly AttributeDifference[] | undefined; // undefined: missing
}

export class RangeChecker {
  private readonly keyColumns: string[];
  private readonly ignore: ReadonlySet<string>;

  constructor(
    private readonly config: VerifyWorkerData,
    private readonly convert: RowConverter,
    private readonly dynamo: VerifyDynamo,
    private readonly reporter: CheckReporter,
    private readonly rangeId: string,
  ) {
    this.keyColumns = [...config.tableSpec.partitionKeys, ...config.tableSpec.clusteringKeys].map((c) => c.name);
    // The TTL attribute is computed at read time: it moves between two reads of the same row.
    this.ignore = new Set(config.mapping.ttlAttribute === null ? [] : [config.mapping.ttlAttribute]);
  }

  /** Checks a page; returns a plain error when some keys could not be read at all. */
  async check(rows: readonly SourceRow[]): Promise<PlainError | undefined> {
    const r = this.reporter;
    const wanted: Array<{ row: SourceRow; expected: Item }> = [];
    for (const row of rows) {
      r.add('rowsChecked');
      const started = performance.now();
      const c = this.convert(row);
      r.record('convert', (performance.now() - started) * 1000);
      if (c.ok) wanted.push({ row, expected: c.item });
      else r.add('unconvertible'); // a dead letter of migrate: nothing to compare
    }
    const { candidates, failure } = await this.fetchAndCompare(wanted, this.config.consistentRead);
    if (failure !== undefined) return failure;
    let confirmed = candidates;
    if (candidates.length > 0 && this.config.recheckAfterMs > 0) {
      r.add('rechecked', candidates.length);
      await sleep(this.config.recheckAfterMs);
      const again = await this.fetchAndCompare(candidates, true);
      if (again.failure !== undefined) return again.failure;
      // (the rows that match now were counted as matched by fetchAndCompare)
      r.add('resolvedOnRecheck', candidates.length - again.candidates.length);
      confirmed = again.candidates;
    }
    await this.report(confirmed);
    return undefined;
  }

  private async fetchAndCompare(wanted: ReadonlyArray<{ row: SourceRow; expected: Item }>, consistentRead: boolean): Promise<{ candidates: Candidate[]; failure?: PlainError }> {
    const candidates: Candidate[] = [];
    let failure: PlainError | undefined;
    const chunks: Array<ReadonlyArray<{ row: SourceRow; expected: Item }>> = [];
    for (let i = 0; i < wanted.length; i += GET_CHUNK) chunks.push(wanted.slice(i, i + GET_CHUNK));
    let next = 0;
    const lane = async (): Promise<void> => {
      for (;;) {
        const chunk = chunks[next++];
        if (chunk === undefined || failure !== undefined) return;
        const out = await this.dynamo.reader.getItems(this.config.target.table, chunk.map((w, i) => ({ key: w.expected, ref: i })), { consistentRead });
        this.reporter.add('requests', out.requests);
        this.reporter.add('retries', out.retries);
        this.reporter.add('throttledRequests', out.throttledRequests);
        this.reporter.add('unprocessedRetries', out.unprocessedRetries);
        this.reporter.add('readUnits', out.found.length * readUnitsPerKey(consistentRead));
        if (out.failed.length > 0) {
          const f = out.failed[0]!;
          failure = plainError(ErrorCode.DYNAMODB_UNREACHABLE, `${out.failed.length} keys could not be read: ${f.code}: ${f.message}`);
          return;
        }
        const started = performance.now();
        for (const { ref, item } of out.found) {
          const w = chunk[ref]!;
          if (item === undefined) {
            candidates.push({ row: w.row, expected: w.expected, diffs: undefined });
            continue;
          }
          const diffs = compareItems(w.expected, item, { ignore: this.ignore });
          if (diffs.length === 0) this.reporter.add('matched');
          else candidates.push({ row: w.row, expected: w.expected, diffs });
        }
        this.reporter.record('compare', ((performance.now() - started) * 1000) / Math.max(1, out.found.length));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.inFlight, chunks.length) }, lane));
    return failure === undefined ? { candidates } : { candidates, failure };
  }

  private async report(confirmed: readonly Candidate[]): Promise<void> {
    if (confirmed.length === 0) return;
    const r = this.reporter;
    const fixed = new Set<Candidate>();
    if (this.config.fix) {
      for (let i = 0; i < confirmed.length; i += 25) {
        const batch = confirmed.slice(i, i + 25);
        const entries = batch.map((c, k) => ({ key: String(k), item: c.expected, ref: c, units: writeUnits(itemSizeBytes(c.expected)) }));
        const out = await this.dynamo.writer.writeBatch(this.config.target.table, entries);
        r.add('fixRequests', out.requests);
        r.add('fixThrottledRequests', out.throttledRequests);
        r.add('retries', out.retries + out.unprocessedRetries);
        const failedRefs = new Set(out.failed.map((f) => f.ref));
        for (const e of entries) {
          if (failedRefs.has(e.ref)) continue;
          fixed.add(e.ref);
          r.add('fixWriteUnits', e.units);
        }
      }
      r.add('fixedRewritten', fixed.size);
    }
    const differences: Difference[] = confirmed.map((c) => {
      const key: Record<string, unknown> = {};
      for (const k of this.keyColumns) key[k] = toJsonSafe(c.row[k]);
      if (c.diffs === undefined) {
        r.add('missing');
        return { kind: 'missing', key, range: this.rangeId, ...(fixed.has(c) ? { fixed: 'rewritten' as const } : {}) };
      }
      r.add('mismatched');
      for (const attribute of new Set(c.diffs.map((d) => d.attribute))) r.add(`mismatch:${attribute}`);
      return {
        kind: 'mismatch',
        key,
        range: this.rangeId,
        attributes: c.diffs.map((d) => ({ path: d.path, kind: d.kind, ...(d.expected === undefined ? {} : { expected: d.expected }), ...(d.actual === undefined ? {} : { actual: d.actual }) })),
        ...(fixed.has(c) ? { fixed: 'rewritten' as const } : {}),
      };
    });
    r.send({ type: 'differences', differences });
  }
}
