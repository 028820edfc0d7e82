/**
 * PageWriter over a real row converter and an in-memory ItemSink (our own small interface, not a
 * database): every row of a page ends written, dead-lettered or pending, in batches of at most
 * 25 with at most `inFlightBatches` in flight, and the reporter sees what happened.
 */
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { buildRangeSelect } from '../../../src/cassandra/select.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import type { DeadLetter } from '../../../src/engine/dead-letters.js';
import { createRateSlots } from '../../../src/engine/rate-slots.js';
import type { TaskContext } from '../../../src/engine/worker-runtime.js';
import { plainError, type PlainError } from '../../../src/errors.js';
import type { AttributeValue } from '../../../src/mapping/attribute-value.js';
import { parseCqlType } from '../../../src/mapping/cql-type.js';
import { DEFAULT_MAPPING_OPTIONS } from '../../../src/mapping/options.js';
import { compileRowConverter, type SourceRow } from '../../../src/mapping/row-converter.js';
import type { TableSpec } from '../../../src/mapping/table-spec.js';
import { MAX_BATCH_ITEMS, PageWriter } from '../../../src/migrate/page-writer.js';
import type { ItemSink, WriteEntry, WriteOutcome } from '../../../src/migrate/sink.js';
import type { DeadLettersData, MigrateJob, MigrateWorkerData } from '../../../src/migrate/task.js';

const { types } = cassandra;
const t = (s: string) => parseCqlType(s);

/** `id` + `seq` keys; `cass2ddb_token` is a real column here, so the select's alias is another name. */
const events: TableSpec = {
  partitionKeys: [{ name: 'id', type: t('int') }],
  clusteringKeys: [{ name: 'seq', type: t('int'), order: 'ASC' }],
  columns: [
    { name: 'id', type: t('int') },
    { name: 'seq', type: t('int') },
    { name: 'payload', type: t('text') },
    { name: 'score', type: t('double') },
    { name: 'big', type: t('bigint') },
    { name: 'cass2ddb_token', type: t('text') },
  ],
};
const select = buildRangeSelect('ks', 'events', events);
const ALIAS = select.tokenAlias;

function workerData(inFlightBatches: number): MigrateWorkerData {
  return {
    connection: { contactPoints: ['127.0.0.1'], port: 9042, localDc: 'dc1', connectTimeoutMs: 1_000, requestTimeoutMs: 1_000, connectionsPerHost: 1 },
    keyspace: 'ks',
    table: 'events',
    tableSpec: events,
    mapping: DEFAULT_MAPPING_OPTIONS,
    selectCql: select.cql,
    tokenAlias: ALIAS,
    fetchSize: 1_000,
    consistency: 'LOCAL_ONE',
    target: { region: 'us-east-1', table: 'events', connections: 1, maxRetries: 3, requestTimeoutMs: 1_000 },
    inFlightBatches,
    rateSlots: createRateSlots('wcu'),
  };
}

/** A row as the range reader yields it: the token (a driver Long) under the select's alias. */
function row(id: number, seq: number, extra: Record<string, unknown> = {}): SourceRow {
  return {
    [ALIAS]: types.Long.fromNumber(-1_000_000 + id * 100 + seq),
    id,
    seq,
    payload: `p-${id}-${seq}`,
    score: id / 4,
    big: types.Long.fromString('9007199254740993'),
    cass2ddb_token: 'a plain column',
    ...extra,
  };
}
const rows = (n: number, from = 0): SourceRow[] => Array.from({ length: n }, (_, i) => row(from + i, i % 3));

type Failure = { readonly code: string; readonly message: string; readonly retryable: boolean };

interface SinkScript {
  /** An item failure for an entry (undefined: it is put). */
  fail?(entry: WriteEntry<unknown>): Failure | undefined;
  /** The call numbers (0-based) that answer `fatal`. */
  fatalOn?: ReadonlySet<number>;
  /** Milliseconds each write takes. */
  delayMs?: number;
  /** Per-batch extras passed through the outcome. */
  extras?: Partial<Pick<WriteOutcome<unknown>, 'retries' | 'throttledRequests' | 'unprocessedRetries'>>;
}

const FATAL: PlainError = plainError('DYNAMODB_TABLE_NOT_FOUND', 'Requested resource not found: Table: events not found');

