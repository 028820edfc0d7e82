/**
 * Sampling by token range: a sampled run reads whole ranges chosen at random (seeded) until
 * they cover the asked share of the ring, so its cost is that share of a full run.
 */
import { Rng } from '../populate/random.js';
import { ringShare, type RangeDescriptor } from '../plan/token-ranges.js';

/**
 * Ranges to read for a `rate` in (0, 1]; all of them for 1. Returned in ring order. `whole` is
 * the share of the ring the ranges cover (a shard's plan covers its segment only): the sample is
 * `rate` of that.
 */
export function sampleRanges<R extends Pick<RangeDescriptor, 'id' | 'start' | 'end'>>(ranges: readonly R[], rate: number, seed: number, whole = 1): R[] {
  if (rate >= 1) return [...ranges];
  const rng = new Rng(seed, 0, 7);
  const order = ranges.map((r, i) => ({ r, i, key: rng.float() })).sort((a, b) => a.key - b.key);
  const chosen: Array<{ r: R; i: number }> = [];
  let share = 0;
  for (const o of order) {
    if (share >= rate * whole) break;
    chosen.push(o);
    share += ringShare(o.r.start, o.r.end);
  }
  return chosen.sort((a, b) => a.i - b.i).map((o) => o.r);
}

/** Scan segments for the target → source check: the same share of the table's items. */
export function sampleSegments(totalSegments: number, rate: number, seed: number): number[] {
  const all = Array.from({ length: totalSegments }, (_, i) => i);
  if (rate >= 1) return all;
  const rng = new Rng(seed, 1, 7);
  const count = Math.max(1, Math.round(totalSegments * rate));
  return all.map((s) => ({ s, key: rng.float() })).sort((a, b) => a.key - b.key).slice(0, count).map((o) => o.s).sort((a, b) => a - b);
}

/** Enough ranges that a sample can be close to its rate. */
export function splitsForSample(baseSplits: number, rate: number): number {
  return rate >= 1 ? baseSplits : Math.max(baseSplits, Math.ceil(20 / rate));
}
