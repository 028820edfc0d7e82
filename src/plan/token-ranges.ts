/**
 * Token-range plans for Murmur3Partitioner: plain data (tokens as decimal strings, so a plan
 * survives structured clone and JSON checkpoints) that checks itself — the ranges cover the
 * whole ring exactly once.
 *
 * A range is (start, end]: it holds the rows with start < token(pk) ≤ end. Murmur3 never gives a
 * key the minimum token (Cassandra normalises it to the maximum), so (MIN, MAX] is every row.
 */

export const MIN_TOKEN = -(2n ** 63n);
export const MAX_TOKEN = 2n ** 63n - 1n;

/** One range of the ring as the driver reports it; start ≥ end means it wraps around. */
export interface RingRange {
  readonly start: bigint;
  readonly end: bigint;
  /** Replicas of the range, `ip:port`, preferred first. */
  readonly replicas: readonly string[];
  /** Estimated rows (system.size_estimates), when known. */
  readonly estimatedRows?: number;
}

export interface RangeDescriptor {
  /** Stable id: `r<index>`, in ring order. */
  readonly id: string;
  /** Exclusive lower bound, decimal. */
  readonly start: string;
  /** Inclusive upper bound, decimal. */
  readonly end: string;
  readonly replicas: readonly string[];
  /** Estimated rows in this range (share of its ring range's estimate). */
  readonly estimatedRows: number;
}

/** Splits wrapping ranges at the ring's end; a single range with start === end is the whole ring. */
export function unwrap(ring: readonly RingRange[]): RingRange[] {
  const out: RingRange[] = [];
  for (const r of ring) {
    if (ring.length === 1 && r.start === r.end) {
      out.push({ ...r, start: MIN_TOKEN, end: MAX_TOKEN });
    } else if (r.start >= r.end) {
      const total = span(r.start, MAX_TOKEN) + span(MIN_TOKEN, r.end);
      const est = r.estimatedRows;
      const head = span(r.start, MAX_TOKEN);
      if (r.start !== MAX_TOKEN) {
        out.push({ ...r, end: MAX_TOKEN, ...(est === undefined ? {} : { estimatedRows: share(est, head, total) }) });
      }
      if (r.end !== MIN_TOKEN) {
        out.push({ ...r, start: MIN_TOKEN, ...(est === undefined ? {} : { estimatedRows: share(est, total - head, total) }) });
      }
    } else {
      out.push(r);
    }
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function span(start: bigint, end: bigint): bigint {
  return end - start;
}

function share(rows: number, part: bigint, total: bigint): number {
  if (total === 0n) return 0;
  return Number((BigInt(Math.round(rows)) * part) / total);
}

/**
 * Splits the ring into about `splits` ranges (never fewer than the ring has): each ring range
 * gets a number of pieces proportional to its estimated rows when every range has an estimate,
 * else to its token span; each piece is an equal token span of its ring range.
 */
export function planRanges(ring: readonly RingRange[], splits: number): RangeDescriptor[] {
  if (!Number.isSafeInteger(splits) || splits < 1) throw new RangeError(`splits must be a positive integer, got ${splits}`);
  if (ring.length === 0) throw new RangeError('the ring has no token ranges');
  const ranges = unwrap(ring);
  const weighted = ranges.every((r) => r.estimatedRows !== undefined) && ranges.some((r) => (r.estimatedRows ?? 0) > 0);
  const weights = ranges.map((r) => (weighted ? Math.max(r.estimatedRows ?? 0, 0) : Number(span(r.start, r.end))));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const pieces = ranges.map((_, i) => Math.max(1, Math.round((splits * (weights[i] ?? 0)) / (totalWeight || 1))));
  const out: RangeDescriptor[] = [];
  ranges.forEach((r, i) => {
    const n = BigInt(pieces[i] ?? 1);
    const width = span(r.start, r.end);
    const count = width < n ? width : n; // a range narrower than its piece count gets one token each
    for (let k = 0n; k < count; k++) {
      const start = r.start + (width * k) / count;
      const end = k === count - 1n ? r.end : r.start + (width * (k + 1n)) / count;
      out.push({
        id: '',
        start: start.toString(),
        end: end.toString(),
        replicas: [...r.replicas],
        estimatedRows: r.estimatedRows === undefined ? 0 : Math.round(r.estimatedRows / Number(count)),
      });
    }
  });
  const plan = out.map((r, i) => ({ ...r, id: `r${i}` }));
  assertCoversRing(plan);
  return plan;
}

/** A contiguous part (start, end] of the ring, start < end. */
export interface TokenSegment {
  readonly start: bigint;
  readonly end: bigint;
}

/** The whole ring as a segment. */
export const WHOLE_RING: TokenSegment = Object.freeze({ start: MIN_TOKEN, end: MAX_TOKEN });

/** Throws unless the ranges, in order, tile (MIN, MAX] with no gap and no overlap. */
export function assertCoversRing(ranges: readonly Pick<RangeDescriptor, 'start' | 'end' | 'id'>[]): void {
  assertCoversSegment(ranges, WHOLE_RING, 'the ring');
}

/** Throws unless the ranges, in order, tile `segment` with no gap and no overlap. */
export function assertCoversSegment(
  ranges: readonly Pick<RangeDescriptor, 'start' | 'end' | 'id'>[],
  segment: TokenSegment,
  name = `the segment (${segment.start}, ${segment.end}]`,
): void {
  if (ranges.length === 0) throw new Error('plan: no ranges');
  let expected = segment.start;
  for (const r of ranges) {
    const start = BigInt(r.start);
    const end = BigInt(r.end);
    if (start !== expected) {
      throw new Error(`plan: range ${r.id} starts at ${r.start}, expected ${expected} (${start > expected ? 'gap' : 'overlap'})`);
    }
    if (end <= start) throw new Error(`plan: range ${r.id} is empty or reversed (${r.start}, ${r.end}]`);
    expected = end;
  }
  if (expected !== segment.end) throw new Error(`plan: ranges end at ${expected}, not at ${name}'s end ${segment.end}`);
}

/** Share of the ring a range covers, 0..1 — for "ring done" progress. */
export function ringShare(start: string | bigint, end: string | bigint): number {
  const width = BigInt(end) - BigInt(start);
  return Number(width) / Number(MAX_TOKEN - MIN_TOKEN);
}
