/**
 * tinybench micro benchmarks of the hot paths, each beside a baseline in the same run:
 * row generation (populate), latency histograms (record, drain, merge), GetRecords answers
 * (SDK against the lean parser), row conversion per CQL type family (compiled converter against
 * JSON.stringify of the same values), building and signing a 25-item BatchWriteItem (lean path
 * against the AWS SDK v3 without the network) and the token-range planner on a vnode ring.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/micro.js
 *
 * Progress goes to stderr; stdout gets one markdown section (`runMicroBench()` returns it).
 */
import '../src/node-warnings.js';
import { pathToFileURL } from 'node:url';
import { BatchWriteItemCommand, DynamoDBClient, type BatchWriteItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetRecords$, GetRecordsCommand } from '@aws-sdk/client-dynamodb-streams';
import { HttpResponse } from '@smithy/core/protocols';
import { operation } from '@smithy/core/schema';
import * as hdr from 'hdr-histogram-js';
import { Bench, type Task } from 'tinybench';
import { ALL_PROCESSED_BODY, batchBodyPrefix, buildBatchBody, unprocessedItems } from '../src/dynamodb/batch-body.js';
import { createCredentialSource } from '../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../src/dynamodb/endpoint.js';
import { RequestSigner } from '../src/dynamodb/signer.js';
import type { Item } from '../src/mapping/attribute-value.js';
import { compileRowConverter, type RowConverter } from '../src/mapping/row-converter.js';
import { tableSpecFromMetadata } from '../src/mapping/table-spec.js';
import { HistogramSet, newHistogram, PhaseRecorder } from '../src/metrics/histogram.js';
import { planRanges } from '../src/plan/token-ranges.js';
import { MODELS } from '../src/populate/models/index.js';
import { Rng } from '../src/populate/random.js';
import { parseGetRecords } from '../src/streams/get-records-body.js';
import { machine } from './measure.js';
import { keepColumns, modelTable, plainRow, selectColumns, vnodeRing } from './micro-fixtures.js';

const REPRODUCE = 'npm run bench:micro';
/** Per task: `time` ms measured after `warmupTime` ms (at least 64 iterations): ~50 tasks, ~60 s in all. */
const BENCH_OPTIONS = { time: 800, warmupTime: 150 };
/** Distinct rows each conversion task cycles through (a power of two). */
const POOL = 64;
const SEED = 42;

/** The all-types columns of each type family (src/populate/models/all-types.ts). */
const FAMILIES: readonly (readonly [string, readonly string[]])[] = [
  ['text/ascii/varchar', ['c_ascii', 'c_text', 'c_varchar']],
  ['int/bigint/smallint/tinyint/varint', ['c_int', 'c_bigint', 'c_smallint', 'c_tinyint', 'c_varint']],
  ['float/double/decimal', ['c_float', 'c_double', 'c_decimal']],
  ['boolean', ['c_boolean']],
  ['uuid/timeuuid', ['c_uuid', 'c_timeuuid']],
  ['timestamp/date/time/duration', ['c_timestamp', 'c_date', 'c_time', 'c_duration']],
  ['blob (1-64 B)', ['c_blob']],
  ['inet', ['c_inet']],
  ['list/set (list of int, sets of text, bigint, blob, uuid)', ['c_list', 'c_set', 'c_set_bigint', 'c_set_blob', 'c_set_uuid']],
  ['map (text to int)', ['c_map']],
  ['UDT (frozen and non-frozen address)', ['c_udt_frozen', 'c_udt']],
  ['tuple (int, text, double)', ['c_tuple']],
  ['frozen nested (frozen list, map of frozen lists, list of frozen UDTs)', ['c_frozen_list', 'c_map_nested', 'c_list_udt']],
];

type Stats = { latency?: { mean: number; p99?: number } };
const stats = (t: Task): Stats => t.result as unknown as Stats;
const fmtMicros = (us: number): string => (us >= 100 ? Math.round(us).toLocaleString('en-US') : us.toFixed(us >= 10 ? 1 : 2));
const cell = (s: string): string => s.replace(/\|/g, '\\|');

