/**
 * The counting DynamoDB sink (test/fixtures/ddb-sink.ts) in a child process, so a benchmark's
 * CPU figures count the client only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSink, type SinkOptions } from '../test/fixtures/ddb-sink.js';

export interface SinkProcess {
  readonly url: string;
  /** Items and requests the sink has counted so far. */
  stats(): Promise<{ requests: number; items: number; unsigned: number }>;
  close(): void;
}

type ChildOptions = Pick<SinkOptions, 'describeKeySchema' | 'onDemand'>;

export async function startSinkProcess(options: ChildOptions = {}): Promise<SinkProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--sink-child', JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
  return {
    url,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { requests: number; items: number; unsigned: number }));
        child.send('stats');
      }),
    close: () => child.disconnect(),
  };
}

/** Child mode: run the sink, tell the parent its URL, answer 'stats', live until the parent goes. */
async function runChild(options: ChildOptions): Promise<void> {
  // An on-demand table, as a real target always states its billing mode.
  const sink = await startSink({ onDemand: true, ...options });
  process.send?.({ url: sink.url });
  process.on('message', () => process.send?.({ ...sink.stats }));
  process.on('disconnect', () => void sink.close().then(() => process.exit(0)));
}

const at = process.argv.indexOf('--sink-child');
if (at >= 0) await runChild(JSON.parse(process.argv[at + 1] ?? '{}') as ChildOptions);
