/**
 * `status`: a coordinated job as its coordination table holds it, read once (no process is
 * asked anything): items done / in progress (by whom, since when, position) / free / given up,
 * the processes and their heartbeats, rate shares, totals, an ETA, and where each process keeps
 * what stays per process (dead letters, report).
 */
import { ringShare } from '../plan/token-ranges.js';
import { PLAN_SK, PROC_PREFIX, itemPrefix, str, type LeaseTable } from './lease-table.js';
import { viewOf, type ItemView } from './lease-source.js';
import { processView, type ProcessView } from './processes.js';
import { budgetsOf } from './join.js';

export interface JobStatus {
  readonly job: string;
  readonly planId: string;
  readonly planState: string;
  readonly identity: string;
  readonly createdBy: string;
  readonly createdAt?: string;
  readonly items: { readonly total: number; readonly done: number; readonly inProgress: number; readonly free: number; readonly givenUp: number };
  /** Share of the token ring done (token-range jobs), counting positions within ranges in progress. */
  readonly ringDone?: number;
  readonly inProgress: ReadonlyArray<{ readonly id: string; readonly owner: string; readonly since?: string; readonly position?: string; readonly ownerAlive: boolean }>;
  readonly givenUp: ReadonlyArray<{ readonly id: string; readonly by: readonly string[] }>;
  /** deadLetters: a migrate job's, exact (as counts.deadLetters). */
  readonly totals: { readonly rowsRead: number; readonly itemsWritten: number; readonly deadLetters?: number };
  /** The items' own counts, exact (each counted in its lease): migrate's deadLetters, verify's and monitor's differences. */
  readonly counts: Readonly<Record<string, number>>;
  readonly processes: ReadonlyArray<ProcessView & { readonly heartbeatAgeSec: number | null; readonly alive: boolean }>;
  readonly budgets: Readonly<Record<string, number>>;
  readonly etaSec: number | null;
}

interface Span {
  readonly start: string;
  readonly end: string;
}

function spanOf(taskJson: string): Span | undefined {
  try {
    const t = JSON.parse(taskJson) as Partial<Span> & { range?: Partial<Span> };
    const r = t.range ?? t;
    return typeof r.start === 'string' && typeof r.end === 'string' ? { start: r.start, end: r.end } : undefined;
  } catch {
    return undefined;
  }
}

/** The status of `table.job`, or undefined when the table holds no plan of it. */
export async function readJobStatus(table: LeaseTable, leaseMs: number, nowMs = Date.now()): Promise<JobStatus | undefined> {
  const plan = await table.get(PLAN_SK);
  if (plan === undefined) return undefined;
  const planId = str(plan, 'planId') ?? '';
  const items = (await table.query(itemPrefix(planId))).map(viewOf);
  const processes = (await table.query(PROC_PREFIX)).map(processView).map((p) => {
    const at = p.heartbeatAt === undefined ? Number.NaN : Date.parse(p.heartbeatAt);
    const age = Number.isFinite(at) ? Math.max(0, (nowMs - at) / 1000) : null;
    // By the process's own clock: `status` has no other; a lease is taken over by observation, not by this.
    const alive = (p.state === 'running' || p.state === 'waiting') && age !== null && age * 1000 < leaseMs;
    return { ...p, heartbeatAgeSec: age === null ? null : Math.round(age * 10) / 10, alive };
  });
  const aliveIds = new Set(processes.filter((p) => p.alive).map((p) => p.processId));
  const done = items.filter((v) => v.state === 'done');
  const running = items.filter((v) => v.state === 'pending' && v.owner !== undefined);
  const givenUp = items.filter((v) => v.state === 'pending' && v.owner === undefined && v.failedBy.length > 0);
  const free = items.filter((v) => v.state === 'pending' && v.owner === undefined);
  const ringDone = ringOf(items);
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(str(plan, 'settings') ?? '{}') as Record<string, unknown>;
  } catch {
    /* an unreadable settings field is shown as none */
  }
  const budgets = budgetsOf(settings as Record<string, string | number | boolean>);
  const createdAt = str(plan, 'createdAt');
  const elapsedSec = createdAt === undefined ? Number.NaN : (nowMs - Date.parse(createdAt)) / 1000;
  const doneShare = ringDone ?? (items.length === 0 ? 0 : done.length / items.length);
  const etaSec = doneShare > 0 && doneShare < 1 && Number.isFinite(elapsedSec) ? Math.round((elapsedSec * (1 - doneShare)) / doneShare) : doneShare >= 1 ? 0 : null;
  const sum = (name: string): number => processes.reduce((a, p) => a + (p.totals[name] ?? 0), 0);
  const counts = countsOf(items, table.job === 'migrate' ? ['deadLetters'] : ['differences']);
  return {
    job: table.job,
    planId,
    planState: str(plan, 'state') ?? '?',
    identity: str(plan, 'identity') ?? '?',
    createdBy: str(plan, 'createdBy') ?? '?',
    ...(createdAt === undefined ? {} : { createdAt }),
    items: { total: items.length, done: done.length, inProgress: running.length, free: free.length, givenUp: givenUp.length },
    ...(ringDone === undefined ? {} : { ringDone }),
    inProgress: running.map((v) => ({ id: v.id, owner: v.owner as string, ...(v.since === undefined ? {} : { since: v.since }), ...(v.cursor === undefined ? {} : { position: v.cursor }), ownerAlive: aliveIds.has(v.owner as string) })),
    givenUp: givenUp.map((v) => ({ id: v.id, by: v.failedBy })),
    totals: { rowsRead: sum('rowsRead'), itemsWritten: sum('itemsWritten'), ...(table.job === 'migrate' ? { deadLetters: counts.deadLetters ?? 0 } : {}) },
    counts,
    processes,
    budgets,
    etaSec,
  };
}

