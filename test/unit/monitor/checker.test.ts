/**
 * ChangeChecker as a pure unit: the other table is an in-memory map by key identity that a test
 * changes between rechecks (a replicator catching up), the reporter records what it is told, and
 * the clock and sleep are fake, so every backoff is exact and instant.
 */
import type { AttributeValue as SdkValue, _Record } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../../src/dynamodb/batch-reader.js';
import type { Item } from '../../../src/mapping/attribute-value.js';
import { ChangeChecker, otherSideOf, type OtherSide, type OtherSideRead } from '../../../src/monitor/checker.js';
import { MonitorLedger } from '../../../src/monitor/ledger.js';
import { isSampled, keyIdentity } from '../../../src/monitor/sample.js';
import type { MonitorData, MonitorDifference } from '../../../src/monitor/task.js';

const T0 = 1_800_000_000_000;

/** The other table: items by key identity; records every get. */
class MemoryTable implements OtherSide {
  readonly items = new Map<string, Item>();
  readonly calls: Item[][] = [];
  /** Keys (by identity) the table refuses to read, as a throttled BatchGetItem would. */
  readonly unreadable = new Set<string>();
  /** When set, get waits for it: a read in flight. */
  gate: Promise<void> | undefined;

  put(item: Item, keyNames: readonly string[] = ['pk']): void {
    this.items.set(keyIdentity(pick(item, keyNames)), item);
  }
  delete(key: Item): void {
    this.items.delete(keyIdentity(key));
  }
  async get(keys: ReadonlyArray<Item>): Promise<OtherSideRead> {
    this.calls.push([...keys]);
    if (this.gate !== undefined) await this.gate;
    const unread: number[] = [];
    const items = keys.map((k, i) => {
      if (this.unreadable.has(keyIdentity(k))) {
        unread.push(i);
        return undefined;
      }
      return this.items.get(keyIdentity(k));
    });
    return { items, failed: unread.length, unread, requests: Math.ceil(keys.length / 100), retries: 1, throttledRequests: 2, unprocessedRetries: 3 };
  }
}

function pick(item: Item, names: readonly string[]): Item {
  return Object.fromEntries(names.map((n) => [n, item[n]])) as Item;
}

/**
 * The worker's context and the main thread in one: counters the checker adds, and its `settled`
 * messages counted through the real ledger (verdicts once per sequence number), as run.ts does.
 */
class Recorder {
  readonly counters: Record<string, number> = {};
  readonly phases: Record<string, number[]> = {};
  /** Every message but `settled`. */
  readonly sent: MonitorData[] = [];
  readonly settled: Array<Extract<MonitorData, { type: 'settled' }>> = [];
  readonly ledger = new MonitorLedger();
  private readonly found: MonitorDifference[] = [];
  add(counter: string, n = 1): void {
    this.counters[counter] = (this.counters[counter] ?? 0) + n;
  }
  record(phase: string, micros: number): void {
    (this.phases[phase] ??= []).push(micros);
  }
  send(data: MonitorData): void {
    if (data.type !== 'settled') {
      this.sent.push(data);
      return;
    }
    this.settled.push(data);
    const outcome = this.ledger.take(data);
    for (const [counter, n] of Object.entries(outcome.counts)) this.add(counter, n);
    this.found.push(...outcome.differences);
  }
  c(name: string): number {
    return this.counters[name] ?? 0;
  }
  differences(): MonitorDifference[] {
    return this.found;
  }
}

interface Setup {
  checker: ChangeChecker;
  table: MemoryTable;
  rep: Recorder;
  clock: { t: number };
  sleeps: number[];
}

function setup(o: { sampleShare?: number; maxRechecks?: number; recheckAfterMs?: number; verbose?: boolean } = {}): Setup {
  const table = new MemoryTable();
  const rep = new Recorder();
  const clock = { t: T0 };
  const sleeps: number[] = [];
  const checker = new ChangeChecker({
    shardId: 'shardId-1',
    sampleShare: o.sampleShare ?? 1,
    recheckAfterMs: o.recheckAfterMs ?? 1000,
    maxRechecks: o.maxRechecks ?? 0,
    other: table,
    reporter: rep,
    verbose: o.verbose ?? false,
    now: () => clock.t,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
  });
  return { checker, table, rep, clock, sleeps };
}

