/** Static shards: parsing --shard, the fixed segments, and shard plans clipped from full-ring plans. */
import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import {
  clipPlan, parseShard, planShard, scanSegmentsTotal, shardScanSegments, shardSegment, shardText, withShardSuffix,
} from '../../../src/plan/shards.js';
import {
  MAX_TOKEN, MIN_TOKEN, assertCoversRing, assertCoversSegment, planRanges, ringShare, type RangeDescriptor, type RingRange,
} from '../../../src/plan/token-ranges.js';
import { Rng } from '../../../src/populate/random.js';

const RING_SPAN = MAX_TOKEN - MIN_TOKEN;
const COUNTS = [1, 2, 3, 7, 1000];

/** As the driver gives a ring: (t[i-1], t[i]] and the wrapping (t[last], t[0]]; estimates when asked. */
function randomRing(seed: number, tokens: number, estimate?: (span: bigint, i: number) => number): RingRange[] {
  const rng = new Rng(seed, 0);
  const set = new Set<bigint>();
  while (set.size < tokens) set.add(BigInt(rng.int(-(2 ** 53), 2 ** 53)) * 1024n);
  const sorted = [...set].sort((a, b) => (a < b ? -1 : 1));
  return sorted.map((end, i) => {
    const start = sorted[(i - 1 + sorted.length) % sorted.length]!;
    const span = end > start ? end - start : RING_SPAN - (start - end);
    return { start, end, replicas: [`127.0.0.${(i % 3) + 1}:9042`], ...(estimate === undefined ? {} : { estimatedRows: estimate(span, i) }) };
  });
}