/** An in-memory table behind the ItemSink interface: merges same-key entries, last one wins. */
class MemorySink implements ItemSink {
  readonly batches: Array<ReadonlyArray<WriteEntry<unknown>>> = [];
  readonly table = new Map<string, Record<string, AttributeValue>>();
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly script: SinkScript = {}) {}

  async write<T>(batch: ReadonlyArray<WriteEntry<T>>): Promise<WriteOutcome<T>> {
    const call = this.batches.length;
    this.batches.push([...batch]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.script.delayMs ?? 1));
      if (this.script.fatalOn?.has(call) === true) {
        return { written: 0, merged: 0, failed: [], fatal: FATAL, requests: 1, retries: 0, throttledRequests: 0, unprocessedRetries: 0, writeUnits: 0 };
      }
      const failed: Array<{ ref: T } & Failure> = [];
      const put = new Map<string, WriteEntry<T>>();
      let writeUnits = 0;
      for (const e of batch) {
        const f = this.script.fail?.(e as WriteEntry<unknown>);
        if (f !== undefined) {
          failed.push({ ref: e.ref, ...f });
          continue;
        }
        put.set(e.key, e);
        writeUnits += e.wcu;
      }
      for (const [key, e] of put) this.table.set(key, e.item);
      const written = batch.length - failed.length;
      return {
        written,
        merged: written - put.size,
        failed,
        requests: 1,
        retries: this.script.extras?.retries ?? 0,
        throttledRequests: this.script.extras?.throttledRequests ?? 0,
        unprocessedRetries: this.script.extras?.unprocessedRetries ?? 0,
        writeUnits,
      };
    } finally {
      this.inFlight--;
    }
  }
}

type Reporter = Pick<TaskContext<MigrateJob, unknown>, 'add' | 'record' | 'send'>;

class RecordingReporter implements Reporter {
  readonly counters: Record<string, number> = {};
  readonly records: Array<{ phase: string; micros: number; count: number }> = [];
  readonly sent: DeadLettersData[] = [];
  add(counter: MigrateJob['counter'], n = 1): void {
    this.counters[counter] = (this.counters[counter] ?? 0) + n;
  }
  record(phase: MigrateJob['phase'], micros: number, count = 1): void {
    this.records.push({ phase, micros, count });
  }
  send(data: DeadLettersData): void {
    this.sent.push(structuredClone(data));
  }
  count(name: MigrateJob['counter']): number {
    return this.counters[name] ?? 0;
  }
  letters(): DeadLetter[] {
    return this.sent.flatMap((d) => [...d.letters]);
  }
}

function setup(script: SinkScript = {}, inFlightBatches = 4) {
  const sink = new MemorySink(script);
  const reporter = new RecordingReporter();
  const convert = compileRowConverter(events);
  const writer = new PageWriter({ config: workerData(inFlightBatches), convert, sink, reporter, rangeId: 'r-7' });
  return { sink, reporter, writer, convert };
}

const failIds = (ids: readonly number[], failure: Failure) => (e: WriteEntry<unknown>): Failure | undefined =>
  ids.includes((e.ref as SourceRow).id as number) ? failure : undefined;
const refIds = (entries: ReadonlyArray<WriteEntry<unknown>>) => entries.map((e) => (e.ref as SourceRow).id);

