/**
 * The processes of a coordinated job, as the coordination table knows them, and the job's rate
 * budget shared among them.
 *
 *   register ─▶ proc#<id> item: host, pid, orchestrator index, files, state
 *   every heartbeatMs: bump our heartbeat counter (with our totals), read every proc# item,
 *     note whose counters moved (our clock), and compute our share of the budget:
 *       share = budget / members alive     (a member: a process at work, holding leases)
 *   joining: a process that becomes a member takes no share for two heartbeats, time for every
 *     other member to count it and lower its own share first; leaving (no work, or the end)
 *     stops writing before the others see it gone and raise theirs. A dead process's share comes
 *     back once its counter has stood still for the lease time. Together the processes never
 *     exceed the budget; adaptive control still reacts to throttling within each share.
 */
import os from 'node:os';
import type { JobService } from '../engine/scheduler.js';
import { toPlainError, type PlainError } from '../errors.js';
import { PROC_PREFIX, n, num, procSk, s, str, type Item, type LeaseTable } from './lease-table.js';

export type ProcessState = 'running' | 'waiting' | 'finished' | 'failed' | 'interrupted';

export interface ProcessInfo {
  readonly processId: string;
  /** The orchestrator's index (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX), when there is one. */
  readonly index?: string;
  /** Where this process writes what stays per process (dead letters, report), for `status`. */
  readonly files: Readonly<Record<string, string>>;
}

export interface ProcessView {
  readonly processId: string;
  readonly host: string;
  readonly pid: number;
  readonly index?: string;
  readonly state: ProcessState;
  readonly member: boolean;
  readonly heartbeat: number;
  readonly heartbeatAt?: string;
  readonly startedAt?: string;
  readonly totals: Readonly<Record<string, number>>;
  readonly shares: Readonly<Record<string, number>>;
  readonly files: Readonly<Record<string, string>>;
  readonly exitStatus?: number;
}

export function processView(item: Item): ProcessView {
  const mapOf = <V>(name: string, f: (a: { S?: string; N?: string }) => V | undefined): Record<string, V> => {
    const out: Record<string, V> = {};
    for (const [k, v] of Object.entries(item[name]?.M ?? {})) {
      const x = f(v as { S?: string; N?: string });
      if (x !== undefined) out[k] = x;
    }
    return out;
  };
  const index = str(item, 'index');
  const heartbeatAt = str(item, 'heartbeatAt');
  const startedAt = str(item, 'startedAt');
  const exitStatus = num(item, 'exitStatus');
  return {
    processId: str(item, 'processId') ?? '',
    host: str(item, 'host') ?? '',
    pid: num(item, 'pid') ?? 0,
    ...(index === undefined ? {} : { index }),
    state: (str(item, 'state') ?? 'running') as ProcessState,
    member: item.member?.BOOL === true,
    heartbeat: num(item, 'heartbeat') ?? 0,
    ...(heartbeatAt === undefined ? {} : { heartbeatAt }),
    ...(startedAt === undefined ? {} : { startedAt }),
    totals: mapOf('totals', (a) => (a.N === undefined ? undefined : Number(a.N))),
    shares: mapOf('shares', (a) => (a.N === undefined ? undefined : Number(a.N))),
    files: mapOf('files', (a) => a.S),
    ...(exitStatus === undefined ? {} : { exitStatus }),
  };
}

export interface RegistryOptions {
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  /** The job's budgets per rate channel (`wcu`, `rcu`), when it has one. */
  readonly budgets: Readonly<Record<string, number>>;
  readonly now?: () => number;
}

