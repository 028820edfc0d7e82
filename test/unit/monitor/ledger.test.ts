/** The main thread's exactly-once counting of a monitor run (src/monitor/ledger.ts). */
import { describe, expect, it } from 'vitest';
import { compareSequenceNumbers, decodeSettled, MonitorLedger, settledEntry, SETTLED_KINDS } from '../../../src/monitor/ledger.js';
import type { MonitorDifference } from '../../../src/monitor/task.js';

const diff = (seq: string): MonitorDifference => ({ kind: 'missing', shardId: 's', sequenceNumber: seq, eventName: 'INSERT', key: { pk: { S: seq } }, rechecks: 0 });

describe('compareSequenceNumbers', () => {
  it('orders by value: padded (DynamoDB Local) and unpadded (AWS) alike, past 2^53', () => {
    expect(compareSequenceNumbers('000000000000000000009', '000000000000000000010')).toBeLessThan(0);
    expect(compareSequenceNumbers('10', '000000000000000000010')).toBe(0);
    expect(compareSequenceNumbers('4421584500000000017450439092', '4421584500000000017450439091')).toBeGreaterThan(0);
    expect(compareSequenceNumbers('99', '100')).toBeLessThan(0);
    expect(compareSequenceNumbers('0', '000')).toBe(0);
  });
});

describe('settled entries', () => {
  it('round-trip every kind, lagged or not', () => {
    for (const kind of SETTLED_KINDS) for (const lagged of [false, true]) expect(decodeSettled(settledEntry('1', kind, lagged)[1])).toEqual({ kind, lagged });
    expect(() => decodeSettled(7)).toThrow(/unknown settled code/);
  });
});

describe('MonitorLedger', () => {
  it('counts each (shard, sequence number) once; differences only the first time', () => {
    const l = new MonitorLedger();
    const a = l.take({ shardId: 's', countedThrough: '5', entries: [settledEntry('3', 'matched', false), settledEntry('4', 'missing', true)], differences: [diff('4')] });
    expect(a.counts).toEqual({ matched: 1, missing: 1, lagging: 1 });
    expect(a.differences).toEqual([diff('4')]);
    const b = l.take({ shardId: 's', entries: [settledEntry('4', 'missing', true), settledEntry('6', 'superseded', false)], differences: [diff('4')] });
    expect(b.counts).toEqual({ superseded: 1 });
    expect(b.differences).toEqual([]);
    expect(b.repeated).toBe(1);
    // Another shard's sequence numbers are its own.
    expect(l.take({ shardId: 't', entries: [settledEntry('4', 'matched', false)], differences: [] }).counts).toEqual({ matched: 1 });
  });

  it('keeps the highest countedThrough of a shard', () => {
    const l = new MonitorLedger();
    l.take({ shardId: 's', countedThrough: '000000000000000000120', entries: [], differences: [] });
    l.take({ shardId: 's', countedThrough: '000000000000000000099', entries: [], differences: [] });
    expect(l.countedThrough('s')).toBe('000000000000000000120');
    expect(l.countedThrough('other')).toBeUndefined();
  });

  it('forgets the verdicts at or before the cursor, and the whole shard at its end', () => {
    const l = new MonitorLedger();
    l.take({ shardId: 's', entries: ['1', '2', '3', '4'].map((x) => settledEntry(x, 'matched', false)), differences: [] });
    expect(l.held).toBe(4);
    l.advance('s', '2');
    expect(l.held).toBe(2);
    // Past the cursor a retry never reads again: 1 and 2 could not come back; 3 still counts once.
    expect(l.take({ shardId: 's', entries: [settledEntry('3', 'matched', false)], differences: [] }).repeated).toBe(1);
    l.finish('s');
    expect(l.held).toBe(0);
    expect(l.countedThrough('s')).toBeUndefined();
  });
});