describe('PageWriter: every row ends somewhere', () => {
  it('accounts for each row as written or dead-lettered, once', async () => {
    const page = rows(60).map((r, i) => (i === 3 || i === 30 || i === 59 ? { ...r, score: Number.NaN } : r));
    const { sink, reporter, writer } = setup({ fail: failIds([10, 41], { code: 'DYNAMODB_VALIDATION', message: 'bad item', retryable: false }) });
    const outcome = await writer.handle(page);

    expect(outcome.fatal).toBeUndefined();
    expect(outcome.incomplete).toBeUndefined();
    expect(reporter.count('rowsRead')).toBe(60);
    expect(reporter.count('itemsWritten')).toBe(55);
    expect(reporter.count('deadLetters')).toBe(5);
    expect(reporter.count('rowsRead')).toBe(reporter.count('itemsWritten') + reporter.count('deadLetters'));

    const lettered = reporter.letters().map((l) => l.key.id as number);
    const written = [...sink.table.values()].map((item) => Number((item.id as { N: string }).N));
    expect(new Set(lettered).size).toBe(5);
    expect(lettered.filter((id) => written.includes(id))).toEqual([]);
    expect([...lettered, ...written].sort((a, b) => a - b)).toEqual(page.map((r) => r.id));
    // Rows the converter rejected never reach the sink.
    expect(sink.batches.flat().map((e) => (e.ref as SourceRow).id)).not.toContain(3);
    expect(reporter.records.filter((r) => r.phase === 'convert')).toHaveLength(60);
  });

  it('writes a page in order, in batches of at most 25', async () => {
    const page = rows(60);
    const { sink, reporter, writer, convert } = setup({}, 1);
    await writer.handle(page);
    expect(MAX_BATCH_ITEMS).toBe(DEFAULTS.dynamodb.maxBatchItems);
    expect(MAX_BATCH_ITEMS).toBe(25);
    expect(sink.batches.map((b) => b.length)).toEqual([25, 25, 10]);
    const entries = sink.batches.flat();
    expect(entries.map((e) => e.ref)).toEqual(page);
    for (const e of entries) {
      const c = convert(e.ref as SourceRow);
      if (!c.ok) throw new Error('expected a convertible row');
      expect(e.item).toEqual(c.item);
      expect(e.wcu).toBe(c.wcu);
      // The token alias is not a column: it is not written.
      expect(Object.keys(e.item)).not.toContain(ALIAS);
    }
    expect(sink.batches).toHaveLength(3);
    expect(reporter.count('itemsWritten')).toBe(60);
    expect(reporter.count('writeUnits')).toBe(entries.reduce((a, e) => a + e.wcu, 0));
    expect(reporter.sent).toEqual([]);
  });

  it('keeps at most inFlightBatches batches in flight, and uses them', async () => {
    for (const [inFlight, n, expected] of [[1, 160, 1], [3, 160, 3], [8, 60, 3], [2, 26, 2]] as const) {
      const { sink, reporter, writer } = setup({ delayMs: 5 }, inFlight);
      await writer.handle(rows(n));
      expect(sink.maxInFlight, `inFlightBatches ${inFlight}, ${n} rows`).toBe(expected);
      expect(sink.batches.every((b) => b.length <= 25)).toBe(true);
      expect(sink.batches.flat()).toHaveLength(n);
      expect(reporter.count('itemsWritten')).toBe(n);
    }
  });

  it('passes the sink counters on (not requests and throttles: the worker counts those per answer), and one retries-per-item value per item of the batch', async () => {
    const { reporter, writer } = setup({ extras: { retries: 2, throttledRequests: 1, unprocessedRetries: 3 } });
    await writer.handle(rows(30));
    expect(reporter.count('retries')).toBe(4);
    expect(reporter.count('throttledRequests')).toBe(0);
    expect(reporter.count('requests')).toBe(0);
    expect(reporter.count('unprocessedRetries')).toBe(6);
    const perItem = reporter.records.filter((r) => r.phase === 'retries-per-item');
    expect(perItem.reduce((a, r) => a + r.count, 0)).toBe(30);
    expect(perItem.every((r) => r.micros === 5)).toBe(true);
  });
});

