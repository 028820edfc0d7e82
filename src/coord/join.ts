/**
 * Joining a coordinated job, whatever the command: the coordination table opened (created on
 * demand), the job dropped first with --fresh, the plan joined (or written), this process's
 * lease source and registry made. The command adds what it does with them.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { ThroughputControl } from '../engine/throughput.js';
import type { PlainError } from '../errors.js';
import type { ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { LeaseSource } from './lease-source.js';
import { joinPlan, type JobPlanIdentity, type JoinedPlan, type PlanItem } from './plan.js';
import { ProcessRegistry } from './processes.js';
import { coordinationEndpoint, dropJob, openCoordinationTable, type CoordinationTable, type CoordinatorConfig } from './session.js';

export interface JoinRequest<T> {
  /** The job's name in the table: the command. */
  readonly job: 'migrate' | 'verify' | 'monitor';
  readonly config: CoordinatorConfig;
  /** The target's endpoint: the coordination table's too, unless --coordinator-endpoint-url. */
  readonly endpoint: ResolvedEndpoint;
  readonly identity: JobPlanIdentity;
  /** The plan, made only when this process writes it. */
  readonly items: () => readonly PlanItem[];
  readonly decode: (taskJson: string) => T;
  readonly fresh: boolean;
  readonly files: Readonly<Record<string, string>>;
}

export interface JoinedJob<T> {
  readonly session: CoordinationTable;
  readonly plan: JoinedPlan;
  readonly source: LeaseSource<T>;
  readonly registry: ProcessRegistry;
  /** Items of the job dropped by --fresh before this run. */
  readonly dropped: number;
}

/** The budgets (rate per channel) a plan's settings hold: `budget.<channel>` = per second. */
export function budgetsOf(settings: Readonly<Record<string, string | number | boolean>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(settings)) if (k.startsWith('budget.') && typeof v === 'number') out[k.slice('budget.'.length)] = v;
  return out;
}

/** What a command hands its joined job: how it warns, its totals, its rate controls per budget channel. */
export interface JobHooks {
  readonly warn: (error: PlainError) => void;
  readonly totals: () => Record<string, number>;
  /** The rate control each budget channel limits (`wcu`, `rcu`, `items`). */
  readonly controls: Readonly<Record<string, ThroughputControl>>;
}

/**
 * Wires a joined job into the command's run: the heartbeat carries the totals, each budget's
 * share is its control's ceiling (none at all before the first share: nothing is written before
 * the others have counted this process), and holding leases makes the process a member.
 */
export function attachJob<T>(joined: JoinedJob<T>, hooks: JobHooks): void {
  const { registry, source } = joined;
  registry.totals = hooks.totals;
  const limited = Object.keys(registry.budgets).filter((c) => hooks.controls[c] !== undefined);
  for (const c of limited) hooks.controls[c]!.setCeiling(0);
  if (limited.length > 0) registry.onShares = (shares) => {
    for (const c of limited) hooks.controls[c]!.setCeiling(shares[c] ?? 0);
  };
  source.onWarning = (e) => hooks.warn({ ...e, message: `renewing a lease: ${e.message}` });
  registry.onWarning = (e) => hooks.warn({ ...e, message: `heartbeat: ${e.message}` });
  source.onBusy = (busy) => {
    registry.setMember(busy);
    registry.setState(busy ? 'running' : 'waiting');
  };
}

export async function joinCoordinatedJob<T>(r: JoinRequest<T>): Promise<JoinedJob<T>> {
  const session = await openCoordinationTable(await coordinationEndpoint(r.config, { endpoint: r.endpoint }), r.config, r.job);
  try {
    const dropped = r.fresh ? await dropJob(session.table, r.config.leaseMs, r.config.text) : 0;
    const plan = await joinPlan(session.table, r.identity, r.items, { processId: r.config.processId, staleMs: DEFAULTS.coordination.planStaleMs, coordinator: r.config.text });
    const source = new LeaseSource<T>(session.table, { processId: r.config.processId, planId: plan.planId, leaseMs: r.config.leaseMs, pollMs: r.config.pollMs }, r.decode);
    // The budgets are the job's, as its first process wrote them: every process shares the same.
    const registry = new ProcessRegistry(session.table, { processId: r.config.processId, ...(r.config.index === undefined ? {} : { index: r.config.index }), files: r.files }, {
      heartbeatMs: r.config.heartbeatMs,
      leaseMs: r.config.leaseMs,
      budgets: budgetsOf(plan.settings),
    });
    await source.refresh();
    return { session, plan, source, registry, dropped };
  } catch (error) {
    session.close();
    throw error;
  }
}
