/**
 * tinybench micro benchmarks of the hot paths, each beside a baseline in the same run.
 *
 *   npm run bench
 */
import '../src/node-warnings.js';
import os from 'node:os';
import { DynamoDBStreamsClient, GetRecords$, GetRecordsCommand } from '@aws-sdk/client-dynamodb-streams';
import { HttpResponse } from '@smithy/core/protocols';
import { operation } from '@smithy/core/schema';
import { Bench } from 'tinybench';
import { MODELS } from '../src/populate/models/index.js';
import { PhaseRecorder } from '../src/metrics/histogram.js';
import { parseGetRecords } from '../src/streams/get-records-body.js';

const opts = { edgeEvery: 20, invalidEvery: 0 };
const bench = new Bench({ time: 1000, warmupTime: 200 });
let i = 0;

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

const recorder = new PhaseRecorder<'write'>();
bench
  .add('metrics: record one latency', () => {
    recorder.record('write', 1000 + (i++ % 5000));
  })
  .add('metrics: drain histogram delta (100 values)', () => {
    for (let k = 0; k < 100; k++) recorder.record('write', 1000 + k * 37);
    recorder.drain();
  });

// ── GetRecords answers: the SDK's deserializer against the lean parser (src/streams/) ──────────

/** A full GetRecords answer: 1,000 INSERTs of ~200-byte items like bench/monitor.ts's `item()`. */
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
const RECORDS_PER_ANSWER = 1000;
const answer = getRecordsBody(RECORDS_PER_ANSWER);
const response = () => new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: new Uint8Array(answer) });
// The SDK client with a handler that answers at once: client.send is its whole per-call path
// (serialize, sign, deserialize, the logger's filter) without the network.
const sdk = new DynamoDBStreamsClient({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: { handle: async () => ({ response: response() }) },
});
// Its deserializer alone, as the SDK's schemaDeserializationMiddleware calls it.
const [, ns, name, traits, input, output] = GetRecords$;
const getRecordsSchema = operation(ns, name, traits, input, output);
// The resolved protocol instance; its declared type is a union of protocol kinds and constructors.
const protocol = sdk.config.protocol as unknown as {
  deserializeResponse(schema: unknown, context: unknown, response: HttpResponse): Promise<{ Records?: unknown[] }>;
};
let parsedRecords = 0;
const fmtMicros = (us: number): string => Math.round(us).toLocaleString('en-US');

bench
  .add(`streams: GetRecords answer (${RECORDS_PER_ANSWER} records, ${(answer.length / 1024).toFixed(0)} KB): SDK deserializer`, async () => {
    parsedRecords += (await protocol.deserializeResponse(getRecordsSchema, sdk.config, response())).Records?.length ?? 0;
  })
  .add(`streams: GetRecords answer (${RECORDS_PER_ANSWER} records): SDK client.send, no network`, async () => {
    parsedRecords += (await sdk.send(new GetRecordsCommand({ ShardIterator: 'x' }))).Records?.length ?? 0;
  })
  .add(`streams: GetRecords answer (${RECORDS_PER_ANSWER} records): lean parser (utf8 + JSON.parse + dates)`, () => {
    parsedRecords += parseGetRecords(answer.toString('utf8'))?.Records.length ?? 0;
  })
  .add(`baseline: utf8 + JSON.parse of the same answer`, () => {
    parsedRecords += (JSON.parse(answer.toString('utf8')) as { Records: unknown[] }).Records.length;
  });

await bench.run();
sdk.destroy();
if (parsedRecords === 0) throw new Error('the GetRecords benchmarks parsed nothing');
console.log(`micro benchmarks — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`);
const meanMicros = (name: string): number => {
  const r = bench.tasks.find((t) => t.name.includes(name))?.result as { latency?: { mean: number } } | undefined;
  return (r?.latency?.mean ?? Number.NaN) * 1000;
};
console.table(
  bench.tasks.map((t) => {
    const r = t.result as { throughput?: { mean: number }; latency?: { mean: number; p99?: number } } | undefined;
    return {
      task: t.name,
      'ops/s': Math.round(r?.throughput?.mean ?? 0).toLocaleString('en-US'),
      'mean µs': ((r?.latency?.mean ?? 0) * 1000).toFixed(2),
      'p99 µs': ((r?.latency?.p99 ?? 0) * 1000).toFixed(2),
    };
  }),
);
const [sdkMicros, sendMicros, leanMicros] = ['SDK deserializer', 'SDK client.send', 'lean parser'].map(meanMicros) as [number, number, number];
console.log(
  `GetRecords answer of ${RECORDS_PER_ANSWER} records: SDK deserializer ${fmtMicros(sdkMicros)} µs, SDK client.send ${fmtMicros(sendMicros)} µs, ` +
    `lean parser ${fmtMicros(leanMicros)} µs per response (${(sdkMicros / leanMicros).toFixed(1)}× and ${(sendMicros / leanMicros).toFixed(1)}× less)`,
);
console.log('reproduce: npm run bench');