let seq = 100;
function rec(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  keys: Record<string, SdkValue>,
  newImage?: Record<string, SdkValue>,
  o: { viewType?: 'KEYS_ONLY' | 'NEW_AND_OLD_IMAGES' | 'OLD_IMAGE'; ttl?: boolean; createdMs?: number } = {},
): _Record {
  return {
    eventName,
    dynamodb: {
      Keys: keys,
      ...(newImage === undefined ? {} : { NewImage: newImage }),
      SequenceNumber: String(seq++),
      ApproximateCreationDateTime: new Date(o.createdMs ?? T0),
      StreamViewType: o.viewType ?? 'NEW_AND_OLD_IMAGES',
    },
    ...(o.ttl === true ? { userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } } : {}),
  } as _Record;
}

const S = (s: string): { S: string } => ({ S: s });
const N = (n: string): { N: string } => ({ N: n });
const k = (pk: string): Record<string, SdkValue> => ({ pk: S(pk) });
const img = (pk: string, v: string): Record<string, SdkValue> => ({ pk: S(pk), v: N(v) });
const wire = (pk: string, v: string): Item => ({ pk: S(pk), v: N(v) });

describe('ChangeChecker: verdicts', () => {
  it('matched: the other side holds the new image (numbers by value)', async () => {
    const { checker, table, rep } = setup();
    table.put({ pk: S('a'), v: N('1.5') });
    await checker.handle([rec('INSERT', k('a'), img('a', '1.50'))]);
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('sampled')).toBe(1);
    expect(rep.differences()).toEqual([]);
    expect(checker.pending).toBe(0);
  });

  it('missing: no item with the key, with the change it was looking for', async () => {
    const { checker, rep } = setup();
    const r = rec('INSERT', k('a'), img('a', '1'));
    await checker.handle([r]);
    expect(rep.c('missing')).toBe(1);
    expect(rep.c('matched')).toBe(0);
    expect(rep.differences()).toEqual([{ kind: 'missing', shardId: 'shardId-1', sequenceNumber: r.dynamodb?.SequenceNumber, eventName: 'INSERT', key: { pk: S('a') }, rechecks: 0 }]);
  });

  it('mismatched: every differing attribute path, sets compared as sets', async () => {
    const { checker, table, rep } = setup();
    table.put({ pk: S('a'), tags: { SS: ['y', 'x'] }, prefs: { M: { theme: S('light'), size: N('2') } }, list: { L: [N('1'), N('3')] }, extra: S('e') });
    await checker.handle([
      rec('MODIFY', k('a'), { pk: S('a'), tags: { SS: ['x', 'y'] }, prefs: { M: { theme: S('dark'), size: N('2.0') } }, list: { L: [N('1'), N('2')] }, name: S('n') }),
    ]);
    expect(rep.c('mismatched')).toBe(1);
    const [d] = rep.differences();
    expect(d?.kind).toBe('mismatched');
    expect(d?.eventName).toBe('MODIFY');
    expect(d?.attributes?.map((a) => [a.path, a.kind])).toEqual([
      ['prefs.theme', 'value'],
      ['list[1]', 'value'],
      ['name', 'missing'],
      ['extra', 'unexpected'],
    ]);
    expect(d?.attributes?.[0]).toMatchObject({ expected: S('dark'), actual: S('light') });
  });

  it('REMOVE: matched when the item is gone, still-present when it is not', async () => {
    const { checker, table, rep } = setup();
    table.put(wire('kept', '1'));
    await checker.handle([rec('REMOVE', k('gone')), rec('REMOVE', k('kept'))]);
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('stillPresent')).toBe(1);
    expect(rep.differences().map((d) => [d.kind, d.eventName, d.key])).toEqual([['still-present', 'REMOVE', { pk: S('kept') }]]);
  });

  it('TTL removes are counted apart (a part of removes) and checked the same', async () => {
    const { checker, table, rep } = setup();
    table.put(wire('expired-but-kept', '1'));
    await checker.handle([rec('REMOVE', k('user')), rec('REMOVE', k('expired'), undefined, { ttl: true }), rec('REMOVE', k('expired-but-kept'), undefined, { ttl: true })]);
    expect(rep.c('removes')).toBe(3);
    expect(rep.c('ttlRemoves')).toBe(2);
    expect(rep.c('matched')).toBe(2);
    expect(rep.c('stillPresent')).toBe(1);
  });

  it('KEYS_ONLY (and OLD_IMAGE) records check existence only, and count as sampled', async () => {
    const { checker, table, rep } = setup();
    table.put({ pk: S('here'), whatever: S('any content') });
    table.put({ pk: S('old'), v: N('9') });
    await checker.handle([rec('INSERT', k('here'), undefined, { viewType: 'KEYS_ONLY' }), rec('MODIFY', k('absent'), undefined, { viewType: 'KEYS_ONLY' }), rec('MODIFY', k('old'), undefined, { viewType: 'OLD_IMAGE' })]);
    expect(rep.c('sampled')).toBe(3);
    expect(rep.c('matched')).toBe(2);
    expect(rep.c('missing')).toBe(1);
    expect(rep.c('mismatched')).toBe(0);
    expect(rep.differences()[0]?.key).toEqual({ pk: S('absent') });
  });
});

