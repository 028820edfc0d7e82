/** Known runs for the report tests: histograms with values we can check percentiles against. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistogramSet, PhaseRecorder } from '../../../src/metrics/histogram.js';
import type { RunReportInput, TimelinePoint } from '../../../src/report/run-report.js';

export function tempDir(prefix = 'cass2ddb-report-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * page-fetch: 1..1000 ms, one each (p50 ≈ 500 ms, p99 ≈ 990 ms); batch-write: 900 × 2 ms and
 * 100 × 40 ms (`slow` scales the tail); retries-per-item: counts 0..3; range: empty.
 */
export function sampleHistograms(slow = 1): HistogramSet {
  const set = new HistogramSet();
  const worker = new PhaseRecorder<'page-fetch' | 'batch-write'>();
  for (let ms = 1; ms <= 1000; ms++) worker.record('page-fetch', ms * 1000);
  for (let i = 0; i < 900; i++) worker.record('batch-write', 2000);
  for (let i = 0; i < 100; i++) worker.record('batch-write', 40_000 * slow);
  set.addDeltas(worker.drain());
  const retries = set.get('retries-per-item');
  for (let i = 0; i < 1000; i++) retries.recordValue(i < 900 ? 0 : i < 990 ? 1 : 3);
  set.get('range');
  return set;
}

export function sampleTimeline(seconds = 10, itemsPerSec = 1000): TimelinePoint[] {
  const out: TimelinePoint[] = [];
  for (let t = 1; t <= seconds; t++) {
    out.push({
      t,
      rowsRead: t * itemsPerSec,
      itemsWritten: t * itemsPerSec,
      itemsPerSec: t === seconds ? itemsPerSec * 2 : itemsPerSec,
      writeUnitsPerSec: itemsPerSec * 2,
      rateLimitItemsPerSec: t <= 2 ? null : 1500,
      throttledRequests: t === 3 ? 5 : 0,
      unprocessedRetries: t === 4 ? 2 : 0,
      retries: t === 3 ? 7 : 0,
    });
  }
  return out;
}

export function sampleInput(over: Partial<RunReportInput> = {}): RunReportInput {
  return {
    command: 'migrate',
    startedAt: '2026-11-21T10:00:00.000Z',
    summary: {
      status: 'completed',
      source: 'app.users',
      target: 'users (local)',
      rowsRead: 10_000,
      itemsWritten: 9_990,
      deadLetters: 10,
      requests: 400,
      retries: 7,
      throttledRequests: 5,
      unprocessedRetries: 2,
      writeUnits: 20_000,
      durationMs: 10_000,
      rowsPerSec: 1000,
      itemsPerSec: 999,
    },
    settings: { threads: 4, splits: 64, fetchSize: 1000, inFlight: 8, consistency: 'LOCAL_ONE', maxWcu: null, createTable: false },
    histograms: sampleHistograms(),
    timeline: sampleTimeline(),
    ...over,
  };
}
