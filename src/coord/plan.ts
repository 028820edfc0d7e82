/**
 * The job's plan in the coordination table, written once: the first process wins a conditional
 * put of the plan item (state `creating`), writes every work item under its plan id, then marks
 * the plan `ready`. Every later process reads the plan, checks that it is the same job (source,
 * target, mapping: the identity key), and works on the stored items, not its own plan: two
 * processes' size estimates differ, the stored plan is the one truth.
 *
 * A creator that dies half-way leaves a `creating` plan: a process that sees it unchanged for
 * `staleMs` takes creation over with a write conditioned on the old plan id and writes the items
 * under a new plan id; items of the abandoned id are never read (they are garbage, not work).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, toolError } from '../errors.js';
import { PLAN_SK, itemSk, n, num, s, str, type Item, type LeaseTable } from './lease-table.js';

export interface PlanItem {
  readonly id: string;
  /** The task, JSON: what a worker needs to run the item. */
  readonly task: unknown;
  readonly parents?: readonly string[];
  readonly estimatedRows?: number;
  /** Written done: nothing to do (a stream shard closed before a LATEST start). */
  readonly done?: boolean;
}

export interface JobPlanIdentity {
  /** Compared between processes: the same key is the same job. */
  readonly key: string;
  /** What the job is, in words, for the refusal of another job. */
  readonly description: string;
  /** Settings the job keeps once (e.g. the rate budget); a later process uses these. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

export interface JoinedPlan {
  readonly planId: string;
  /** True when this process wrote the plan. */
  readonly created: boolean;
  readonly itemCount: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly createdBy: string;
}

export interface JoinOptions {
  readonly processId: string;
  /** How long a `creating` plan may stand unchanged before another process takes creation over. */
  readonly staleMs: number;
  readonly pollMs?: number;
  /** `--coordinator` text, for messages. */
  readonly coordinator: string;
}

function settingsOf(item: Item): Record<string, string | number | boolean> {
  try {
    return JSON.parse(str(item, 'settings') ?? '{}') as Record<string, string | number | boolean>;
  } catch {
    return {};
  }
}

/** Joins the job of the coordination table, writing its plan if nobody has. */
export async function joinPlan(table: LeaseTable, identity: JobPlanIdentity, items: () => readonly PlanItem[], o: JoinOptions): Promise<JoinedPlan> {
  const pollMs = o.pollMs ?? 500;
  let watched: { planId: string; sinceMs: number } | undefined;
  for (;;) {
    const plan = await table.get(PLAN_SK);
    if (plan === undefined) {
      const planId = randomUUID().slice(0, 8);
      const won = await table.putNew(PLAN_SK, {
        planId: s(planId), state: s('creating'), identityKey: s(identity.key), identity: s(identity.description),
        settings: s(JSON.stringify(identity.settings)), createdBy: s(o.processId), createdAt: s(new Date().toISOString()),
      });
      if (won) return writeItems(table, planId, identity, items(), o.processId);
      continue;
    }
    if (str(plan, 'identityKey') !== identity.key) {
      throw toolError(
        ErrorCode.USAGE,
        `${o.coordinator} holds another ${table.job} job (${str(plan, 'identity') ?? '?'}); this one is ${identity.description}: give this job a coordination table of its own, or add --fresh to drop the other job's state`,
      );
    }
    const planId = str(plan, 'planId') ?? '';
    if (str(plan, 'state') === 'ready') {
      return { planId, created: false, itemCount: num(plan, 'itemCount') ?? 0, settings: settingsOf(plan), createdBy: str(plan, 'createdBy') ?? '' };
    }
    const now = performance.now();
    if (watched?.planId !== planId) watched = { planId, sinceMs: now };
    if (now - watched.sinceMs >= o.staleMs) {
      const fresh = randomUUID().slice(0, 8);
      const took = await table.update(PLAN_SK, 'SET planId = :new, createdBy = :me, createdAt = :at', 'planId = :old AND #state = :creating', { '#state': 'state' }, {
        ':new': s(fresh), ':me': s(o.processId), ':at': s(new Date().toISOString()), ':old': s(planId), ':creating': s('creating'),
      });
      if (took !== undefined) return writeItems(table, fresh, { ...identity, settings: settingsOf(took) }, items(), o.processId);
      continue;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A work item's attributes as the plan writes them (and a monitor adds shards found later). */
export function itemAttributes(it: PlanItem): Item {
  return {
    id: s(it.id), state: s(it.done === true ? 'done' : 'pending'), counter: n(0), task: s(JSON.stringify(it.task)),
    ...(it.parents === undefined || it.parents.length === 0 ? {} : { parents: { SS: [...it.parents] } }),
    ...(it.estimatedRows === undefined ? {} : { estimatedRows: n(it.estimatedRows) }),
  };
}

async function writeItems(table: LeaseTable, planId: string, identity: JobPlanIdentity, list: readonly PlanItem[], processId: string): Promise<JoinedPlan> {
  await table.putAll(list.map((it) => ({
    sk: itemSk(planId, it.id),
    attributes: itemAttributes(it),
  })));
  // Ready only if the plan is still ours: a process that took creation over owns it now.
  const ready = await table.update(PLAN_SK, 'SET #state = :ready, itemCount = :count, readyAt = :at', 'planId = :id', { '#state': 'state' }, {
    ':ready': s('ready'), ':count': n(list.length), ':at': s(new Date().toISOString()), ':id': s(planId),
  });
  if (ready === undefined) throw toolError(ErrorCode.INTERNAL, `the plan this process was writing was taken over by another process (it stood still too long); run again to join that plan`);
  return { planId, created: true, itemCount: list.length, settings: identity.settings, createdBy: processId };
}