export async function runMicroBench(): Promise<string> {
  const bench = new Bench(BENCH_OPTIONS);
  let i = 0;
  /** Keeps results alive (and checked) so nothing is optimised away. */
  let sink = 0;

  // ── populate generators ───────────────────────────────────────────────────────────────────
  const opts = { edgeEvery: 20, invalidEvery: 0 };
  bench
    .add('populate: generate users row', () => {
      MODELS.users.generate(42, i++, opts);
    })
    .add('populate: generate events row', () => {
      MODELS.events.generate(42, i++, opts);
    })
    .add('populate: generate all-types row', () => {
      MODELS['all-types'].generate(42, i++, opts);
    })
    .add('baseline: crypto.randomUUID()', () => {
      crypto.randomUUID();
    });

  // ── latency histograms: record, drain, merge into the job's ──────────────────────────────
  const recorder = new PhaseRecorder<'write'>();
  bench
    .add('metrics: record one latency', () => {
      recorder.record('write', 1000 + (i++ % 5000));
    })
    .add('metrics: drain histogram delta (100 values)', () => {
      for (let k = 0; k < 100; k++) recorder.record('write', 1000 + k * 37);
      recorder.drain();
    });
  // One worker's progress message (src/engine/worker-runtime.ts, every 250 ms): a delta of
  // DELTA_VALUES batch latencies of 1-40 ms, merged by the main thread (HistogramSet.addDeltas),
  // beside the compressed base64 form (hdr encode, decode + add) and hdr's add of a histogram.
  const DELTA_VALUES = 200;
  const latencyRng = new Rng(SEED, 0, 7);
  const latencies = Array.from({ length: DELTA_VALUES }, () => Math.round(1000 * Math.exp(latencyRng.float() * Math.log(40))));
  const worker = new PhaseRecorder<'write'>();
  for (const us of latencies) worker.record('write', us);
  const delta = worker.drain().write;
  if (delta === undefined) throw new Error('the worker histogram drained nothing');
  const workerHistogram = newHistogram();
  for (const us of latencies) workerHistogram.recordValue(us);
  const encoded = hdr.encodeIntoCompressedBase64(workerHistogram);
  const job = new HistogramSet();
  const jobHistogram = newHistogram();
  bench
    .add(`metrics: merge one worker delta into the job's (HistogramSet.addDeltas, ${DELTA_VALUES} values)`, () => {
      job.addDeltas({ write: delta });
    })
    .add(`baseline: merge the same delta compressed (hdr decodeFromCompressedBase64 + add)`, () => {
      const h = hdr.decodeFromCompressedBase64(encoded, 32, false);
      jobHistogram.add(h);
      h.destroy();
    })
    .add(`baseline: add the worker's histogram itself (hdr add, no transfer form)`, () => {
      jobHistogram.add(workerHistogram);
    })
    .add(`baseline: encode the same delta compressed (hdr encodeIntoCompressedBase64)`, () => {
      sink += hdr.encodeIntoCompressedBase64(workerHistogram).length;
    });

  // ── GetRecords answers: the SDK's deserializer against the lean parser (src/streams/) ──────
  const RECORDS_PER_ANSWER = 1000;
  const answer = getRecordsBody(RECORDS_PER_ANSWER);
  const streamsResponse = () => new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: new Uint8Array(answer) });
  // The SDK client with a handler that answers at once: client.send is its whole per-call path
  // (serialize, sign, deserialize, the logger's filter) without the network.
  const streams = new DynamoDBStreamsClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { handle: async () => ({ response: streamsResponse() }) },
  });
  // Its deserializer alone, as the SDK's schemaDeserializationMiddleware calls it.
  const [, ns, name, traits, input, output] = GetRecords$;
  const getRecordsSchema = operation(ns, name, traits, input, output);
  // The resolved protocol instance; its declared type is a union of protocol kinds and constructors.
  const protocol = streams.config.protocol as unknown as {
    deserializeResponse(schema: unknown, context: unknown, response: HttpResponse): Promise<{ Records?: unknown[] }>;
  };
  let parsedRecords = 0;
  bench
    .add(`streams: GetRecords answer (${RECORDS_PER_ANSWER} records, ${(answer.length / 1024).toFixed(0)} KB): SDK deserializer`, async () => {
      parsedRecords += (await protocol.deserializeResponse(getRecordsSchema, streams.config, streamsResponse())).Records?.length ?? 0;
    })
    .add(`streams: GetRecords answer (${RECORDS_PER_ANSWER} records): SDK client.send, no network`, async () => {
      parsedRecords += (await streams.send(new GetRecordsCommand({ ShardIterator: 'x' }))).Records?.length ?? 0;
    })
    .add(`streams: GetRecords answer (${RECORDS_PER_ANSWER} records): lean parser (utf8 + JSON.parse + dates)`, () => {
      parsedRecords += parseGetRecords(answer.toString('utf8'))?.Records.length ?? 0;
    })
    .add('baseline: utf8 + JSON.parse of the same answer', () => {
      parsedRecords += (JSON.parse(answer.toString('utf8')) as { Records: unknown[] }).Records.length;
    });

  // ── row conversion: the compiled converter against JSON.stringify of the plain values ────
  // Rows as the driver decodes them (bench/micro-fixtures.ts). all-types rows are its normal
  // rows (no edge rows: one in 120 is 100 KB of text); users rows keep populate's 5 % edge rows.
  const allTypes = await modelTable('all-types');
  const users = await modelTable('users');
  const allTypesRows = Array.from({ length: POOL }, (_, k) => allTypes.row(SEED, k + 1, { edgeEvery: 0, invalidEvery: 0 }));
  const usersRows = Array.from({ length: POOL }, (_, k) => users.row(SEED, k, opts));
  const keyColumns = [...allTypes.meta.partitionKeys, ...allTypes.meta.clusteringKeys].map((c) => c.name);

  /** A conversion task and its baseline over the same POOL rows; `label` names both. */
  const addConversion = (label: string, convert: RowConverter, rows: readonly Record<string, unknown>[]): void => {
    for (const row of rows) {
      const r = convert(row);
      if (!r.ok) throw new Error(`${label}: row rejected: ${JSON.stringify(r.reason)}`);
    }
    const plain = rows.map(plainRow);
    bench
      .add(`convert: ${label}`, () => {
        const r = convert(rows[i++ & (POOL - 1)] as Record<string, unknown>);
        if (r.ok) sink += r.sizeBytes;
      })
      .add(`baseline: JSON.stringify plain ${label}`, () => {
        sink += JSON.stringify(plain[i++ & (POOL - 1)]).length;
      });
  };
  const keyOnly = compileRowConverter(tableSpecFromMetadata(keepColumns(allTypes.meta, [])));
  const keyRows = allTypesRows.map((row) => selectColumns(row, keyColumns));
  bench.add(`convert: all-types key only (${keyColumns.join(', ')}), in every family row below`, () => {
    const r = keyOnly(keyRows[i++ & (POOL - 1)] as Record<string, unknown>);
    if (r.ok) sink += r.sizeBytes;
  });
  for (const [family, columns] of FAMILIES) {
    const convert = compileRowConverter(tableSpecFromMetadata(keepColumns(allTypes.meta, columns)));
    addConversion(family, convert, allTypesRows.map((row) => selectColumns(row, [...keyColumns, ...columns])));
  }
  const convertUsers = compileRowConverter(tableSpecFromMetadata(users.meta));
  addConversion('users row', convertUsers, usersRows);
  addConversion('all-types row', compileRowConverter(tableSpecFromMetadata(allTypes.meta)), allTypesRows);

  // ── one 25-item BatchWriteItem: lean body + SigV4 against the AWS SDK v3, no network ──────
  const TABLE = 'users';
  const CREDS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'bench/secret/key' };
  const ENDPOINT = 'http://127.0.0.1:8000';
  const items: Item[] = usersRows.slice(1, 26).map((row) => {
    const r = convertUsers(row);
    if (!r.ok) throw new Error('users row rejected');
    return r.item;
  });
  const prefix = batchBodyPrefix(TABLE);
  const endpoint = await resolveEndpoint({ endpoint: ENDPOINT, region: 'us-east-1' }, {}, async () => undefined);
  const signer = new RequestSigner({ endpoint, credentials: createCredentialSource({ endpoint, provider: async () => CREDS }) });
  const bodyBytes = buildBatchBody(prefix, items.map((item) => JSON.stringify(item))).byteLength;
  const ddbResponse = () => new HttpResponse({
    statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: new Uint8Array(Buffer.from(ALL_PROCESSED_BODY)),
  });
  const ddb = new DynamoDBClient({
    region: 'us-east-1', endpoint: ENDPOINT, credentials: { ...CREDS }, maxAttempts: 1,
    requestHandler: { handle: async () => ({ response: ddbResponse() }) },
  });
  const BATCH_LEAN = `ddb: BatchWriteItem of 25 users items (${(bodyBytes / 1024).toFixed(1)} KB): lean (JSON.stringify items + buildBatchBody + SigV4 + answer check)`;
  const BATCH_SDK = 'ddb: BatchWriteItem of 25 users items: AWS SDK v3 client.send(BatchWriteItemCommand), no network';
  bench
    .add(BATCH_LEAN, async () => {
      // What BatchWriter does per batch (src/dynamodb/batch-writer.ts), up to the socket.
      const body = buildBatchBody(prefix, items.map((item) => JSON.stringify(item)));
      const headers = await signer.sign('BatchWriteItem', body);
      sink += (unprocessedItems(ALL_PROCESSED_BODY, TABLE)?.length ?? 1) + (headers['authorization'] === undefined ? 1 : 0);
    })
    .add(BATCH_SDK, async () => {
      const sdkInput = { RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } } as unknown as BatchWriteItemCommandInput;
      sink += Object.keys((await ddb.send(new BatchWriteItemCommand(sdkInput))).UnprocessedItems ?? {}).length;
    });

  // ── the planner on a 3-node, 256-vnode ring ──────────────────────────────────────────────
  const ring = vnodeRing(3, 256, 3);
  const planSizes = [256, 4096].map((splits) => ({ splits, ranges: planRanges(ring, splits).length }));
  for (const { splits, ranges } of planSizes) {
    bench.add(`plan: 3 nodes × 256 vnodes (${ring.length} tokens), --splits ${splits} → ${ranges} ranges`, () => {
      sink += planRanges(ring, splits).length;
    });
  }

  bench.addEventListener('cycle', (e) => {
    const t = e.task;
    if (t === undefined) return;
    const r = stats(t);
    process.stderr.write(`  ${t.name}: ${fmtMicros((r.latency?.mean ?? Number.NaN) * 1000)} µs\n`);
  });
  process.stderr.write(`micro benchmarks: ${bench.tasks.length} tasks, ~${((bench.tasks.length * (BENCH_OPTIONS.time + BENCH_OPTIONS.warmupTime)) / 1000).toFixed(0)} s\n`);
  const t0 = performance.now();
  await bench.run();
  streams.destroy();
  ddb.destroy();
  process.stderr.write(`micro benchmarks: done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);

  const failed = bench.tasks.filter((t) => stats(t).latency === undefined);
  if (failed.length > 0) {
    const why = (t: Task) => `${t.name}: ${String((t.result as { error?: unknown } | undefined)?.error ?? t.result?.state)}`;
    throw new Error(`tasks failed:\n${failed.map(why).join('\n')}`);
  }
  if (parsedRecords === 0) throw new Error('the GetRecords benchmarks parsed nothing');
  if (sink === 0) throw new Error('the benchmarks produced nothing');

  const micros = (taskName: string): number => {
    const t = bench.tasks.find((x) => x.name === taskName) ?? bench.tasks.find((x) => x.name.includes(taskName));
    return ((t === undefined ? undefined : stats(t).latency?.mean) ?? Number.NaN) * 1000;
  };
  const lines: string[] = [
    '## micro benchmarks',
    '',
    `${machine()}, ${new Date().toISOString()}`,
    '',
    '```bash',
    REPRODUCE,
    '```',
    '',
    '| task | ops/s | mean µs | p99 µs |',
    '| --- | ---: | ---: | ---: |',
    ...bench.tasks.map((t) => {
      const r = stats(t);
      // ops/s from the mean latency, so the two columns agree (tinybench's throughput.mean is
      // the mean of per-sample 1/latency, higher than 1/mean whenever samples vary).
      const mean = r.latency?.mean ?? 0;
      const ops = mean > 0 ? Math.round(1000 / mean).toLocaleString('en-US') : '-';
      const us = (ms: number | undefined): string => ((ms ?? 0) * 1000).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return `| ${cell(t.name)} | ${ops} | ${us(r.latency?.mean)} | ${us(r.latency?.p99)} |`;
    }),
    '',
  ];

  const lean = micros(BATCH_LEAN);
  const sdk = micros(BATCH_SDK);
  lines.push(
    `BatchWriteItem of 25 users items (${bodyBytes.toLocaleString('en-US')} B body), built and signed: lean path ${fmtMicros(lean)} µs vs AWS SDK v3 client.send (no network) ${fmtMicros(sdk)} µs per request, ${(sdk / lean).toFixed(1)}× less.`,
    '',
  );
  const [sdkDeserializer, sdkSend, leanParser] = ['SDK deserializer', 'SDK client.send', 'lean parser'].map(micros) as [number, number, number];
  lines.push(
    `GetRecords answer of ${RECORDS_PER_ANSWER} records: SDK deserializer ${fmtMicros(sdkDeserializer)} µs, SDK client.send ${fmtMicros(sdkSend)} µs, ` +
      `lean parser ${fmtMicros(leanParser)} µs per response (${(sdkDeserializer / leanParser).toFixed(1)}× and ${(sdkSend / leanParser).toFixed(1)}× less).`,
    '',
  );
  const conversion = (label: string): string => {
    const c = micros(`convert: ${label}`);
    const b = micros(`baseline: JSON.stringify plain ${label}`);
    return `${fmtMicros(c)} µs (JSON.stringify of its plain values ${fmtMicros(b)} µs, ${(c / b).toFixed(1)}×)`;
  };
  lines.push(
    `Row conversion per row: users row ${conversion('users row')}; all-types row ${conversion('all-types row')}.`,
    '',
    `Row conversion per type family (each row also has the key columns ${keyColumns.join(', ')}: ${fmtMicros(micros('convert: all-types key only'))} µs alone): ` +
      FAMILIES.map(([family]) => `${family.replace(/ \(.*\)$/, '')} ${fmtMicros(micros(`convert: ${family}`))} µs`).join(', ') + '.',
    '',
  );
  const merge = micros('metrics: merge one worker delta');
  const compressed = micros('baseline: merge the same delta compressed');
  lines.push(
    `Histogram merge of one worker delta (${DELTA_VALUES} values, ${delta.length / 2} buckets): HistogramSet.addDeltas ${fmtMicros(merge)} µs vs ` +
      `compressed base64 decode + add ${fmtMicros(compressed)} µs per merge, ${(compressed / merge).toFixed(1)}× less ` +
      `(hdr add of the histogram itself ${fmtMicros(micros("baseline: add the worker's histogram"))} µs); ` +
      `recording one latency ${fmtMicros(micros('metrics: record one latency'))} µs.`,
    '',
  );
  lines.push(
    `Planner on a 3-node ring of 256 vnodes each (${ring.length} tokens): ` +
      planSizes.map(({ splits, ranges }) => `--splits ${splits} → ${ranges} ranges in ${(micros(`--splits ${splits} →`) / 1000).toFixed(2)} ms`).join(', ') + ' per plan.',
  );
  return `${lines.join('\n')}\n`;
}

/** A full GetRecords answer: `records` INSERTs of ~200-byte items like bench/monitor.ts's `item()`. */
function getRecordsBody(records: number): Buffer {
  const Records = Array.from({ length: records }, (_, i) => {
    const keys = { pk: { S: `user-${i % 1000}` }, sk: { N: String(i) } };
    const item = {
      ...keys, name: { S: `name ${i}` }, email: { S: `user${i}@example.com` }, score: { N: String((i * 1.5) % 10_000) },
      tags: { SS: ['a', `t${i % 7}`] }, active: { BOOL: i % 3 === 0 }, created: { N: String(1_760_000_000_000 + i) },
    };
    return {
      eventID: crypto.randomUUID(), eventName: 'INSERT', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1_764_237_600 + Math.floor(i / 100), Keys: keys, NewImage: item,
        SequenceNumber: String(100_000_000_000_000_000_000n + BigInt(i)), SizeBytes: 200, StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
  });
  return Buffer.from(JSON.stringify({ Records, NextShardIterator: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000|1|AAAAAAAAAAE=' }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(await runMicroBench());
}
