/**
 * tinybench micro benchmarks of the hot paths, each beside a baseline in the same run.
 *
 *   npm run bench
 */
import '../src/node-warnings.js';
import os from 'node:os';
import { Bench } from 'tinybench';
import { MODELS } from '../src/populate/models/index.js';
import { PhaseRecorder } from '../src/metrics/histogram.js';

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

await bench.run();
console.log(`micro benchmarks — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`);
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
console.log('reproduce: npm run bench');
