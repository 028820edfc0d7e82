/** Runs a command line in-process with captured streams, the way the binary does. */
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/app.js';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed JSON lines of stdout (for --json runs); lines that are not JSON are skipped. */
  readonly events: Array<Record<string, unknown>>;
}

export async function runInProcess(args: string[], env: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const status = await runCli(args, {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: { ...process.env, ...env },
    ...(signal === undefined ? {} : { signal }),
  });
  const events: Array<Record<string, unknown>> = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return { status, stdout: out, stderr: err, events };
}
