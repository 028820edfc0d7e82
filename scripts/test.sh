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
status=0
npx vitest run --config test/vitest.config.ts \
  --reporter=default --reporter=json --outputFile.json=.test-results/results.json "$@" || status=$?

node -e '
  const fs = require("node:fs");
  const file = ".test-results/results.json";
  if (!fs.existsSync(file)) { console.log("tests: 0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
exit "$status"
