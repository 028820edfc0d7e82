/**
 * A small inline-SVG chart: linear or log axes, lines (with gaps), bars on a second axis, a
 * legend. Just enough for the report's two kinds of chart; no dependency, no script, no
 * namespace URL (inline SVG in HTML needs none).
 */

export interface Tick {
  readonly value: number;
  readonly label: string;
}

export interface Axis {
  readonly kind: 'linear' | 'log';
  /** Data range; for a log axis both are positive. */
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly Tick[];
  readonly title: string;
}

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly kind: 'line' | 'bars';
  readonly dashed?: boolean;
  /** Plotted against the right axis (`y2`). */
  readonly right?: boolean;
  /** A null y breaks the line. */
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}

export interface ChartSpec {
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly y2?: Axis;
  readonly series: readonly Series[];
  /** Shown instead of the plot when there is nothing to draw. */
  readonly emptyText?: string;
  readonly width?: number;
  readonly height?: number;
}

const PAD = Object.freeze({ left: 64, right: 64, top: 36, bottom: 44 });
/** Baseline of the first legend row, and the height of each further row (which pushes the plot down). */
const LEGEND_TOP = 22;
const LEGEND_ROW = 16;

export const PALETTE = Object.freeze(['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2']);

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function chart(spec: ChartSpec): string {
  const width = spec.width ?? 760;
  const legendItems = legendLayout(spec.series, PAD.left, width - 8);
  const legendRows = Math.max(1, ...legendItems.map((i) => i.row + 1));
  const top = PAD.top + LEGEND_ROW * (legendRows - 1);
  const height = (spec.height ?? 340) + top - PAD.top;
  const plot = { x0: PAD.left, x1: width - PAD.right, y0: height - PAD.bottom, y1: top };
  const sx = scale(spec.x, plot.x0, plot.x1);
  const sy = scale(spec.y, plot.y0, plot.y1);
  const sy2 = spec.y2 === undefined ? sy : scale(spec.y2, plot.y0, plot.y1);
  const out: string[] = [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect class="frame" fill="none" stroke="#999" x="${plot.x0}" y="${plot.y1}" width="${plot.x1 - plot.x0}" height="${plot.y0 - plot.y1}"/>`,
  ];
  for (const t of spec.x.ticks) {
    const x = r(sx(t.value));
    out.push(`<line class="grid" stroke="#e3e3e3" x1="${x}" y1="${plot.y1}" x2="${x}" y2="${plot.y0}"/>`, `<text x="${x}" y="${plot.y0 + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of spec.y.ticks) {
    const y = r(sy(t.value));
    out.push(`<line class="grid" stroke="#e3e3e3" x1="${plot.x0}" y1="${y}" x2="${plot.x1}" y2="${y}"/>`, `<text x="${plot.x0 - 6}" y="${y + 4}" text-anchor="end">${escapeXml(t.label)}</text>`);
  }
  for (const t of spec.y2?.ticks ?? []) {
    out.push(`<text x="${plot.x1 + 6}" y="${r(sy2(t.value)) + 4}" text-anchor="start">${escapeXml(t.label)}</text>`);
  }
  out.push(`<text class="axis-title" x="${(plot.x0 + plot.x1) / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(spec.x.title)}</text>`);
  out.push(`<text class="axis-title" x="14" y="${(plot.y0 + plot.y1) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(plot.y0 + plot.y1) / 2})">${escapeXml(spec.y.title)}</text>`);
  if (spec.y2 !== undefined) {
    const cx = width - 12;
    out.push(`<text class="axis-title" x="${cx}" y="${(plot.y0 + plot.y1) / 2}" text-anchor="middle" transform="rotate(90 ${cx} ${(plot.y0 + plot.y1) / 2})">${escapeXml(spec.y2.title)}</text>`);
  }
  const drawable = spec.series.some((s) => s.points.some(([, y]) => y !== null));
  if (!drawable) {
    out.push(`<text class="empty" fill="#888" font-size="14" x="${(plot.x0 + plot.x1) / 2}" y="${(plot.y0 + plot.y1) / 2}" text-anchor="middle">${escapeXml(spec.emptyText ?? 'no data')}</text>`);
  }
  // Bars first, so that lines stay visible over them.
  for (const s of [...spec.series].sort((p, q) => Number(q.kind === 'bars') - Number(p.kind === 'bars'))) {
    const y = s.right === true ? sy2 : sy;
    out.push(s.kind === 'bars' ? bars(s, sx, y, plot, spec.x) : line(s, sx, y));
  }
  out.push(legend(legendItems), '</svg>');
  return out.join('\n');
}

