/**
 * MonitorResults: verdicts counted once, differences written once, also across a resumed run
 * that reads again the changes after its checkpointed cursors; deferred differences of a split.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStats } from '../../../src/metrics/job-stats.js';
import type { ProgressDisplay } from '../../../src/metrics/progress.js';
import { settledEntry } from '../../../src/monitor/ledger.js';
import { MonitorResults } from '../../../src/monitor/results.js';
import type { MonitorCounter, MonitorDifference } from '../../../src/monitor/task.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'monitor-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shown: string[] = [];
const display = { event: (_name: string, _fields: unknown, human?: string) => void (human !== undefined && shown.push(human)) } as unknown as ProgressDisplay;
const diff = (shardId: string, seq: string): MonitorDifference => ({ kind: 'missing', shardId, sequenceNumber: seq, eventName: 'INSERT', key: { pk: { S: `${shardId}-${seq}` } }, rechecks: 1 });
const fileLines = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '');

describe('MonitorResults', () => {
  it('a resumed run does not write again the differences its predecessor wrote after the cursors', () => {
    const file = path.join(dir, 'd.jsonl');
    const first = new MonitorResults(new JobStats<MonitorCounter>('events'), display, { differencesPath: file, verbose: false });
    first.settled({ shardId: 'a', entries: [settledEntry('5', 'missing', true), settledEntry('9', 'missing', true)], differences: [diff('a', '5'), diff('a', '9')] });
    first.settled({ shardId: 'b', entries: [settledEntry('3', 'missing', true)], differences: [diff('b', '3')] });
    first.close();
    expect(fileLines(file)).toHaveLength(3);

    // The checkpoint had shard a at 6 (its 9 is read again) and shard b finished.
    const stats = new JobStats<MonitorCounter>('events');
    const second = new MonitorResults(stats, display, { differencesPath: file, verbose: false, resumeFrom: { cursors: new Map([['a', '6']]), finished: new Set(['b']) } });
    second.settled({ shardId: 'a', entries: [settledEntry('9', 'missing', true), settledEntry('12', 'missing', false)], differences: [diff('a', '9'), diff('a', '12')] });
    second.close();
    // This run counts what it checked; the file holds each difference once.
    expect(stats.get('missing')).toBe(2);
    expect(stats.get('lagging')).toBe(1);
    expect(fileLines(file).map((l) => (JSON.parse(l) as MonitorDifference).sequenceNumber)).toEqual(['5', '9', '3', '12']);
  });

  it('a deferred difference counts once its parent\'s children are read, unless a child overtook its key', () => {
    const file = path.join(dir, 'deferred.jsonl');
    const stats = new JobStats<MonitorCounter>('events');
    const r = new MonitorResults(stats, display, { differencesPath: file, verbose: false });
    r.shardEnded('parent', [{ ...diff('parent', '1'), keyId: 'k1' }, { ...diff('parent', '2'), keyId: 'k2' }]);
    expect(r.inheritedBy('parent').sort()).toEqual(['k1', 'k2']);
    expect(r.waiting((p) => p === 'parent')).toBe(true);
    r.confirmDeferred(() => false);
    expect(stats.get('missing')).toBe(0);
    r.inheritedSuperseded(['k2']);
    r.confirmDeferred((p) => p === 'parent');
    r.close();
    expect(stats.get('missing')).toBe(1);
    expect(stats.get('superseded')).toBe(1);
    expect(fileLines(file)).toHaveLength(1);
    expect(r.waiting(() => true)).toBe(false);
  });
});