describe('ChangeChecker: rechecks', () => {
  it('lagging, then matched once the replicator catches up: never reported as mismatched', async () => {
    const { checker, table, rep, clock } = setup({ maxRechecks: 3, recheckAfterMs: 1000 });
    table.put(wire('a', '1'));
    await checker.handle([rec('MODIFY', k('a'), img('a', '2'))]);
    expect(rep.c('lagging')).toBe(0); // counted once the check settles
    expect(rep.c('mismatched')).toBe(0);
    expect(checker.pending).toBe(1);
    clock.t += 999;
    await checker.recheckDue(); // not due yet: not even read
    expect(table.calls).toHaveLength(1);
    table.put(wire('a', '2'));
    clock.t += 1;
    await checker.recheckDue();
    expect(table.calls).toHaveLength(2);
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('rechecks')).toBe(1);
    expect(rep.c('lagging')).toBe(1);
    expect(rep.c('mismatched') + rep.c('missing')).toBe(0);
    expect(rep.sent).toEqual([]);
    expect(checker.pending).toBe(0);
  });

  it('mismatched after maxRechecks with doubling waits: never caught up, so not lagging', async () => {
    const { checker, table, rep, sleeps } = setup({ maxRechecks: 3, recheckAfterMs: 1000 });
    table.put(wire('a', '1'));
    await checker.handle([rec('MODIFY', k('a'), img('a', '2'))]);
    await checker.drain();
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(table.calls).toHaveLength(4);
    expect(rep.c('lagging')).toBe(0);
    expect(rep.c('rechecks')).toBe(3);
    expect(rep.c('mismatched')).toBe(1);
    expect(rep.differences()).toMatchObject([{ kind: 'mismatched', rechecks: 3, attributes: [{ path: 'v', kind: 'value', expected: N('2'), actual: N('1') }] }]);
    expect(checker.pending).toBe(0);
  });

  it('a missing item that appears during the rechecks is matched', async () => {
    const { checker, table, rep, clock } = setup({ maxRechecks: 2, recheckAfterMs: 500 });
    await checker.handle([rec('INSERT', k('a'), img('a', '1'))]);
    clock.t += 500;
    await checker.recheckDue();
    expect(rep.c('missing')).toBe(0);
    table.put(wire('a', '1'));
    await checker.drain();
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('missing')).toBe(0);
    expect(rep.c('lagging')).toBe(1);
  });

  it('a key the other side cannot read is never called missing: rechecked, then counted unreadable', async () => {
    const { checker, table, rep } = setup({ maxRechecks: 2 });
    table.unreadable.add(keyIdentity({ pk: S('busy') }));
    await checker.handle([rec('INSERT', k('busy'), img('busy', '1')), rec('INSERT', k('ok'), img('ok', '1'))]);
    await checker.drain();
    expect(rep.c('lagging')).toBe(0); // 'ok' never appeared; 'busy' was never read at all
    expect(rep.c('unreadable')).toBe(1);
    expect(rep.c('missing')).toBe(1);
    expect(rep.differences().map((d) => d.key)).toEqual([{ pk: S('ok') }]);
    expect(rep.c('readUnits')).toBe(1 + 1 + 1); // 'ok' read three times, 'busy' never
  });
});