function countsOf(items: readonly ItemView[], names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((k) => [k, 0]));
  for (const v of items) for (const [k, c] of Object.entries(v.counts)) out[k] = (out[k] ?? 0) + c;
  return out;
}

/** Share of the ring done, positions of ranges in progress included; undefined for items that are no token ranges. */
function ringOf(items: readonly ItemView[]): number | undefined {
  let total = 0;
  let done = 0;
  for (const v of items) {
    const span = spanOf(v.taskJson);
    if (span === undefined) return undefined;
    const share = ringShare(span.start, span.end);
    total += share;
    if (v.state === 'done') done += share;
    else if (v.cursor !== undefined && /^-?\d+$/.test(v.cursor)) done += ringShare(span.start, v.cursor);
  }
  return total > 0 ? done / total : undefined;
}

/** Rows and items in the words of the job (each process's last heartbeat), then its exact counts. */
function soFar(st: JobStatus): string {
  const f = (x: number): string => x.toLocaleString('en-US');
  const [rows, items] = st.job === 'migrate' ? ['rows read', 'items written'] : st.job === 'verify' ? ['rows checked', 'matched'] : ['events', 'matched'];
  const counts = Object.entries(st.counts).map(([k, v]) => `${f(v)} ${k === 'deadLetters' ? 'dead letters' : k}`).join(', ');
  return `${f(st.totals.rowsRead)} ${rows}, ${f(st.totals.itemsWritten)} ${items} (each process's last heartbeat); ${counts}`;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

export function formatJobStatus(st: JobStatus, coordinator: string): string {
  const lines = [
    `${st.job} job in ${coordinator}: ${st.identity}`,
    `  plan           ${st.planId} (${st.planState}), written by ${st.createdBy}${st.createdAt === undefined ? '' : ` at ${st.createdAt}`}`,
    `  items          ${st.items.done} done, ${st.items.inProgress} in progress, ${st.items.free} free${st.items.givenUp > 0 ? ` (${st.items.givenUp} given up by a process)` : ''}, of ${st.items.total}` +
      (st.ringDone === undefined ? '' : `; ${pct(st.ringDone)} of the ring`),
    `  so far         ${soFar(st)}`,
    `  ETA            ${st.etaSec === null ? '?' : st.etaSec === 0 ? 'done' : `${st.etaSec} s (from the share done since the plan was written)`}`,
    `  budget         ${Object.keys(st.budgets).length === 0 ? 'none' : Object.entries(st.budgets).map(([c, v]) => `${v.toLocaleString('en-US')} ${c}/s`).join(', ')}`,
    `  processes      ${st.processes.filter((p) => p.alive).length} alive of ${st.processes.length}`,
  ];
  for (const p of st.processes) {
    const shares = Object.entries(p.shares).map(([c, v]) => `${Math.round(v).toLocaleString('en-US')} ${c}/s`).join(', ');
    lines.push(
      `    ${p.processId}  ${p.alive ? p.state : p.state === 'running' || p.state === 'waiting' ? `${p.state}, silent` : p.state}${p.exitStatus === undefined ? '' : ` (exit ${p.exitStatus})`}` +
        `, heartbeat ${p.heartbeatAgeSec === null ? '?' : `${p.heartbeatAgeSec} s`} ago, ${(p.totals.rowsRead ?? 0).toLocaleString('en-US')} rows` +
        (shares === '' ? '' : `, share ${shares}`) + ` — ${p.host} pid ${p.pid}${p.index === undefined ? '' : ` index ${p.index}`}`,
    );
    for (const [what, file] of Object.entries(p.files)) lines.push(`        ${what.padEnd(12)} ${file} (on ${p.host})`);
  }
  if (st.inProgress.length > 0) {
    lines.push('  in progress');
    for (const r of st.inProgress) lines.push(`    ${r.id.padEnd(8)} ${r.owner}${r.ownerAlive ? '' : ' (silent: taken over once its lease time passes)'} since ${r.since ?? '?'}${r.position === undefined ? '' : `, at ${r.position}`}`);
  }
  if (st.givenUp.length > 0) lines.push(`  given up       ${st.givenUp.map((g) => `${g.id} (by ${g.by.join(', ')})`).join('; ')}`);
  return `${lines.join('\n')}\n`;
}
