/**
 * The whole suite: unit, CLI and integration tests. The global setup starts the real local
 * Cassandra and DynamoDB Local (scripts/services.mjs) when they are not running, and reuses
 * them when they are. Files run one at a time: the databases share two cores with the tests.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // clipanion has no "exports"; Vite would pick its .mjs build, which imports a directory that
  // Node's ESM loader refuses. Node itself loads the CommonJS build, so the tests do too.
  resolve: { alias: { clipanion: 'clipanion/lib/advanced/index.js' } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['src/node-warnings.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