describe('ChangeChecker: the latest change of a key', () => {
  it('INSERT v1 then MODIFY v2 in one batch, the other side at v2: matched, one superseded, one key read', async () => {
    const { checker, table, rep } = setup({ maxRechecks: 2 });
    table.put(wire('a', '2'));
    await checker.handle([rec('INSERT', k('a'), img('a', '1')), rec('MODIFY', k('a'), img('a', '2'))]);
    expect(rep.c('superseded')).toBe(1);
    expect(rep.c('sampled')).toBe(2);
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('lagging') + rep.c('mismatched')).toBe(0);
    expect(table.calls).toEqual([[{ pk: S('a') }]]);
  });

  it('a lagging change overtaken by a newer one in a later batch is dropped, the newer judged', async () => {
    const { checker, table, rep, clock } = setup({ maxRechecks: 1 });
    table.put(wire('a', '0'));
    await checker.handle([rec('MODIFY', k('a'), img('a', '1'))]);
    expect(checker.pending).toBe(1);
    table.put(wire('a', '2'));
    clock.t += 10;
    await checker.handle([rec('MODIFY', k('a'), img('a', '2'))]);
    await checker.drain();
    expect(rep.c('superseded')).toBe(1);
    expect(rep.c('lagging')).toBe(1); // the overtaken one had failed its first look
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('mismatched')).toBe(0);
    expect(rep.differences()).toEqual([]);
  });

  it('a change superseded while its read is in flight is not judged on that read', async () => {
    const { checker, table, rep } = setup();
    table.put(wire('a', '2'));
    let open!: () => void;
    table.gate = new Promise((resolve) => (open = resolve));
    const first = checker.handle([rec('INSERT', k('a'), img('a', '1'))]);
    while (table.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const second = checker.handle([rec('MODIFY', k('a'), img('a', '2'))]);
    table.gate = undefined;
    open();
    await Promise.all([first, second]);
    expect(rep.c('superseded')).toBe(1);
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('mismatched')).toBe(0);
    expect(table.calls).toHaveLength(2);
  });

  it('a REMOVE after an INSERT judges the key as gone', async () => {
    const { checker, rep } = setup();
    await checker.handle([rec('INSERT', k('a'), img('a', '1')), rec('REMOVE', k('a'))]);
    expect(rep.c('matched')).toBe(1);
    expect(rep.c('missing')).toBe(0);
  });
});

