/**
 * Where a job's rate starts (src/dynamodb/capacity.ts): DescribeTable answers as AWS and
 * DynamoDB Local give them, read into what the table takes at once, then a job's rate mode.
 */
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { startRate, tableCapacity, type TableCapacity } from '../../../src/dynamodb/capacity.js';

const provisioned = (write: number, read: number, extra: Partial<TableDescription> = {}): TableDescription => ({
  TableName: 't',
  BillingModeSummary: { BillingMode: 'PROVISIONED' },
  ProvisionedThroughput: { ReadCapacityUnits: read, WriteCapacityUnits: write, NumberOfDecreasesToday: 0 },
  ...extra,
});

/** On AWS an on-demand table reports zero provisioned units. */
const onDemand = (extra: Partial<TableDescription> = {}): TableDescription => ({
  TableName: 't',
  BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
  ...extra,
});

describe('tableCapacity: provisioned', () => {
  it('takes the table’s provisioned units', () => {
    expect(tableCapacity(provisioned(500, 300))).toEqual({
      write: { unitsPerSec: 500, reason: 'provisioned 500 WCU' },
      read: { unitsPerSec: 300, reason: 'provisioned 300 RCU' },
    });
  });

  it('takes a global secondary index’s write units when lower: it throttles the table’s writes; reads stay the table’s', () => {
    const table = provisioned(500, 300, {
      GlobalSecondaryIndexes: [
        { IndexName: 'by_email', ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 800 } },
        { IndexName: 'by_city', ProvisionedThroughput: { ReadCapacityUnits: 10, WriteCapacityUnits: 200 } },
      ],
    });
    expect(tableCapacity(table)).toEqual({
      write: { unitsPerSec: 200, reason: "provisioned 200 WCU on index 'by_city', 500 on the table" },
      read: { unitsPerSec: 300, reason: 'provisioned 300 RCU' },
    });
  });

  it('keeps the table’s units when every index has more', () => {
    const table = provisioned(500, 300, { GlobalSecondaryIndexes: [{ IndexName: 'i', ProvisionedThroughput: { WriteCapacityUnits: 500 } }] });
    expect(tableCapacity(table).write).toEqual({ unitsPerSec: 500, reason: 'provisioned 500 WCU' });
  });

  it('reads a table without BillingModeSummary as provisioned: DescribeTable leaves it out for tables never on-demand (DynamoDB Local 3.1 too)', () => {
    const { BillingModeSummary: _b, ...table } = provisioned(40_000, 12_000);
    expect(tableCapacity(table).write).toEqual({ unitsPerSec: 40_000, reason: 'provisioned 40,000 WCU' });
  });

  it('states nothing when the answer has neither a billing mode nor provisioned units (a test double)', () => {
    expect(tableCapacity({ TableName: 't' })).toEqual({ write: null, read: null });
  });
});

