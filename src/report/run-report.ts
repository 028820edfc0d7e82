/**
 * The histogram report of one run, on disk. `migrate --report-dir DIR` writes it at the end of a
 * run; `report DIR [DIR2]` reads it back. A report directory holds:
 *
 *   summary.json      format marker and version, command, start, tool version, settings, summary
 *   histograms.json   { phase: { unit, encoded, file } }: the exact histograms (HdrHistogram
 *                     compressed base64), so two runs compare exactly, not through rounded text
 *   <phase>.hgrm      the standard HdrHistogram percentile distribution of each phase, for the
 *                     usual plotters: latency phases in milliseconds, count phases as counts
 *   timeline.jsonl    one TimelinePoint per second of the run
 *   report.html       a self-contained page with the charts (see html.ts)
 *
 * histograms.json and summary.json are the source of truth; the .hgrm files and the page are
 * views and are not read back.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { ErrorCode, toolError } from '../errors.js';
import type { HistogramSet } from '../metrics/histogram.js';
import { PACKAGE_VERSION } from '../package-info.js';
import { renderReportHtml } from './html.js';
import { parseTimeline, timelineJsonl, type TimelinePoint } from './timeline.js';

export type { TimelinePoint } from './timeline.js';

export const REPORT_FORMAT = 'cass2ddb-fast/run-report';
export const REPORT_FORMAT_VERSION = 1;

/**
 * What a phase's values are. `us`: microseconds (HistogramSet's default), written to .hgrm in
 * milliseconds. `count`: plain counts (retries per item, items per batch), written unscaled.
 */
export type PhaseUnit = 'us' | 'count';

/**
 * Phases that are counts without being declared so in `RunReportInput.phaseUnits`. Every other
 * undeclared phase is a latency in microseconds.
 */
export const COUNT_PHASES: ReadonlySet<string> = new Set(['retries-per-item', 'items-per-batch', 'attempts-per-batch']);

/** HdrHistogram's own choice for its percentile files: 5 ticks per half-distance. */
const HGRM_TICKS_PER_HALF = 5;
/** .hgrm scaling ratio per unit: µs → ms, counts as they are. */
const HGRM_SCALING: Readonly<Record<PhaseUnit, number>> = Object.freeze({ us: 1000, count: 1 });
/** HistogramSet's histograms are 32-bit buckets; decode into the same. */
const BIT_BUCKET_SIZE = 32;

export type SettingValue = string | number | boolean | null;

export interface RunReportInput {
  /** The command that ran, e.g. 'migrate'. */
  readonly command: string;
  /** ISO-8601 start of the run. */
  readonly startedAt: string;
  /** The end-of-run summary as plain JSON (e.g. `{ ...migrateSummary }`). */
  readonly summary: Record<string, unknown>;
  /** Resolved settings that shape performance (threads, splits, fetch size, in-flight…); no secrets. */
  readonly settings: Record<string, SettingValue>;
  /** Merged histograms per phase. */
  readonly histograms: HistogramSet;
  /** Unit per phase; an undeclared phase is `count` when in COUNT_PHASES, else `us`. */
  readonly phaseUnits?: Readonly<Record<string, PhaseUnit>>;
  /** One point per second of the run. */
  readonly timeline: readonly TimelinePoint[];
}

export interface PhaseHistogram {
  readonly phase: string;
  readonly unit: PhaseUnit;
  readonly histogram: hdr.Histogram;
}

/** A report as read back (or as about to be written). */
export interface RunReport {
  /** The directory it was read from or written to. */
  readonly dir: string;
  readonly command: string;
  readonly startedAt: string;
  readonly toolVersion: string;
  readonly settings: Readonly<Record<string, SettingValue>>;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly phases: readonly PhaseHistogram[];
  readonly timeline: readonly TimelinePoint[];
}

interface SummaryFile {
  readonly format: typeof REPORT_FORMAT;
  readonly formatVersion: number;
  readonly command: string;
  readonly startedAt: string;
  readonly toolVersion: string;
  readonly settings: Record<string, SettingValue>;
  readonly summary: Record<string, unknown>;
}

interface HistogramEntry {
  readonly unit: PhaseUnit;
  readonly encoded: string;
  readonly file: string;
}

export const REPORT_FILES = Object.freeze({
  summary: 'summary.json',
  histograms: 'histograms.json',
  timeline: 'timeline.jsonl',
  html: 'report.html',
});

export function phaseUnit(phase: string, declared?: Readonly<Record<string, PhaseUnit>>): PhaseUnit {
  return declared?.[phase] ?? (COUNT_PHASES.has(phase) ? 'count' : 'us');
}

/** The standard HdrHistogram percentile text of one phase (ms for latencies). */
export function hgrmText(p: PhaseHistogram): string {
  return p.histogram.outputPercentileDistribution(HGRM_TICKS_PER_HALF, HGRM_SCALING[p.unit]);
}

/**
 * Creates DIR (and its parents) and checks that it can hold a report. Call it before a long run
 * so that a bad `--report-dir` fails at the start, not after hours of copying.
 */
export function prepareReportDir(dir: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error('not a directory');
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw toolError(ErrorCode.USAGE, `cannot write a report to ${dir}: ${oneLine(error)}`);
  }
}

/**
 * Writes the report files into `dir` (created when missing; existing report files are
 * replaced) and returns their paths. The page is written last: the data files are there even
 * if rendering failed.
 */
