/**
 * What a sampled verify proves about the whole table.
 *
 * The rows checked are treated as a random sample of the table's rows (verify samples whole
 * token ranges at random, and the partitioner spreads rows evenly over the ring). From k
 * differences in n sampled rows:
 * - the estimated difference rate is k / n;
 * - the interval is Wilson's score interval, which stays inside [0, 1] and behaves for k = 0
 *   and for small n, unlike the normal approximation p ± z·√(p(1−p)/n);
 * - for k = 0 the statement uses the one-sided zero-failure bound 1 − (1 − c)^(1/n), about
 *   3/n at 95 % ("rule of three"): with that confidence fewer rows than this differ;
 * - the table holds about n / sampleRate rows, so about k / sampleRate differ.
 * A full check (sampleRate 1) is not an estimate: the interval collapses to the count.
 */

export interface SampleConfidenceInput {
  readonly sampledRows: number;
  readonly differences: number;
  /** Share of the table (of the ring) that was checked, 0 < rate ≤ 1. */
  readonly sampleRate: number;
  /** Two-sided confidence level, 0 < c < 1. Default 0.95. */
  readonly confidence?: number;
}

export interface SampleConfidence {
  readonly sampledRows: number;
  readonly differences: number;
  readonly sampleRate: number;
  readonly confidence: number;
  /** differences / sampledRows (0 when nothing was sampled). */
  readonly estimatedDifferenceRate: number;
  /** Wilson score interval of the difference rate (0 and 1 when nothing was sampled). */
  readonly lower: number;
  readonly upper: number;
  /** With 0 differences: 1 − (1 − c)^(1/n), the rule-of-three bound; otherwise null. */
  readonly zeroDifferencesUpper: number | null;
  /** sampledRows / sampleRate. */
  readonly estimatedTableRows: number;
  /** estimatedDifferenceRate × estimatedTableRows = differences / sampleRate. */
  readonly estimatedDifferencesInTable: number;
  /** True for a full check: the counts are exact, not estimates. */
  readonly exact: boolean;
  /** One line for people, e.g. `12 differences in 100,000 sampled rows (10 % of the ring): 0.012 % (95 % CI 0.0069–0.021 %), about 120 in the whole table`. */
  readonly statement: string;
}

export const DEFAULT_CONFIDENCE = 0.95;

/**
 * The standard normal quantile Φ⁻¹(p), 0 < p < 1 (P. J. Acklam's rational approximation,
 * relative error below 1.2e-9: far finer than any interval printed here).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** Wilson score interval for k successes in n trials at two-sided confidence c (n > 0). */
export function wilsonInterval(k: number, n: number, confidence: number = DEFAULT_CONFIDENCE): { lower: number; upper: number } {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const p = k / n;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 (k = n) the exact bound is 0 (1); rounding must not leave it a hair off.
  return { lower: k === 0 ? 0 : Math.max(0, center - half), upper: k === n ? 1 : Math.min(1, center + half) };
}

/** The one-sided upper bound on the rate when n trials gave no failure: 1 − (1 − c)^(1/n). */
export function zeroFailureUpper(n: number, confidence: number = DEFAULT_CONFIDENCE): number {
  return -Math.expm1(Math.log1p(-confidence) / n);
}

export function sampleConfidence(input: SampleConfidenceInput): SampleConfidence {
  const { sampledRows: n, differences: k } = input;
  // A ring share summed from range shares can land a rounding error above 1.
  const sampleRate = input.sampleRate > 1 && input.sampleRate <= 1 + 1e-6 ? 1 : input.sampleRate;
  const confidence = input.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampledRows must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`differences must be an integer in 0..sampledRows (${n}), got ${k}`);
  if (!(sampleRate > 0 && sampleRate <= 1)) throw new RangeError(`sampleRate must be in (0, 1], got ${sampleRate}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const base = { sampledRows: n, differences: k, sampleRate, confidence };
  const exact = sampleRate >= 1;
  if (n === 0) {
    return {
      ...base, estimatedDifferenceRate: 0, lower: 0, upper: 1, zeroDifferencesUpper: null, estimatedTableRows: 0,
      estimatedDifferencesInTable: 0, exact,
      statement: exact ? 'no rows: the table is empty' : `no rows in the sample (${percent(sampleRate)} of the ring): it says nothing about the table`,
    };
  }
  const rate = k / n;
  const estimatedTableRows = n / sampleRate;
  const estimatedDifferencesInTable = k / sampleRate;
  const diffs = `${count(k)} difference${k === 1 ? '' : 's'}`;
  if (exact) {
    return {
      ...base, estimatedDifferenceRate: rate, lower: rate, upper: rate, zeroDifferencesUpper: null, estimatedTableRows,
      estimatedDifferencesInTable, exact,
      statement: `${diffs} in ${count(n)} rows (the whole table)${k === 0 ? '' : `: ${percent(rate)} of rows differ`}`,
    };
  }
  const { lower, upper } = wilsonInterval(k, n, confidence);
  const level = percent(confidence);
  const head = `${diffs} in ${count(n)} sampled rows (${percent(sampleRate)} of the ring)`;
  let statement: string;
  let zeroDifferencesUpper: number | null = null;
  if (k === 0) {
    zeroDifferencesUpper = zeroFailureUpper(n, confidence);
    const rule = confidence === 0.95 ? 'rule of three' : 'zero-failure bound';
    const atMost = Math.ceil(zeroDifferencesUpper * estimatedTableRows);
    statement = `${head}: with ${level} confidence fewer than ${percent(zeroDifferencesUpper)} of rows differ (${rule}), at most about ${count(atMost)} in the whole table`;
  } else {
    statement = `${head}: ${percent(rate)} (${level} CI ${percentRange(lower, upper)}), about ${count(Math.round(estimatedDifferencesInTable))} in the whole table`;
  }
  return { ...base, estimatedDifferenceRate: rate, lower, upper, zeroDifferencesUpper, estimatedTableRows, estimatedDifferencesInTable, exact, statement };
}

function count(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** A share as a percentage: one decimal from 1 % up (`12.5`), else two significant digits (`0.0069`). */
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, useGrouping: false });
const TWO_SIGNIFICANT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2, useGrouping: false });

function percentNumber(share: number): string {
  const pct = share * 100;
  return pct >= 1 ? ONE_DECIMAL.format(pct) : TWO_SIGNIFICANT.format(pct);
}

function percent(share: number): string {
  return `${percentNumber(share)} %`;
}

function percentRange(lower: number, upper: number): string {
  return `${percentNumber(lower)}–${percentNumber(upper)} %`;
}