describe('ChangeChecker: counting, sampling, keys, batching', () => {
  it('counts every record by event name, and the replication lag in microseconds', async () => {
    const { checker, table, rep, clock } = setup({ sampleShare: 0.0001 });
    clock.t = T0 + 2500;
    table.put(wire('x', '1'));
    const records = [
      rec('INSERT', k('a'), img('a', '1'), { createdMs: T0 }),
      rec('INSERT', k('b'), img('b', '1'), { createdMs: T0 + 1000 }),
      rec('MODIFY', k('a'), img('a', '2'), { createdMs: T0 + 2000 }),
      rec('REMOVE', k('b'), undefined, { createdMs: T0 + 9999 }), // clock skew: never negative
    ];
    await checker.handle(records);
    expect(rep.counters).toMatchObject({ events: 4, inserts: 2, modifies: 1, removes: 1 });
    expect(rep.c('ttlRemoves')).toBe(0);
    expect(rep.phases['replication-lag']).toEqual([2_500_000, 1_500_000, 500_000, 0]);
  });

  it('samples by key hash: only sampled keys are read, the same keys every time', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `key-${i}`);
    const want = keys.filter((x) => isSampled({ pk: S(x) }, { share: 0.1, text: '10' }));
    expect(want.length).toBeGreaterThan(120);
    expect(want.length).toBeLessThan(280);
    const readKeys = async (): Promise<string[]> => {
      const { checker, table, rep } = setup({ sampleShare: 0.1 });
      await checker.handle(keys.map((x) => rec('INSERT', k(x), img(x, '1'))));
      expect(rep.c('sampled')).toBe(want.length);
      expect(rep.c('events')).toBe(2000);
      expect(rep.c('missing')).toBe(want.length);
      return table.calls.flat().map((key) => (key.pk as { S: string }).S);
    };
    const first = await readKeys();
    expect(first).toEqual(want);
    expect(await readKeys()).toEqual(first);
  });

  it('N, B and composite keys: numbers by value, binary from the SDK bytes', async () => {
    const { checker, table, rep } = setup();
    const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
    const b64 = Buffer.from(bytes).toString('base64');
    table.put({ id: N('1.5'), sk: { B: b64 }, v: S('x'), blob: { B: b64 }, bs: { BS: [b64] } }, ['id', 'sk']);
    table.put({ id: N('7'), sk: { B: b64 }, v: S('y') }, ['id', 'sk']);
    table.put({ id: N('42'), v: S('n') }, ['id']);
    await checker.handle([
      rec('INSERT', { id: N('1.50'), sk: { B: bytes } }, { id: N('1.50'), sk: { B: bytes }, v: S('x'), blob: { B: bytes }, bs: { BS: [bytes] } }),
      rec('INSERT', { id: N('7'), sk: { B: bytes } }, { id: N('7'), sk: { B: bytes }, v: S('changed') }),
      rec('INSERT', { id: N('7'), sk: { B: Uint8Array.from([9]) } }, { id: N('7'), sk: { B: Uint8Array.from([9]) }, v: S('z') }),
      rec('MODIFY', { id: N('4.2e1') }, { id: N('4.2e1'), v: S('n') }),
    ]);
    expect(rep.c('matched')).toBe(2);
    expect(rep.c('mismatched')).toBe(1);
    expect(rep.c('missing')).toBe(1);
    const ds = rep.differences();
    expect(ds.find((d) => d.kind === 'mismatched')?.key).toEqual({ id: N('7'), sk: { B: b64 } });
    expect(ds.find((d) => d.kind === 'missing')?.key).toEqual({ id: N('7'), sk: { B: 'CQ==' } });
    // The differences are plain JSON: no bytes objects on the way to the JSONL file.
    expect(JSON.parse(JSON.stringify(ds))).toEqual(ds);
  });

  it('one get per handle for all due keys, rechecks included; request counters and read units added', async () => {
    const { checker, table, rep, clock } = setup({ maxRechecks: 1, recheckAfterMs: 100 });
    await checker.handle(Array.from({ length: 150 }, (_, i) => rec('INSERT', k(`a${i}`), img(`a${i}`, '1'))));
    expect(table.calls.map((c) => c.length)).toEqual([150]);
    expect(checker.pending).toBe(150);
    clock.t += 100;
    await checker.handle(Array.from({ length: 100 }, (_, i) => rec('INSERT', k(`b${i}`), img(`b${i}`, '1'))));
    expect(table.calls.map((c) => c.length)).toEqual([150, 250]);
    expect(rep.c('missing')).toBe(150);
    expect(rep.c('lagging')).toBe(0);
    expect(rep.c('rechecks')).toBe(150);
    expect(rep.counters).toMatchObject({ requests: 2 + 3, retries: 2, throttledRequests: 4, unprocessedRetries: 6, readUnits: 400 });
    expect(rep.phases['batch-get']).toHaveLength(2);
    expect(rep.phases['check']).toHaveLength(2);
    // One settled message per round with verdicts, with every difference of the round.
    expect(rep.settled.filter((d) => d.differences.length > 0)).toHaveLength(1);
    expect(rep.differences()).toHaveLength(150);
  });

  it('no get at all when nothing is sampled or due', async () => {
    const { checker, table } = setup({ sampleShare: 1e-9 });
    await checker.handle([rec('INSERT', k('a'), img('a', '1'))]);
    await checker.handle([]);
    await checker.recheckDue();
    await checker.drain();
    expect(table.calls).toEqual([]);
  });

  it('verbose: every settled verdict goes out as checked, lagging ones only once settled', async () => {
    const { checker, table, rep } = setup({ verbose: true, maxRechecks: 1 });
    table.put(wire('m', '1'));
    table.put(wire('x', '0'));
    await checker.handle([rec('INSERT', k('m'), img('m', '1')), rec('INSERT', k('x'), img('x', '1'))]);
    expect(rep.sent).toEqual([{ type: 'checked', results: [{ key: { pk: S('m') }, eventName: 'INSERT', verdict: 'matched' }] }]);
    await checker.drain();
    expect(rep.sent.slice(1)).toEqual([{ type: 'checked', results: [{ key: { pk: S('x') }, eventName: 'INSERT', verdict: 'mismatched' }] }]);
    expect(rep.differences()).toEqual([expect.objectContaining({ kind: 'mismatched', rechecks: 1 })]);
  });

  it('drain settles everything: every sampled change gets one verdict or was superseded', async () => {
    const { checker, table, rep } = setup({ maxRechecks: 4, recheckAfterMs: 50 });
    const records: _Record[] = [];
    for (let i = 0; i < 60; i++) {
      records.push(rec('INSERT', k(`k${i}`), img(`k${i}`, '1')));
      if (i % 3 === 0) records.push(rec('MODIFY', k(`k${i}`), img(`k${i}`, '2')));
      if (i % 2 === 0) table.put(wire(`k${i}`, i % 3 === 0 ? '2' : '1'));
      else if (i % 5 === 0) table.put(wire(`k${i}`, '9'));
    }
    await checker.handle(records);
    expect(checker.pending).toBeGreaterThan(0);
    await checker.drain();
    expect(checker.pending).toBe(0);
    const settled = rep.c('matched') + rep.c('missing') + rep.c('mismatched') + rep.c('stillPresent');
    expect(settled + rep.c('superseded')).toBe(rep.c('sampled'));
    expect(rep.c('matched')).toBe(30);
    expect(rep.c('mismatched')).toBe(6); // odd multiples of 5 below 60
    expect(rep.c('missing')).toBe(24);
  });
});

