/** Pure unit and in-process CLI tests only: no databases needed. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // clipanion has no "exports"; Vite would pick its .mjs build, which imports a directory that
  // Node's ESM loader refuses. Node itself loads the CommonJS build, so the tests do too.
  resolve: { alias: { clipanion: 'clipanion/lib/advanced/index.js' } },
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts'],
    setupFiles: ['src/node-warnings.ts'],
    exclude: ['test/cli/**/*.db.test.ts'],
    testTimeout: 30_000,
  },
});
