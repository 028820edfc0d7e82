#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs the npm dependencies (which builds the
# project), then runs vitest; its global setup installs and starts the real local Cassandra and
# DynamoDB Local when they are not already running. Ends with one plain closing line,
# "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build
fi

mkdir -p .test-results
rm -f .test-results/results.json .test-results/cluster.json
status=0
npx vitest run --config test/vitest.config.ts \
  --reporter=default --reporter=json --outputFile.json=.test-results/results.json "$@" || status=$?

# The multi-node tests (test/cluster/): a local cluster of three Cassandra nodes, started here by
# their own setup, with nodes killed and restarted. Run after the main suite, on the whole suite
# only (not when the arguments pick files).
if [ "$#" -eq 0 ]; then
  CASS2DDB_CLUSTER=1 npx vitest run --config test/vitest.cluster.config.ts \
    --reporter=default --reporter=json --outputFile.json=.test-results/cluster.json || status=$?
fi

node -e '
  const fs = require("node:fs");
  const files = [".test-results/results.json", ".test-results/cluster.json"].filter((f) => fs.existsSync(f));
  if (files.length === 0) { console.log("tests: 0 passed, 1 failed"); process.exit(0); }
  let passed = 0, failed = 0, skipped = 0, total = 0;
  for (const file of files) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; total += r.numTotalTests;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (total === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
exit "$status"