/** Ring shapes: one node's single token, 16 vnodes, 3 nodes × 16 vnodes with uniform estimates, and skewed estimates. */
const RINGS: Array<[string, RingRange[]]> = [
  ['single token', [{ start: 5n, end: 5n, replicas: ['a:1'] }]],
  ['16 vnodes, no estimates', randomRing(1, 16)],
  ['48 vnodes, uniform estimates', randomRing(2, 48, (span) => Math.round(Number((span * 1_000_000n) / RING_SPAN)))],
  ['16 vnodes, skewed estimates', randomRing(3, 16, (_span, i) => (i % 4 === 0 ? 90_000 : 1_000))],
];

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('USAGE');
    return (error as ToolError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseShard', () => {
  it('takes i/N from the flag', () => {
    expect(parseShard('0/1', {})).toEqual({ index: 0, count: 1, indexFrom: 'flag' });
    expect(parseShard('2/3', {})).toEqual({ index: 2, count: 3, indexFrom: 'flag' });
    expect(parseShard('9999/10000', {})).toEqual({ index: 9999, count: 10_000, indexFrom: 'flag' });
    // an explicit index wins over the environment
    expect(parseShard('1/3', { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 1, count: 3, indexFrom: 'flag' });
  });

  it.each(['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX', 'CASS2DDB_SHARD_INDEX'])('auto/N reads %s', (name) => {
    expect(parseShard('auto/8', { [name]: '5' })).toEqual({ index: 5, count: 8, indexFrom: name });
    expect(parseShard('auto/8', { [name]: '0' })).toEqual({ index: 0, count: 8, indexFrom: name });
  });

  it('auto/N: Kubernetes first, then AWS Batch, then CASS2DDB_SHARD_INDEX; an empty variable is not set', () => {
    const all = { JOB_COMPLETION_INDEX: '1', AWS_BATCH_JOB_ARRAY_INDEX: '2', CASS2DDB_SHARD_INDEX: '3' };
    expect(parseShard('auto/4', all)).toMatchObject({ index: 1, indexFrom: 'JOB_COMPLETION_INDEX' });
    expect(parseShard('auto/4', { ...all, JOB_COMPLETION_INDEX: undefined })).toMatchObject({ index: 2, indexFrom: 'AWS_BATCH_JOB_ARRAY_INDEX' });
    expect(parseShard('auto/4', { ...all, JOB_COMPLETION_INDEX: '', AWS_BATCH_JOB_ARRAY_INDEX: '' })).toMatchObject({ index: 3, indexFrom: 'CASS2DDB_SHARD_INDEX' });
    // the first variable set decides: a bad one is an error, not a fall-through to the next
    expect(usageMessage(() => parseShard('auto/4', { ...all, JOB_COMPLETION_INDEX: '9' }))).toMatch(/JOB_COMPLETION_INDEX="9"/);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['x', {}, /^--shard: expected i\/N or auto\/N .*got "x"$/],
    ['', {}, /^--shard: expected i\/N/],
    ['1', {}, /^--shard: expected i\/N/],
    ['1/', {}, /^--shard: expected i\/N/],
    ['/3', {}, /^--shard: expected i\/N/],
    ['1/3/4', {}, /^--shard: expected i\/N/],
    ['-1/3', {}, /^--shard: expected i\/N/],
    ['1.5/3', {}, /^--shard: expected i\/N/],
    ['0x1/3', {}, /^--shard: expected i\/N/],
    ['one/3', {}, /^--shard: expected i\/N/],
    ['auto', {}, /^--shard: expected i\/N/],
    ['auto/x', {}, /^--shard: expected i\/N/],
    ['3/3', {}, /^--shard 3\/3: the index must be 0 to 2/],
    ['7/3', {}, /^--shard 7\/3: the index must be 0 to 2/],
    ['0/0', {}, /^--shard 0\/0: the shard count must be 1 to 10,000, got 0$/],
    ['0/10001', {}, /^--shard 0\/10001: the shard count must be 1 to 10,000/],
    ['auto/0', { JOB_COMPLETION_INDEX: '0' }, /^--shard auto\/0: the shard count must be 1 to 10,000/],
    ['auto/3', {}, /^--shard auto\/3: no shard index in the environment \(set one of JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, CASS2DDB_SHARD_INDEX/],
    ['auto/3', { JOB_COMPLETION_INDEX: '3' }, /^--shard auto\/3: JOB_COMPLETION_INDEX="3" is not a shard index 0 to 2$/],
    ['auto/3', { AWS_BATCH_JOB_ARRAY_INDEX: 'abc' }, /^--shard auto\/3: AWS_BATCH_JOB_ARRAY_INDEX="abc" is not a shard index/],
    ['auto/3', { CASS2DDB_SHARD_INDEX: '-1' }, /^--shard auto\/3: CASS2DDB_SHARD_INDEX="-1" is not a shard index/],
    ['auto/3', { CASS2DDB_SHARD_INDEX: '1.0' }, /^--shard auto\/3: CASS2DDB_SHARD_INDEX="1.0" is not a shard index/],
  ];
  it.each(bad)('--shard "%s" %o: a one-line usage error naming --shard', (text, env, message) => {
    const m = usageMessage(() => parseShard(text, env));
    expect(m).toMatch(message);
    expect(m).not.toContain('\n');
  });
});

describe('shardSegment', () => {
  it.each(COUNTS)('%i shards tile the ring at equal token spans', (count) => {
    const segments = Array.from({ length: count }, (_, i) => shardSegment(i, count));
    expect(segments[0]!.start).toBe(MIN_TOKEN);
    expect(segments.at(-1)!.end).toBe(MAX_TOKEN);
    const ideal = RING_SPAN / BigInt(count);
    segments.forEach((s, i) => {
      if (i > 0) expect(s.start).toBe(segments[i - 1]!.end);
      const span = s.end - s.start;
      expect(span >= ideal && span <= ideal + 1n, `shard ${i}: span ${span}, ideal ${ideal}`).toBe(true);
    });
    expect(() => assertCoversRing(segments.map((s, i) => ({ id: `s${i}`, start: s.start.toString(), end: s.end.toString() })))).not.toThrow();
  });

  it('refuses an index outside the count', () => {
    expect(() => shardSegment(3, 3)).toThrow(RangeError);
    expect(() => shardSegment(-1, 3)).toThrow(RangeError);
    expect(() => shardSegment(0, 0)).toThrow(RangeError);
  });

  it('says which shard and its share of the ring', () => {
    expect(shardText({ index: 1, count: 3, indexFrom: 'flag' })).toBe('shard 1/3 (33.3 % of the ring)');
    expect(shardText({ index: 0, count: 8, indexFrom: 'JOB_COMPLETION_INDEX' })).toBe('shard 0/8 (12.5 % of the ring, index from JOB_COMPLETION_INDEX)');
  });
});

describe('shard plans', () => {
  const splits = 8;
  for (const [name, ring] of RINGS) {
    it.each(COUNTS)(`${name}: %i shards, each covers its segment once, together the ring`, (count) => {
      const full = planRanges(ring, splits * count);
      const fullById = new Map(full.map((r) => [r.id, r]));
      const union: RangeDescriptor[] = [];
      let estimated = 0;
      for (let i = 0; i < count; i++) {
        const segment = shardSegment(i, count);
        // planShard plans the whole ring each time; the same clip of one full plan is quicker for 1,000 shards
        const plan = i < 3 ? planShard(ring, splits, { index: i, count }) : clipPlan(full, segment);
        expect(plan[0]!.start).toBe(segment.start.toString());
        expect(plan.at(-1)!.end).toBe(segment.end.toString());
        expect(() => assertCoversSegment(plan, segment)).not.toThrow();
        expect(new Set(plan.map((r) => r.id)).size).toBe(plan.length);
        for (const r of plan) {
          // each piece lies inside the full-plan range of its id, on that range's replicas
          const owner = fullById.get(r.id)!;
          expect(BigInt(r.start) >= BigInt(owner.start) && BigInt(r.end) <= BigInt(owner.end)).toBe(true);
          expect(r.replicas).toEqual(owner.replicas);
          expect(r.estimatedRows).toBeLessThanOrEqual(owner.estimatedRows);
        }
        // balanced by token span: every shard within a hair of 1/N of the ring
        const share = plan.reduce((a, r) => a + ringShare(r.start, r.end), 0);
        expect(Math.abs(share - 1 / count)).toBeLessThan(1e-9);
        estimated += plan.reduce((a, r) => a + r.estimatedRows, 0);
        union.push(...plan);
      }
      expect(() => assertCoversRing(union)).not.toThrow();
      // estimates are split, not made up or lost: at most one rounding per clipped piece
      const fullEstimated = full.reduce((a, r) => a + r.estimatedRows, 0);
      expect(Math.abs(estimated - fullEstimated)).toBeLessThanOrEqual(count);
    });
  }

  it.each([2, 3, 7])('%i shards of a ring without estimates get about --splits ranges each', (count) => {
    for (let i = 0; i < count; i++) {
      const n = planShard(RINGS[1]![1], 32, { index: i, count }).length;
      expect(n).toBeGreaterThanOrEqual(16);
      expect(n).toBeLessThanOrEqual(48 + 2);
    }
  });

  it('uniform estimates: each of 7 shards holds about 1/7 of the estimated rows', () => {
    const ring = RINGS[2]![1];
    const total = planRanges(ring, 56).reduce((a, r) => a + r.estimatedRows, 0);
    for (let i = 0; i < 7; i++) {
      const rows = planShard(ring, 8, { index: i, count: 7 }).reduce((a, r) => a + r.estimatedRows, 0);
      expect(Math.abs(rows / total - 1 / 7)).toBeLessThan(0.01);
    }
  });

  it('cuts at the same tokens whatever the size estimates say', () => {
    // two processes that read different size_estimates must still tile the ring
    const a = randomRing(7, 16, () => 1_000);
    const b = randomRing(7, 16, (_s, i) => (i === 3 ? 500_000 : 10));
    for (let i = 0; i < 3; i++) {
      const pa = planShard(a, 8, { index: i, count: 3 });
      const pb = planShard(b, 8, { index: i, count: 3 });
      expect(pa.map((r) => r.id)).not.toEqual(pb.map((r) => r.id));
      expect([pa[0]!.start, pa.at(-1)!.end]).toEqual([pb[0]!.start, pb.at(-1)!.end]);
    }
  });

  it('keeps whole ranges as they are and scales the estimate of a clipped piece by its span', () => {
    const plan: RangeDescriptor[] = [
      { id: 'r0', start: MIN_TOKEN.toString(), end: '-100', replicas: ['a:1'], estimatedRows: 10 },
      { id: 'r1', start: '-100', end: '100', replicas: ['b:1'], estimatedRows: 200 },
      { id: 'r2', start: '100', end: MAX_TOKEN.toString(), replicas: ['c:1'], estimatedRows: 10 },
    ];
    expect(clipPlan(plan, { start: MIN_TOKEN, end: 50n })).toEqual([
      plan[0],
      { id: 'r1', start: '-100', end: '50', replicas: ['b:1'], estimatedRows: 150 },
    ]);
    expect(clipPlan(plan, { start: -50n, end: 0n })).toEqual([{ id: 'r1', start: '-50', end: '0', replicas: ['b:1'], estimatedRows: 50 }]);
    // a plan with a hole inside the segment is refused, not clipped into a shard with a gap
    expect(() => clipPlan([plan[0]!, plan[2]!], { start: MIN_TOKEN, end: 0n })).toThrow(/end at -100, not at the segment/);
    expect(() => clipPlan([plan[0]!, plan[2]!], { start: -200n, end: MAX_TOKEN })).toThrow(/gap/);
  });

  it('detects gaps, overlaps and a short end within a segment', () => {
    const seg = { start: 0n, end: 100n };
    const ok = [{ id: 'a', start: '0', end: '40' }, { id: 'b', start: '40', end: '100' }];
    expect(() => assertCoversSegment(ok, seg)).not.toThrow();
    expect(() => assertCoversSegment([ok[0]!, { id: 'b', start: '41', end: '100' }], seg)).toThrow(/gap/);
    expect(() => assertCoversSegment([ok[0]!, { id: 'b', start: '39', end: '100' }], seg)).toThrow(/overlap/);
    expect(() => assertCoversSegment([{ id: 'a', start: '-1', end: '100' }], seg)).toThrow(/overlap/);
    expect(() => assertCoversSegment([ok[0]!], seg)).toThrow(/not at the segment \(0, 100\]'s end 100/);
    expect(() => assertCoversSegment([], seg)).toThrow(/no ranges/);
  });
});

describe('scan segments and file names of a shard', () => {
  it.each([[8, 3], [3, 3], [1000, 7]])('%i segments among %i shards: each segment once, each shard at least one', (wanted, count) => {
    const total = scanSegmentsTotal(wanted, { count });
    const seen = new Array<number>(total).fill(0);
    for (let i = 0; i < count; i++) {
      const own = shardScanSegments(total, { index: i, count });
      expect(own.length).toBeGreaterThan(0);
      for (const s of own) seen[s]!++;
    }
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it('gives every shard a segment when there are more shards than wanted segments', () => {
    expect(scanSegmentsTotal(8, { count: 20 })).toBe(20);
    expect(scanSegmentsTotal(8, undefined)).toBe(8);
    expect(shardScanSegments(4, undefined)).toEqual([0, 1, 2, 3]);
  });

  it('puts the shard before the extension', () => {
    expect(withShardSuffix('verify-differences/app.users--users.jsonl', { index: 1, count: 3 })).toBe('verify-differences/app.users--users.shard-1-of-3.jsonl');
    expect(withShardSuffix('diffs', { index: 0, count: 2 })).toBe('diffs.shard-0-of-2');
    expect(withShardSuffix('a/b.jsonl', undefined)).toBe('a/b.jsonl');
  });
});
