/**
 * The multi-node Cassandra tests: a real local cluster of three nodes (scripts/services.mjs
 * `up --nodes 3`, on 127.0.0.2-4 beside the single node). scripts/test.sh (CI) runs them after
 * the main suite; by hand:
 *
 *   CASS2DDB_CLUSTER=1 npx vitest run --config test/vitest.cluster.config.ts   (npm run test:cluster)
 *
 * The files are `test/cluster/*.cluster.ts`, not `*.test.ts`, because the main suite's glob
 * (`test/**\/*.test.ts` in vitest.config.ts) would otherwise run them, or count them as
 * skipped. Without CASS2DDB_CLUSTER=1 every test here is skipped: three more JVMs of ~0.9 GiB
 * each must never start by surprise. The cluster is left running afterwards, like the single
 * node (`node scripts/services.mjs down --nodes 3` stops it).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { clipanion: 'clipanion/lib/advanced/index.js' } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/cluster/**/*.cluster.ts'],
    setupFiles: ['src/node-warnings.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