export function writeRunReport(dir: string, input: RunReportInput): { files: string[] } {
  prepareReportDir(dir);
  const report: RunReport = {
    dir,
    command: input.command,
    startedAt: input.startedAt,
    toolVersion: PACKAGE_VERSION,
    settings: input.settings,
    summary: input.summary,
    phases: input.histograms.phases().map((phase) => ({
      phase,
      unit: phaseUnit(phase, input.phaseUnits),
      histogram: input.histograms.get(phase),
    })),
    timeline: input.timeline,
  };
  const files: string[] = [];
  const write = (name: string, text: string): void => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    files.push(file);
  };
  const summaryFile: SummaryFile = {
    format: REPORT_FORMAT,
    formatVersion: REPORT_FORMAT_VERSION,
    command: report.command,
    startedAt: report.startedAt,
    toolVersion: report.toolVersion,
    settings: input.settings,
    summary: input.summary,
  };
  write(REPORT_FILES.summary, `${JSON.stringify(summaryFile, null, 2)}\n`);
  const names = hgrmFileNames(report.phases.map((p) => p.phase));
  const entries: Record<string, HistogramEntry> = {};
  for (const p of report.phases) {
    const file = names.get(p.phase) as string;
    entries[p.phase] = { unit: p.unit, encoded: hdr.encodeIntoCompressedBase64(p.histogram), file };
    write(file, hgrmText(p));
  }
  write(REPORT_FILES.histograms, `${JSON.stringify(entries, null, 2)}\n`);
  write(REPORT_FILES.timeline, timelineJsonl(report.timeline));
  write(REPORT_FILES.html, renderReportHtml([report]));
  return { files };
}

/** Reads a report directory back; anything that is not one is a one-line ToolError(USAGE). */
export function readRunReport(dir: string): RunReport {
  if (!existsSync(dir)) throw notReport(dir, 'no such directory');
  if (!statSync(dir).isDirectory()) throw notReport(dir, 'a file, not a report directory');
  const summaryPath = path.join(dir, REPORT_FILES.summary);
  if (!existsSync(summaryPath)) throw notReport(dir, `no ${REPORT_FILES.summary} (write one with migrate --report-dir)`);
  const s = readJson(summaryPath);
  if (!isRecord(s) || s.format !== REPORT_FORMAT) throw notReport(dir, `${REPORT_FILES.summary} is not a cass2ddb-fast run report`);
  if (typeof s.formatVersion !== 'number' || s.formatVersion > REPORT_FORMAT_VERSION) {
    throw notReport(dir, `report format ${String(s.formatVersion)} is newer than this cass2ddb-fast reads (${REPORT_FORMAT_VERSION})`);
  }
  if (typeof s.command !== 'string' || typeof s.startedAt !== 'string' || !isRecord(s.settings) || !isRecord(s.summary)) {
    throw notReport(dir, `${REPORT_FILES.summary} lacks command, startedAt, settings or summary`);
  }
  const histogramsPath = path.join(dir, REPORT_FILES.histograms);
  if (!existsSync(histogramsPath)) throw notReport(dir, `no ${REPORT_FILES.histograms}`);
  const timelinePath = path.join(dir, REPORT_FILES.timeline);
  let timeline: TimelinePoint[] = [];
  if (existsSync(timelinePath)) {
    timeline = parseTimeline(readFileSync(timelinePath, 'utf8'), timelinePath);
  }
  return {
    dir,
    command: s.command,
    startedAt: s.startedAt,
    toolVersion: typeof s.toolVersion === 'string' ? s.toolVersion : 'unknown',
    settings: s.settings as Record<string, SettingValue>,
    summary: s.summary,
    phases: readHistograms(histogramsPath),
    timeline,
  };
}

function readHistograms(file: string): PhaseHistogram[] {
  const h = readJson(file);
  if (!isRecord(h)) throw toolError(ErrorCode.USAGE, `${file}: expected an object of phases`);
  const out: PhaseHistogram[] = [];
  for (const [phase, entry] of Object.entries(h)) {
    if (!isRecord(entry) || (entry.unit !== 'us' && entry.unit !== 'count') || typeof entry.encoded !== 'string') {
      throw toolError(ErrorCode.USAGE, `${file}: phase "${phase}" needs unit ('us' or 'count') and encoded`);
    }
    let histogram: hdr.Histogram;
    try {
      histogram = hdr.decodeFromCompressedBase64(entry.encoded, BIT_BUCKET_SIZE, false);
    } catch (error) {
      throw toolError(ErrorCode.USAGE, `${file}: phase "${phase}": cannot decode the histogram: ${oneLine(error)}`);
    }
    out.push({ phase, unit: entry.unit, histogram });
  }
  return out;
}

/** Safe, distinct file names: `page-fetch.hgrm`; anything outside [A-Za-z0-9_-] becomes `_`. */
export function hgrmFileNames(phases: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const phase of phases) {
    const base = phase.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
    let name = `${base}.hgrm`;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}.hgrm`;
    used.add(name);
    names.set(phase, name);
  }
  return names;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw toolError(ErrorCode.USAGE, `${file} is not valid JSON: ${oneLine(error)}`);
  }
}

function notReport(dir: string, why: string): Error {
  return toolError(ErrorCode.USAGE, `${dir} is not a run report: ${why}`);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
