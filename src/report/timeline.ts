/** The per-second timeline of a run: its JSON-lines form, its validation and its summary. */
import { ErrorCode, toolError } from '../errors.js';

/** One second of the run, sampled on the main thread. */
export interface TimelinePoint {
  /** Seconds since the start. */
  readonly t: number;
  /** Cumulative. */
  readonly rowsRead: number;
  /** Cumulative. */
  readonly itemsWritten: number;
  readonly itemsPerSec: number;
  readonly writeUnitsPerSec: number;
  /** The rate controller's limit at that second; null when there is none. */
  readonly rateLimitItemsPerSec: number | null;
  /** Per second (deltas). */
  readonly throttledRequests: number;
  /** Per second (deltas). */
  readonly unprocessedRetries: number;
  /** Per second (deltas). */
  readonly retries: number;
}

const NUMBER_FIELDS = ['t', 'rowsRead', 'itemsWritten', 'itemsPerSec', 'writeUnitsPerSec', 'throttledRequests', 'unprocessedRetries', 'retries'] as const;

export function timelineJsonl(points: readonly TimelinePoint[]): string {
  return points.map((p) => `${JSON.stringify(pick(p))}\n`).join('');
}

/** Only the known fields, in a fixed order: a caller's extra fields do not leak into the file. */
function pick(p: TimelinePoint): TimelinePoint {
  return {
    t: p.t,
    rowsRead: p.rowsRead,
    itemsWritten: p.itemsWritten,
    itemsPerSec: p.itemsPerSec,
    writeUnitsPerSec: p.writeUnitsPerSec,
    rateLimitItemsPerSec: p.rateLimitItemsPerSec,
    throttledRequests: p.throttledRequests,
    unprocessedRetries: p.unprocessedRetries,
    retries: p.retries,
  };
}

/** Parses timeline.jsonl; a bad line is a USAGE error naming `source:line`. */
export function parseTimeline(text: string, source: string): TimelinePoint[] {
  const out: TimelinePoint[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line.length === 0) continue;
    const where = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw toolError(ErrorCode.USAGE, `${where}: not a JSON object`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw toolError(ErrorCode.USAGE, `${where}: not a JSON object`);
    const o = v as Record<string, unknown>;
    for (const f of NUMBER_FIELDS) {
      if (typeof o[f] !== 'number' || !Number.isFinite(o[f])) throw toolError(ErrorCode.USAGE, `${where}: "${f}" must be a number`);
    }
    const limit = o.rateLimitItemsPerSec ?? null;
    if (limit !== null && typeof limit !== 'number') throw toolError(ErrorCode.USAGE, `${where}: "rateLimitItemsPerSec" must be a number or null`);
    out.push(pick({ ...(o as unknown as TimelinePoint), rateLimitItemsPerSec: limit }));
  }
  return out;
}

export interface TimelineStats {
  readonly seconds: number;
  readonly peakItemsPerSec: number;
  readonly meanItemsPerSec: number;
  readonly peakWriteUnitsPerSec: number;
  readonly meanWriteUnitsPerSec: number;
  /** Seconds with at least one throttled request or unprocessed-items retry. */
  readonly throttledSeconds: number;
  readonly throttledRequests: number;
  readonly unprocessedRetries: number;
  readonly retries: number;
  /** Lowest, highest and last limit of the rate controller; null when it never limited. */
  readonly rateLimit: { readonly min: number; readonly max: number; readonly last: number } | null;
}

export function summarizeTimeline(points: readonly TimelinePoint[]): TimelineStats {
  let peakItems = 0;
  let sumItems = 0;
  let peakWu = 0;
  let sumWu = 0;
  let throttledSeconds = 0;
  let throttled = 0;
  let unprocessed = 0;
  let retries = 0;
  let limit: { min: number; max: number; last: number } | null = null;
  for (const p of points) {
    peakItems = Math.max(peakItems, p.itemsPerSec);
    sumItems += p.itemsPerSec;
    peakWu = Math.max(peakWu, p.writeUnitsPerSec);
    sumWu += p.writeUnitsPerSec;
    if (p.throttledRequests + p.unprocessedRetries > 0) throttledSeconds++;
    throttled += p.throttledRequests;
    unprocessed += p.unprocessedRetries;
    retries += p.retries;
    const l = p.rateLimitItemsPerSec;
    if (l !== null) limit = limit === null ? { min: l, max: l, last: l } : { min: Math.min(limit.min, l), max: Math.max(limit.max, l), last: l };
  }
  const n = points.length;
  return {
    seconds: n,
    peakItemsPerSec: peakItems,
    meanItemsPerSec: n === 0 ? 0 : sumItems / n,
    peakWriteUnitsPerSec: peakWu,
    meanWriteUnitsPerSec: n === 0 ? 0 : sumWu / n,
    throttledSeconds,
    throttledRequests: throttled,
    unprocessedRetries: unprocessed,
    retries,
    rateLimit: limit,
  };
}

/** The job counters a timeline samples (cumulative, as JobStats keeps them). */
export type TimelineCounters = Readonly<Record<'rowsRead' | 'itemsWritten' | 'writeUnits' | 'throttledRequests' | 'unprocessedRetries' | 'retries', number>>;

/**
 * Turns cumulative counters sampled about once a second into TimelinePoints: rates over the
 * time actually elapsed since the previous sample (timers drift under load), other fields as
 * deltas since the previous sample.
 */
export class TimelineSampler {
  private readonly out: TimelinePoint[] = [];
  private prev: { readonly atMs: number; readonly c: TimelineCounters } | undefined;

  constructor(private readonly startMs: number = performance.now()) {}

  sample(c: TimelineCounters, rateLimitItemsPerSec: number | null, nowMs: number = performance.now()): void {
    const prev = this.prev ?? { atMs: this.startMs, c: { rowsRead: 0, itemsWritten: 0, writeUnits: 0, throttledRequests: 0, unprocessedRetries: 0, retries: 0 } };
    const dtSec = (nowMs - prev.atMs) / 1000;
    if (dtSec <= 0) return;
    this.out.push({
      t: Math.round(nowMs - this.startMs) / 1000,
      rowsRead: c.rowsRead,
      itemsWritten: c.itemsWritten,
      itemsPerSec: (c.itemsWritten - prev.c.itemsWritten) / dtSec,
      writeUnitsPerSec: (c.writeUnits - prev.c.writeUnits) / dtSec,
      rateLimitItemsPerSec,
      throttledRequests: c.throttledRequests - prev.c.throttledRequests,
      unprocessedRetries: c.unprocessedRetries - prev.c.unprocessedRetries,
      retries: c.retries - prev.c.retries,
    });
    this.prev = { atMs: nowMs, c: { ...c } };
  }

  points(): readonly TimelinePoint[] {
    return this.out;
  }
}
