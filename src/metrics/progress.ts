/**
 * Progress output in three modes: a redrawn bar on a TTY (stderr), a line every few seconds when
 * stderr is not a TTY, and JSON lines on stdout with `--json`. The final summary is the
 * command's business; this file only reports the way there.
 */
import type { Writable } from 'node:stream';
import { DEFAULTS } from '../config/defaults.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

export interface ProgressSnapshot {
  readonly done: number;
  /** Total expected, when known. */
  readonly total?: number;
  readonly ratePerSec: number;
  readonly elapsedMs: number;
  /** Extra fields, shown after the bar and included in JSON events. */
  readonly extra?: Readonly<Record<string, string | number>>;
  /** Fields for JSON events only (numbers a script reads). */
  readonly jsonExtra?: Readonly<Record<string, string | number | null>>;
}

export function progressMode(json: boolean, stderr: Writable): ProgressMode {
  if (json) return 'json';
  return (stderr as { isTTY?: boolean }).isTTY === true ? 'tty' : 'plain';
}

export class ProgressDisplay {
  private lastPrintMs = -Infinity;
  private drawn = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly out: { stdout: Writable; stderr: Writable },
    private readonly unit: string,
    private readonly command: string,
  ) {}

  /** Prints a JSON event (json mode) or a plain line on stderr (other modes). */
  event(name: string, fields: Record<string, unknown>, human?: string): void {
    if (this.mode === 'json') {
      this.out.stdout.write(`${JSON.stringify({ event: name, command: this.command, ...fields })}\n`);
    } else if (human !== undefined) {
      this.clear();
      this.out.stderr.write(`${human}\n`);
    }
  }

  update(s: ProgressSnapshot, force = false): void {
    const now = performance.now();
    const every = this.mode === 'tty' ? 100 : this.mode === 'json' ? DEFAULTS.jsonProgressEveryMs : DEFAULTS.plainProgressEveryMs;
    if (!force && now - this.lastPrintMs < every) return;
    this.lastPrintMs = now;
    switch (this.mode) {
      case 'json':
        this.event('progress', {
          done: s.done,
          total: s.total ?? null,
          ratePerSec: Math.round(s.ratePerSec),
          elapsedMs: Math.round(s.elapsedMs),
          ...s.extra,
          ...s.jsonExtra,
        });
        return;
      case 'plain':
        this.out.stderr.write(`${this.line(s)}\n`);
        return;
      case 'tty': {
        const width = Math.max(40, ((this.out.stderr as { columns?: number }).columns ?? 100) - 1);
        this.out.stderr.write(`\r\x1b[2K${this.bar(s, width)}`);
        this.drawn = true;
        return;
      }
      default: {
        const never: never = this.mode;
        throw new Error(`unknown progress mode ${String(never)}`);
      }
    }
  }

  /** Removes the bar so the next output starts on a clean line. */
  clear(): void {
    if (this.drawn) {
      this.out.stderr.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  private line(s: ProgressSnapshot): string {
    const total = s.total === undefined ? '' : ` of ${fmtInt(s.total)}`;
    const pct = s.total ? ` (${((100 * s.done) / s.total).toFixed(1)}%)` : '';
    const extra = s.extra ? Object.entries(s.extra).map(([k, v]) => `  ${k} ${typeof v === 'number' ? fmtInt(v) : v}`).join('') : '';
    return `${fmtInt(s.done)}${total} ${this.unit}${pct}  ${fmtInt(Math.round(s.ratePerSec))} ${this.unit}/s  elapsed ${fmtDuration(s.elapsedMs)}${eta(s)}${extra}`;
  }

  private bar(s: ProgressSnapshot, width: number): string {
    const text = ` ${this.line(s)}`;
    if (s.total === undefined || s.total === 0) return text.slice(0, width);
    const barWidth = Math.max(10, Math.min(30, width - text.length - 2));
    const filled = Math.min(barWidth, Math.round((barWidth * s.done) / s.total));
    return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${text}`.slice(0, width);
  }
}

function eta(s: ProgressSnapshot): string {
  if (s.total === undefined || s.ratePerSec <= 0 || s.done >= s.total) return '';
  return `  ETA ${fmtDuration(((s.total - s.done) / s.ratePerSec) * 1000)}`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const totalSec = Math.round(ms / 1000);
  if (totalSec < 60) return `${(ms / 1000).toFixed(1)} s`;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec % 3600) / 60);
  const sec = totalSec % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}