describe('PageWriter: dead letters', () => {
  it('dead-letters a non-retryable item failure with its reason, key and row (no token alias)', async () => {
    const page = rows(5);
    const { reporter, writer, sink } = setup({ fail: failIds([2], { code: 'DYNAMODB_VALIDATION', message: 'One or more parameter values were invalid', retryable: false }) });
    const outcome = await writer.handle(page);
    expect(outcome.incomplete).toBeUndefined();
    expect(reporter.count('itemsWritten')).toBe(4);
    expect(reporter.count('deadLetters')).toBe(1);
    expect(sink.table.size).toBe(4);
    expect(reporter.letters()).toEqual([
      {
        key: { id: 2, seq: 2 },
        reason: 'DYNAMODB_VALIDATION',
        message: 'One or more parameter values were invalid',
        range: 'r-7',
        row: { id: 2, seq: 2, payload: 'p-2-2', score: 0.5, big: '9007199254740993', cass2ddb_token: 'a plain column' },
      },
    ]);
    expect(ALIAS).not.toBe('cass2ddb_token');
    expect(Object.keys(reporter.letters()[0]?.row ?? {})).not.toContain(ALIAS);
  });

  it('dead-letters a row the converter rejects, with the failing column, JSON-safe', async () => {
    const { reporter, writer, sink } = setup();
    await writer.handle([row(1, 0), row(2, 1, { score: Number.NaN }), row(3, 2)]);
    expect(sink.batches.flat().map((e) => (e.ref as SourceRow).id)).toEqual([1, 3]);
    const [letter] = reporter.letters();
    expect(letter).toMatchObject({
      key: { id: 2, seq: 1 },
      reason: 'NUMBER_NOT_FINITE',
      column: 'score',
      range: 'r-7',
      row: { id: 2, seq: 1, payload: 'p-2-1', score: 'NaN', big: '9007199254740993', cass2ddb_token: 'a plain column' },
    });
    expect(letter?.message).toEqual(expect.any(String));
    expect(Object.keys(letter?.row ?? {})).not.toContain(ALIAS);
    // Plain data: it crosses the thread boundary as it is.
    expect(structuredClone(letter)).toEqual(letter);
  });

  it('sends all dead letters of a page as one data message, and none when there are none', async () => {
    const page = rows(70).map((r, i) => (i % 20 === 0 ? { ...r, score: Number.POSITIVE_INFINITY } : r));
    const { reporter, writer } = setup({ fail: failIds([5, 33, 66], { code: 'DYNAMODB_VALIDATION', message: 'no', retryable: false }) });
    await writer.handle(page);
    expect(reporter.sent).toHaveLength(1);
    expect(reporter.sent[0]?.type).toBe('dead-letters');
    expect(reporter.sent[0]?.letters.map((l) => l.key.id).sort((a, b) => Number(a) - Number(b))).toEqual([0, 5, 20, 33, 40, 60, 66]);
    expect(reporter.count('deadLetters')).toBe(7);

    const clean = setup();
    await clean.writer.handle(rows(70));
    expect(clean.reporter.sent).toEqual([]);
    expect(clean.reporter.count('deadLetters')).toBe(0);
  });
});

describe('PageWriter: how a page ends', () => {
  it('a retryable item failure leaves the page incomplete: nothing of it counted, nothing dead-lettered (it is read again)', async () => {
    const page = [...rows(40), row(99, 0, { score: Number.NaN })];
    const { reporter, writer, sink } = setup({ fail: failIds([7, 31], { code: 'RETRIES_EXHAUSTED', message: 'throttled 10 times', retryable: true }) });
    const outcome = await writer.handle(page);
    expect(outcome.fatal).toBeUndefined();
    expect(outcome.incomplete).toMatchObject({ code: 'RETRIES_EXHAUSTED', message: 'throttled 10 times', retryable: true });
    // 38 items are in the table, but the page is not settled: the range's retry reads it again
    expect(reporter.count('rowsRead')).toBe(0);
    expect(reporter.count('itemsWritten')).toBe(0);
    expect(sink.batches.length).toBeGreaterThan(0);
    expect(reporter.count('deadLetters')).toBe(0);
    expect(reporter.sent).toEqual([]);
    expect(sink.table.size).toBe(38);
    expect(outcome.lastToken).toBe(String(page.at(-1)?.[ALIAS]));
  });

  it('fatal stops further batches and is returned', async () => {
    const one = setup({ fatalOn: new Set([0]) }, 1);
    const outcome = await one.writer.handle(rows(100));
    expect(outcome.fatal).toEqual(FATAL);
    expect(one.sink.batches).toHaveLength(1);
    expect(one.reporter.count('itemsWritten')).toBe(0);

    // Two lanes: the batch already in flight finishes, no lane takes another.
    const two = setup({ fatalOn: new Set([0]), delayMs: 5 }, 2);
    const second = await two.writer.handle(rows(250));
    expect(second.fatal).toEqual(FATAL);
    expect(two.sink.batches).toHaveLength(2);
    expect(two.sink.table.size).toBe(25);

    // Fatal on a later batch: the earlier ones are written, none after; the unsettled page counts
    // nothing (--resume reads it again).
    const later = setup({ fatalOn: new Set([2]) }, 1);
    expect((await later.writer.handle(rows(200))).fatal).toEqual(FATAL);
    expect(later.sink.batches).toHaveLength(3);
    expect(later.sink.table.size).toBe(50);
    expect(later.reporter.count('itemsWritten')).toBe(0);
    expect(later.reporter.count('rowsRead')).toBe(0);
  });

  it('lastToken is the token of the page’s last row, even a dead-lettered one', async () => {
    const { writer } = setup();
    const page = [...rows(30), row(99, 0, { score: Number.NaN, [ALIAS]: types.Long.fromString('-9223372036854775807') })];
    expect((await writer.handle(page)).lastToken).toBe('-9223372036854775807');
    const next = [row(100, 1, { [ALIAS]: types.Long.fromString('9223372036854775807') })];
    expect((await writer.handle(next)).lastToken).toBe('9223372036854775807');
  });

  it('an empty page reads nothing, writes nothing and has no lastToken', async () => {
    const fresh = setup();
    expect(await fresh.writer.handle([])).toEqual({});
    expect(fresh.sink.batches).toEqual([]);
    expect(fresh.reporter.count('rowsRead')).toBe(0);
    expect(fresh.reporter.sent).toEqual([]);
  });

  it('an empty page after a full one has no lastToken either', async () => {
    // PageOutcome.lastToken: "Token of the page's last row (decimal), if the page had rows."
    const after = setup();
    await after.writer.handle(rows(3));
    expect((await after.writer.handle([])).lastToken).toBeUndefined();
  });
});