describe('otherSideOf', () => {
  /** An in-memory BatchReader.getItems: items by identity, some keys failing, lanes measured. */
  function memoryReader(items: Map<string, Item>, failing: Set<string>) {
    const sizes: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const options: unknown[] = [];
    return {
      sizes,
      options,
      maxInFlight: () => maxInFlight,
      async getItems<T>(table: string, keys: ReadonlyArray<{ key: Item; ref: T }>, o?: unknown): Promise<ReadOutcome<T>> {
        expect(table).toBe('target');
        sizes.push(keys.length);
        options.push(o);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        const found = keys.filter((x) => !failing.has(keyIdentity(x.key))).map((x) => ({ ref: x.ref, item: items.get(keyIdentity(x.key)) }));
        const failed = keys.filter((x) => failing.has(keyIdentity(x.key))).map((x) => ({ ref: x.ref, code: 'RETRIES_EXHAUSTED' as never, message: 'throttled' }));
        return { found, failed, requests: 1, retries: 0, throttledRequests: failed.length > 0 ? 1 : 0, unprocessedRetries: 0 };
      },
    };
  }

  it('reads in chunks of 100 over at most inFlight lanes, consistently, items back in key order', async () => {
    const items = new Map<string, Item>();
    for (let i = 0; i < 250; i += 2) items.set(keyIdentity({ pk: S(`k${i}`) }), wire(`k${i}`, String(i)));
    const failing = new Set([keyIdentity({ pk: S('k7') }), keyIdentity({ pk: S('k201') })]);
    const reader = memoryReader(items, failing);
    const side = otherSideOf(reader, 'target', ['pk'], 2);
    const keys = Array.from({ length: 250 }, (_, i) => ({ pk: S(`k${i}`) }));
    const out = await side.get(keys);
    expect(reader.sizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
    expect(reader.maxInFlight()).toBe(2);
    expect(reader.options).toEqual([{ consistentRead: true, keyAttributes: ['pk'] }, { consistentRead: true, keyAttributes: ['pk'] }, { consistentRead: true, keyAttributes: ['pk'] }]);
    expect(out.items).toHaveLength(250);
    for (let i = 0; i < 250; i++) expect(out.items[i]).toEqual(i % 2 === 0 ? wire(`k${i}`, String(i)) : undefined);
    expect(out.unread).toEqual([7, 201]);
    expect(out.failed).toBe(2);
    expect(out.requests).toBe(3);
    expect(out.throttledRequests).toBe(2);
  });
});

describe('ChangeChecker: across a split', () => {
  it('a shard that ends hands back what still differs instead of counting it', async () => {
    const { checker, table, rep } = setup({ maxRechecks: 2, recheckAfterMs: 100 });
    table.put(wire('a', '2')); // the other side already holds a newer version
    await checker.handle([rec('INSERT', k('a'), img('a', '1')), rec('INSERT', k('b'), img('b', '1'))]);
    table.put(wire('b', '1'));
    const deferred = await checker.drainDeferred();
    expect(deferred.map((d) => [d.kind, d.keyId, d.rechecks])).toEqual([['mismatched', keyIdentity({ pk: S('a') }), 2]]);
    expect(rep.c('mismatched')).toBe(0);
    expect(rep.differences()).toEqual([]);
    expect(rep.c('matched')).toBe(1);
    expect(checker.pending).toBe(0);
    // after the drain, differences are counted again as usual
    await checker.handle([rec('INSERT', k('c'), img('c', '1'))]);
    await checker.drain();
    expect(rep.c('missing')).toBe(1);
  });

  it('a child reports the inherited keys it holds a newer change of, once each', async () => {
    const a = keyIdentity({ pk: S('a') });
    const z = keyIdentity({ pk: S('z') });
    const table = new MemoryTable();
    const rep = new Recorder();
    const child = new ChangeChecker({ shardId: 'child', sampleShare: 1, recheckAfterMs: 10, maxRechecks: 0, other: table, reporter: rep, verbose: false, inherited: [a, z], now: () => T0 });
    table.put(wire('a', '2'));
    await child.handle([rec('MODIFY', k('a'), img('a', '2')), rec('MODIFY', k('a'), img('a', '2'))]);
    await child.handle([rec('MODIFY', k('a'), img('a', '2')), rec('INSERT', k('q'), img('q', '1'))]);
    const reported = rep.sent.flatMap((d) => (d.type === 'inherited-superseded' ? [...d.keyIds] : []));
    expect(reported).toEqual([a]);
  });
});

describe('ChangeChecker: a retried reader counts nothing twice', () => {
  it('changes up to countedThrough are replayed: checked again, counted once; verdicts once per sequence number', async () => {
    const table = new MemoryTable();
    const rep = new Recorder();
    const make = (countedThrough?: string): ChangeChecker =>
      new ChangeChecker({ shardId: 's', sampleShare: 1, recheckAfterMs: 100, maxRechecks: 1, other: table, reporter: rep, verbose: false, now: () => T0, ...(countedThrough === undefined ? {} : { countedThrough }) });
    const first = Array.from({ length: 10 }, (_, i) => rec(i % 4 === 3 ? 'MODIFY' : 'INSERT', k(`r${i}`), img(`r${i}`, '1')));
    for (let i = 0; i < 10; i++) if (i !== 7) table.put(wire(`r${i}`, '1'));
    const a = make();
    await a.handle(first);
    // r7 is missing and waits for its recheck when the reader "dies" with its thread.
    expect(a.pending).toBe(1);
    expect(rep.c('matched')).toBe(9);
    const mark = rep.ledger.countedThrough('s');
    expect(mark).toBe(first.at(-1)?.dynamodb?.SequenceNumber);

    // The retry reads from its checkpointed cursor (before r7's change), so r7..r9 come again.
    table.put(wire('r7', '1'));
    const b = make(mark);
    const more = Array.from({ length: 5 }, (_, i) => rec('INSERT', k(`n${i}`), img(`n${i}`, '1')));
    for (let i = 0; i < 5; i++) table.put(wire(`n${i}`, '1'));
    await b.handle([...first.slice(7), ...more]);
    await b.drain();
    expect(rep.c('events')).toBe(15);
    expect(rep.c('replayedEvents')).toBe(3);
    expect(rep.counters).toMatchObject({ inserts: 13, modifies: 2, sampled: 15 });
    expect(rep.c('matched')).toBe(15); // r7 once (settled only now), r8 and r9 not twice
    expect(rep.c('missing')).toBe(0);
    const verdicts = rep.c('matched') + rep.c('missing') + rep.c('mismatched') + rep.c('stillPresent') + rep.c('superseded') + rep.c('unreadable');
    expect(verdicts).toBe(rep.c('sampled'));
    expect(rep.ledger.countedThrough('s')).toBe(more.at(-1)?.dynamodb?.SequenceNumber);
  });

  it('a difference found again by a retried reader is reported once', async () => {
    const table = new MemoryTable();
    const rep = new Recorder();
    const records = [rec('INSERT', k('x'), img('x', '1')), rec('INSERT', k('y'), img('y', '1'))];
    table.put(wire('y', '1'));
    const opts = { shardId: 's', sampleShare: 1, recheckAfterMs: 1, maxRechecks: 0, other: table, reporter: rep, verbose: false, now: () => T0 };
    await new ChangeChecker(opts).handle(records);
    await new ChangeChecker({ ...opts, countedThrough: records[1]?.dynamodb?.SequenceNumber as string }).handle(records);
    expect(rep.differences().map((d) => d.key)).toEqual([{ pk: S('x') }]);
    expect(rep.c('missing')).toBe(1);
    expect(rep.c('events')).toBe(2);
    expect(rep.c('replayedEvents')).toBe(2);
  });
});

describe('ChangeChecker: the stream\'s own table (no NewImage, or --read-stream-table)', () => {
  function withOwn(maxRechecks = 0): { checker: ChangeChecker; own: MemoryTable; other: MemoryTable; rep: Recorder } {
    const own = new MemoryTable();
    const other = new MemoryTable();
    const rep = new Recorder();
    const clock = { t: T0 + 3000 };
    const checker = new ChangeChecker({
      shardId: 's', sampleShare: 1, recheckAfterMs: 10, maxRechecks, other, own, reporter: rep, verbose: false,
      now: () => clock.t,
      sleep: async (ms) => {
        clock.t += ms;
      },
    });
    return { checker, own, other, rep };
  }

  it('compares what both tables hold now, attribute by attribute, with one read of each per round', async () => {
    const { checker, own, other, rep } = withOwn();
    own.put(wire('same', '2'));
    other.put(wire('same', '2.0'));
    own.put(wire('differs', '3'));
    other.put(wire('differs', '2'));
    own.put(wire('copy-lost', '1'));
    other.put(wire('deleted-since', '1')); // gone from the stream's table: must be gone here too
    await checker.handle([
      rec('MODIFY', k('same'), undefined, { viewType: 'OLD_IMAGE' }),
      rec('MODIFY', k('differs'), undefined, { viewType: 'KEYS_ONLY' }),
      rec('INSERT', k('copy-lost'), img('copy-lost', '999')), // NewImage ignored: the table now is the truth
      rec('INSERT', k('deleted-since'), undefined, { viewType: 'KEYS_ONLY' }),
      rec('INSERT', k('both-gone'), undefined, { viewType: 'KEYS_ONLY' }),
      rec('REMOVE', k('removed')),
    ]);
    expect(rep.c('matched')).toBe(3); // same, both-gone, removed
    expect(rep.c('mismatched')).toBe(1);
    expect(rep.c('missing')).toBe(1);
    expect(rep.c('stillPresent')).toBe(1);
    expect(rep.differences().map((d) => [d.kind, (d.key.pk as { S: string }).S])).toEqual([['mismatched', 'differs'], ['missing', 'copy-lost'], ['still-present', 'deleted-since']]);
    expect(own.calls.map((c) => c.length)).toEqual([5]); // the REMOVE needs no read of the stream's table
    expect(other.calls.map((c) => c.length)).toEqual([6]);
    expect(rep.c('readUnits')).toBe(11);
  });

  it('a key the stream\'s table cannot read is rechecked, then unreadable, never a difference', async () => {
    const { checker, own, other, rep } = withOwn(2);
    own.unreadable.add(keyIdentity({ pk: S('a') }));
    other.put(wire('a', '1'));
    await checker.handle([rec('MODIFY', k('a'), undefined, { viewType: 'OLD_IMAGE' })]);
    await checker.drain();
    expect(rep.c('unreadable')).toBe(1);
    expect(rep.differences()).toEqual([]);
    expect(own.calls).toHaveLength(3);
  });

  it('records the source-to-target lag of a matched change: from its time in the stream to the check', async () => {
    const { checker, own, other, rep } = withOwn();
    own.put(wire('a', '1'));
    other.put(wire('a', '1'));
    await checker.handle([rec('INSERT', k('a'), undefined, { viewType: 'KEYS_ONLY', createdMs: T0 + 1000 })]);
    expect(rep.phases['source-to-target-lag']).toEqual([2_000_000]);
  });
});
