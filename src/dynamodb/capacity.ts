/**
 * Where a job's adaptive rate starts: what the target table can take at once, read from the
 * DescribeTable answer the checks at start already have (issue 10, item 4: from a fixed 1,000
 * WCU/s, a 100,000-row copy into a new on-demand table spent most of its first 20 s ramping).
 *
 *   provisioned  the table's WriteCapacityUnits, or a global secondary index's when lower (an
 *                index short of write capacity throttles the table's writes); reads: the
 *                table's ReadCapacityUnits
 *   on-demand    the table's WarmThroughput, what it takes at once (4,000 write / 12,000 read
 *                units/s for a new table; more after a peak or pre-warming), or an index's when
 *                lower, or an OnDemandThroughput maximum when lower; no WarmThroughput reported
 *                (older services, emulators): the new-table figures
 *   neither      (no billing mode, no provisioned units: a test double) DEFAULTS.rateController.initialRate
 *
 * `tableCapacity` reads the answer into plain data once; `startRate` applies a job's rate mode
 * (--max-wcu / --max-rcu ceilings; fixed and unlimited modes keep their own rate).
 */
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { DEFAULTS } from '../config/defaults.js';
import type { RateMode } from '../engine/throughput.js';

export type CapacityChannel = 'write' | 'read';

/** What one channel of the table takes at once. */
export interface ChannelCapacity {
  readonly unitsPerSec: number;
  /** One line: "provisioned 500 WCU", "on-demand, warm throughput 4,000 WCU/s". */
  readonly reason: string;
}

/** A table's capacity as DescribeTable states it; null: the answer says nothing of that channel. */
export interface TableCapacity {
  readonly write: ChannelCapacity | null;
  readonly read: ChannelCapacity | null;
}

/** Where a rate control starts. */
export interface StartRate {
  /** Per second, in the mode's unit (write/read units, or items for --rate); null: no limit. */
  readonly rate: number | null;
  readonly reason: string;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const known = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n > 0;

interface Limit {
  readonly units: number;
  readonly reason: string;
}

/** The lowest limit, or null when there is none. */
function lowest(limits: readonly (Limit | undefined)[]): ChannelCapacity | null {
  let min: Limit | undefined;
  for (const l of limits) if (l !== undefined && (min === undefined || l.units < min.units)) min = l;
  return min === undefined ? null : { unitsPerSec: min.units, reason: min.reason };
}

function provisioned(table: TableDescription, channel: CapacityChannel): ChannelCapacity | null {
  const unit = channel === 'write' ? 'WCU' : 'RCU';
  const own = channel === 'write' ? table.ProvisionedThroughput?.WriteCapacityUnits : table.ProvisionedThroughput?.ReadCapacityUnits;
  if (!known(own)) return null;
  // A job reads the table itself, never an index: only writes are held back by an index.
  const indexes = channel === 'read' ? [] : (table.GlobalSecondaryIndexes ?? []).map((g): Limit | undefined => {
    const units = g.ProvisionedThroughput?.WriteCapacityUnits;
    return known(units) ? { units, reason: `provisioned ${fmt(units)} WCU on index '${g.IndexName ?? '?'}', ${fmt(own)} on the table` } : undefined;
  });
  return lowest([{ units: own, reason: `provisioned ${fmt(own)} ${unit}` }, ...indexes]);
}

function onDemand(table: TableDescription, channel: CapacityChannel): ChannelCapacity {
  const write = channel === 'write';
  const unit = write ? 'WCU/s' : 'RCU/s';
  const { newOnDemandWriteUnitsPerSec, newOnDemandReadUnitsPerSec } = DEFAULTS.rateController;
  const fresh = write ? newOnDemandWriteUnitsPerSec : newOnDemandReadUnitsPerSec;
  const warm = write ? table.WarmThroughput?.WriteUnitsPerSecond : table.WarmThroughput?.ReadUnitsPerSecond;
  // -1 (or absent): no maximum set.
  const max = write ? table.OnDemandThroughput?.MaxWriteRequestUnits : table.OnDemandThroughput?.MaxReadRequestUnits;
  const limits: Array<Limit | undefined> = [
    known(warm)
      ? { units: warm, reason: `on-demand, warm throughput ${fmt(warm)} ${unit}` }
      : { units: fresh, reason: `on-demand, no warm throughput reported: ${fmt(fresh)} ${unit}, what a new on-demand table takes at once` },
    known(max) ? { units: max, reason: `on-demand, OnDemandThroughput maximum ${fmt(max)} ${unit}` } : undefined,
  ];
  if (write) {
    for (const g of table.GlobalSecondaryIndexes ?? []) {
      const name = g.IndexName ?? '?';
      const w = g.WarmThroughput?.WriteUnitsPerSecond;
      const m = g.OnDemandThroughput?.MaxWriteRequestUnits;
      if (known(w)) limits.push({ units: w, reason: `on-demand, warm throughput ${fmt(w)} ${unit} on index '${name}'` });
      if (known(m)) limits.push({ units: m, reason: `on-demand, OnDemandThroughput maximum ${fmt(m)} ${unit} on index '${name}'` });
    }
  }
  // The first limit is always there.
  return lowest(limits) as ChannelCapacity;
}

/**
 * What DescribeTable's `Table` says the table takes at once, per channel. A table without a
 * BillingModeSummary was never on-demand: provisioned (DescribeTable's documented behaviour).
 */
export function tableCapacity(table: TableDescription): TableCapacity {
  if (table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') return { write: onDemand(table, 'write'), read: onDemand(table, 'read') };
  return { write: provisioned(table, 'write'), read: provisioned(table, 'read') };
}

/**
 * The rate a job's control for `channel` starts at, and why: for the adaptive mode, the table's
 * capacity within the ceiling (`maxWcu`: --max-wcu, or --max-rcu for reads); the fixed and
 * unlimited modes start (and stay) where they are set.
 */
export function startRate(mode: RateMode, capacity: TableCapacity | undefined, channel: CapacityChannel = 'write'): StartRate {
  switch (mode.kind) {
    case 'adaptive': {
      const unit = channel === 'write' ? 'WCU/s' : 'RCU/s';
      const { initialRate } = DEFAULTS.rateController;
      const fact = capacity?.[channel] ?? { unitsPerSec: initialRate, reason: `no capacity in DescribeTable: ${fmt(initialRate)} ${unit}, a cautious start` };
      if (mode.maxWcu !== undefined && mode.maxWcu < fact.unitsPerSec) {
        return { rate: mode.maxWcu, reason: `${fact.reason}; held to ${channel === 'write' ? '--max-wcu' : '--max-rcu'} ${fmt(mode.maxWcu)}` };
      }
      return { rate: fact.unitsPerSec, reason: fact.reason };
    }
    case 'fixed-items':
      return { rate: mode.itemsPerSec, reason: 'fixed by --rate' };
    case 'fixed-wcu':
      return { rate: mode.wcu, reason: 'fixed by --max-wcu with --no-adaptive' };
    case 'unlimited':
      return { rate: null, reason: 'unlimited (--no-adaptive)' };
    default:
      throw new Error(`unknown rate mode ${JSON.stringify(mode satisfies never)}`);
  }
}