export class ProcessRegistry implements JobService {
  private heartbeat = 0;
  private member = false;
  private memberSinceMs = -Infinity;
  private state: ProcessState = 'running';
  private readonly observed = new Map<string, { heartbeat: number; sinceMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private shares: Record<string, number> = {};
  /** Other processes alive and at work, at the last heartbeat. */
  otherMembers = 0;
  /** Every process of the job at the last heartbeat. */
  processes: ProcessView[] = [];
  /** A heartbeat that failed (the table unreachable): the next one tries again. */
  lastError: unknown;
  /** Told our share of each channel's budget whenever it is computed. */
  onShares: ((shares: Readonly<Record<string, number>>) => void) | undefined;
  /** Told of a heartbeat that failed. */
  onWarning: ((error: PlainError) => void) | undefined;
  /** Our totals for the heartbeat (rows, items, dead letters). */
  totals: (() => Record<string, number>) | undefined;

  constructor(
    private readonly table: LeaseTable,
    readonly info: ProcessInfo,
    private readonly o: RegistryOptions,
  ) {
    this.now = o.now ?? (() => performance.now());
  }

  async register(): Promise<void> {
    await this.table.put(procSk(this.info.processId), {
      processId: s(this.info.processId),
      host: s(os.hostname()),
      pid: n(process.pid),
      ...(this.info.index === undefined ? {} : { index: s(this.info.index) }),
      startedAt: s(new Date().toISOString()),
      state: s('running'),
      member: { BOOL: false },
      heartbeat: n(0),
      heartbeatAt: s(new Date().toISOString()),
      files: { M: Object.fromEntries(Object.entries(this.info.files).map(([k, v]) => [k, s(v)])) },
    });
    await this.beat();
  }

  start(): void {
    this.timer = setInterval(() => {
      this.beating = this.beating.then(() => this.beat());
    }, this.o.heartbeatMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** At work (holding leases) or not: only members take a share of the budget. */
  setMember(member: boolean): void {
    if (member === this.member) return;
    this.member = member;
    if (member) this.memberSinceMs = this.now();
    this.publish();
  }

  /** The job's budgets per channel, as the plan holds them. */
  get budgets(): Readonly<Record<string, number>> {
    return this.o.budgets;
  }

  /** Our share of a channel now; 0 while we are not a member or still joining. */
  share(channel: string): number {
    return this.shares[channel] ?? 0;
  }

  /** The last heartbeat: the process's end, its state and exit status. */
  async finish(state: ProcessState, exitStatus: number): Promise<void> {
    this.stop();
    await this.beating;
    this.state = state;
    this.member = false;
    this.publish();
    await this.beat({ exitStatus: n(exitStatus), finishedAt: s(new Date().toISOString()) });
  }

  /** Marks waiting / running for `status`. */
  setState(state: ProcessState): void {
    this.state = state;
  }

  private async beat(extra: Item = {}): Promise<void> {
    try {
      this.heartbeat++;
      const totals = this.totals?.() ?? {};
      const names = ['heartbeat', 'heartbeatAt', 'state', 'member', 'totals', 'shares', ...Object.keys(extra)];
      await this.table.update(
        procSk(this.info.processId),
        // Every name aliased: several (member, state) are DynamoDB reserved words.
        `SET ${names.map((k) => `#${k} = :${k}`).join(', ')}`,
        undefined,
        Object.fromEntries(names.map((k) => [`#${k}`, k])),
        {
          ':heartbeat': n(this.heartbeat), ':heartbeatAt': s(new Date().toISOString()), ':state': s(this.state), ':member': { BOOL: this.member },
          ':totals': { M: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, n(v)])) },
          ':shares': { M: Object.fromEntries(Object.entries(this.shares).map(([k, v]) => [k, n(Math.round(v * 1000) / 1000)])) },
          ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`:${k}`, v])),
        },
      );
      this.processes = (await this.table.query(PROC_PREFIX)).map(processView);
      const t = this.now();
      let others = 0;
      for (const p of this.processes) {
        if (p.processId === this.info.processId) continue;
        const seen = this.observed.get(p.processId);
        if (seen === undefined || seen.heartbeat !== p.heartbeat) this.observed.set(p.processId, { heartbeat: p.heartbeat, sinceMs: t });
        const alive = t - (this.observed.get(p.processId)?.sinceMs ?? t) < this.o.leaseMs;
        if (alive && p.member && p.state !== 'finished' && p.state !== 'failed' && p.state !== 'interrupted') others++;
      }
      this.otherMembers = others;
      this.lastError = undefined;
      this.publish();
    } catch (error) {
      // Tried again at the next heartbeat; others count this process dead only past the lease time.
      this.lastError = error;
      this.onWarning?.(toPlainError(error));
    }
  }

  private publish(): void {
    const joining = this.now() - this.memberSinceMs < 2 * this.o.heartbeatMs;
    const shares: Record<string, number> = {};
    for (const [channel, budget] of Object.entries(this.o.budgets)) {
      shares[channel] = !this.member || joining ? 0 : budget / (this.otherMembers + 1);
    }
    this.shares = shares;
    this.onShares?.(shares);
  }
}