describe('tableCapacity: on-demand', () => {
  it('takes the table’s warm throughput', () => {
    expect(tableCapacity(onDemand({ WarmThroughput: { WriteUnitsPerSecond: 4_000, ReadUnitsPerSecond: 12_000, Status: 'ACTIVE' } }))).toEqual({
      write: { unitsPerSec: 4_000, reason: 'on-demand, warm throughput 4,000 WCU/s' },
      read: { unitsPerSec: 12_000, reason: 'on-demand, warm throughput 12,000 RCU/s' },
    });
    expect(tableCapacity(onDemand({ WarmThroughput: { WriteUnitsPerSecond: 25_000, ReadUnitsPerSecond: 40_000 } })).write?.unitsPerSec).toBe(25_000);
  });

  it('without warm throughput (DynamoDB Local), takes what a new on-demand table takes at once', () => {
    expect(tableCapacity(onDemand())).toEqual({
      write: { unitsPerSec: 4_000, reason: 'on-demand, no warm throughput reported: 4,000 WCU/s, what a new on-demand table takes at once' },
      read: { unitsPerSec: 12_000, reason: 'on-demand, no warm throughput reported: 12,000 RCU/s, what a new on-demand table takes at once' },
    });
    expect(DEFAULTS.rateController.newOnDemandWriteUnitsPerSec).toBe(4_000);
  });

  it('takes an index’s warm throughput or a maximum throughput when lower', () => {
    const warm = { WarmThroughput: { WriteUnitsPerSecond: 10_000, ReadUnitsPerSecond: 30_000 } };
    expect(tableCapacity(onDemand({ ...warm, GlobalSecondaryIndexes: [{ IndexName: 'g', WarmThroughput: { WriteUnitsPerSecond: 4_000, ReadUnitsPerSecond: 12_000 } }] }))).toEqual({
      write: { unitsPerSec: 4_000, reason: "on-demand, warm throughput 4,000 WCU/s on index 'g'" },
      read: { unitsPerSec: 30_000, reason: 'on-demand, warm throughput 30,000 RCU/s' },
    });
    const capped = tableCapacity(onDemand({ ...warm, OnDemandThroughput: { MaxWriteRequestUnits: 2_500, MaxReadRequestUnits: -1 } }));
    expect(capped.write).toEqual({ unitsPerSec: 2_500, reason: "on-demand, OnDemandThroughput maximum 2,500 WCU/s" });
    // -1: no maximum
    expect(capped.read?.unitsPerSec).toBe(30_000);
    const index = tableCapacity(onDemand({ ...warm, GlobalSecondaryIndexes: [{ IndexName: 'g', OnDemandThroughput: { MaxWriteRequestUnits: 800, MaxReadRequestUnits: 100 } }] }));
    expect(index).toEqual({
      write: { unitsPerSec: 800, reason: "on-demand, OnDemandThroughput maximum 800 WCU/s on index 'g'" },
      read: { unitsPerSec: 30_000, reason: 'on-demand, warm throughput 30,000 RCU/s' },
    });
  });
});

describe('startRate', () => {
  const capacity: TableCapacity = tableCapacity(provisioned(500, 3_000));

  it('adaptive: the table’s capacity when --max-wcu is above it or absent', () => {
    expect(startRate({ kind: 'adaptive' }, capacity)).toEqual({ rate: 500, reason: 'provisioned 500 WCU' });
    expect(startRate({ kind: 'adaptive', maxWcu: 5_000 }, capacity)).toEqual({ rate: 500, reason: 'provisioned 500 WCU' });
  });

  it('adaptive: --max-wcu below the capacity holds the start to it, and says so', () => {
    expect(startRate({ kind: 'adaptive', maxWcu: 300 }, capacity)).toEqual({ rate: 300, reason: 'provisioned 500 WCU; held to --max-wcu 300' });
    expect(startRate({ kind: 'adaptive', maxWcu: 1_000 }, tableCapacity(onDemand()))).toEqual({
      rate: 1_000,
      reason: 'on-demand, no warm throughput reported: 4,000 WCU/s, what a new on-demand table takes at once; held to --max-wcu 1,000',
    });
  });

  it('adaptive reads: the read units, within --max-rcu', () => {
    expect(startRate({ kind: 'adaptive' }, capacity, 'read')).toEqual({ rate: 3_000, reason: 'provisioned 3,000 RCU' });
    expect(startRate({ kind: 'adaptive', maxWcu: 800 }, capacity, 'read')).toEqual({ rate: 800, reason: 'provisioned 3,000 RCU; held to --max-rcu 800' });
  });

  it('adaptive without stated capacity: the cautious default', () => {
    const { initialRate } = DEFAULTS.rateController;
    expect(startRate({ kind: 'adaptive' }, undefined)).toEqual({ rate: initialRate, reason: 'no capacity in DescribeTable: 1,000 WCU/s, a cautious start' });
    expect(startRate({ kind: 'adaptive' }, { write: null, read: null }, 'read').rate).toBe(initialRate);
    expect(startRate({ kind: 'adaptive', maxWcu: 100 }, undefined).rate).toBe(100);
  });

  it('the fixed and unlimited modes keep their own rate whatever the table', () => {
    expect(startRate({ kind: 'fixed-items', itemsPerSec: 400 }, capacity)).toEqual({ rate: 400, reason: 'fixed by --rate' });
    expect(startRate({ kind: 'fixed-wcu', wcu: 9_000 }, capacity)).toEqual({ rate: 9_000, reason: 'fixed by --max-wcu with --no-adaptive' });
    expect(startRate({ kind: 'unlimited' }, capacity)).toEqual({ rate: null, reason: 'unlimited (--no-adaptive)' });
  });
});