function line(s: Series, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [x, y] of s.points) {
    if (y === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${r(sx(x))} ${r(sy(y))}`;
    pen = true;
  }
  if (d === '') return '';
  const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
  return `<path class="series" d="${d}" fill="none" stroke-width="2" stroke="${s.color}"${dash}><title>${escapeXml(s.name)}</title></path>`;
}

function bars(s: Series, sx: (v: number) => number, sy: (v: number) => number, plot: { x0: number; x1: number; y0: number }, x: Axis): string {
  const n = Math.max(1, x.max - x.min);
  const w = Math.max(1, ((plot.x1 - plot.x0) / n) * 0.8);
  const rects = s.points
    .filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0)
    .map(([px, py]) => {
      const top = r(sy(py));
      return `<rect x="${r(sx(px) - w / 2)}" y="${top}" width="${r(w)}" height="${r(plot.y0 - top)}"/>`;
    });
  if (rects.length === 0) return '';
  return `<g class="bars" fill="${s.color}" opacity="0.5"><title>${escapeXml(s.name)}</title>${rects.join('')}</g>`;
}

interface LegendItem {
  readonly series: Series;
  readonly x: number;
  readonly row: number;
}

/** Legend entries left to right, wrapping onto a new row when the next would pass `maxX`. */
function legendLayout(series: readonly Series[], x0: number, maxX: number): LegendItem[] {
  const items: LegendItem[] = [];
  let x = x0;
  let row = 0;
  for (const s of series) {
    const w = 34 + s.name.length * 6.5;
    if (x + w > maxX && x > x0) {
      x = x0;
      row++;
    }
    items.push({ series: s, x, row });
    x += w;
  }
  return items;
}

function legend(items: readonly LegendItem[]): string {
  const out = items.map(({ series: s, x, row }) => {
    const y = LEGEND_TOP + row * LEGEND_ROW;
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    const swatch = s.kind === 'bars'
      ? `<rect x="${x}" y="${y - 8}" width="18" height="9" fill="${s.color}" opacity="0.5"/>`
      : `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${s.color}" stroke-width="2.5"${dash}/>`;
    return `${swatch}<text x="${x + 22}" y="${y}">${escapeXml(s.name)}</text>`;
  });
  return `<g class="legend">${out.join('')}</g>`;
}

function scale(axis: Axis, from: number, to: number): (v: number) => number {
  if (axis.kind === 'log') {
    const lo = Math.log10(axis.min);
    const span = Math.log10(axis.max) - lo || 1;
    return (v) => from + ((Math.log10(Math.max(v, axis.min)) - lo) / span) * (to - from);
  }
  const span = axis.max - axis.min || 1;
  return (v) => from + ((v - axis.min) / span) * (to - from);
}

function r(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A linear axis from 0 with 1-2-5 ticks covering `max`. */
export function linearAxis(max: number, title: string, label: (v: number) => string = shortNumber): Axis {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const n = Math.max(1, Math.ceil(top / step - 1e-9));
  const ticks: Tick[] = [];
  for (let i = 0; i <= n; i++) ticks.push({ value: i * step, label: label(i * step) });
  return { kind: 'linear', min: 0, max: n * step, ticks, title };
}

/** A log axis over whole decades covering [min, max] (both > 0). */
export function logAxis(min: number, max: number, title: string, label: (v: number) => string): Axis {
  const finite = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 1);
  let lo = Math.floor(Math.log10(finite(min)));
  let hi = Math.ceil(Math.log10(Math.max(finite(max), finite(min))));
  if (hi <= lo) hi = lo + 1;
  if (hi - lo > 12) lo = hi - 12;
  const ticks: Tick[] = [];
  for (let k = lo; k <= hi; k++) ticks.push({ value: 10 ** k, label: label(10 ** k) });
  return { kind: 'log', min: 10 ** lo, max: 10 ** hi, ticks, title };
}

/** 950, 12k, 3.5M: tick labels. */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(v: number): string {
  return String(Math.round(v * 100) / 100);
}