describe('PageWriter: keys', () => {
  it('gives rows with the same primary key the same key string, so the sink merges them', async () => {
    const page = [row(1, 1, { payload: 'first' }), row(2, 1), row(1, 1, { payload: 'second' }), row(1, 11), row(11, 1)];
    const { sink, reporter, writer } = setup();
    await writer.handle(page);
    const keys = sink.batches.flat().map((e) => e.key);
    expect(keys[0]).toBe(keys[2]);
    // Distinct keys stay distinct, even where their digits run together.
    expect(new Set([keys[0], keys[1], keys[3], keys[4]]).size).toBe(4);
    expect(reporter.count('merged')).toBe(1);
    expect(reporter.count('itemsWritten')).toBe(5);
    expect(sink.table.size).toBe(4);
    expect(sink.table.get(keys[0] as string)?.payload).toEqual({ S: 'second' });
  });

  it('derives the key string from the key attributes only', async () => {
    const { sink, writer } = setup();
    await writer.handle([row(4, 2, { payload: 'a', score: 1 }), row(4, 2, { payload: 'b', score: 2, [ALIAS]: types.Long.fromNumber(5) })]);
    const [a, b] = sink.batches.flat();
    expect(a?.key).toBe(b?.key);
    expect(a?.item).not.toEqual(b?.item);
  });

  it('keys a partition-key-only table by its hash key', async () => {
    const users: TableSpec = { partitionKeys: [{ name: 'user', type: t('text') }], clusteringKeys: [], columns: [{ name: 'user', type: t('text') }, { name: 'n', type: t('int') }] };
    const sink = new MemorySink();
    const reporter = new RecordingReporter();
    const sel = buildRangeSelect('ks', 'users', users);
    const writer = new PageWriter({
      config: { ...workerData(2), tableSpec: users, selectCql: sel.cql, tokenAlias: sel.tokenAlias },
      convert: compileRowConverter(users),
      sink,
      reporter,
      rangeId: 'r-1',
    });
    const tok = (n: number) => ({ [sel.tokenAlias]: types.Long.fromNumber(n) });
    await writer.handle([{ ...tok(1), user: 'ada', n: 1 }, { ...tok(2), user: 'bob', n: 2 }, { ...tok(3), user: 'ada', n: 3 }]);
    const keys = sink.batches.flat().map((e) => e.key);
    expect(keys[0]).toBe(keys[2]);
    expect(keys[0]).not.toBe(keys[1]);
    expect(sink.table.get(keys[0] as string)).toEqual({ user: { S: 'ada' }, n: { N: '3' } });
  });
});
