/**
 * Brings up the real local databases before any test runs (installing them on a fresh
 * machine), or reuses running ones. They are left running afterwards: start-up costs 20–60 s
 * and `npm run services:down` stops them.
 */
import '../src/node-warnings.js';
import { ensureServices } from '../scripts/services.mjs';

export default async function setup(): Promise<void> {
  const started = Date.now();
  await ensureServices({ cassandra: true, dynamodb: true, log: (line: string) => process.stderr.write(`[services] ${line}\n`) });
  process.stderr.write(`[services] ready after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
