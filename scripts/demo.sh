#!/usr/bin/env bash
# The main job end to end on the local default, from a fresh clone: installs the npm
# dependencies (and builds), installs and starts a real Cassandra 5.0 and DynamoDB Local, then
# populates a demo table, migrates it into DynamoDB Local and verifies the copy. Rows: DEMO_ROWS
# (default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build
fi

node scripts/services.mjs up

rows="${DEMO_ROWS:-100000}"
echo
echo "== populate: ${rows} users rows into cass2ddb_demo.users"
node dist/src/cli.js populate --keyspace cass2ddb_demo --model users --rows "$rows"

echo
echo "== migrate: cass2ddb_demo.users → DynamoDB Local table users"
node dist/src/cli.js migrate --keyspace cass2ddb_demo --table users --target-table users \
  --endpoint-url "http://127.0.0.1:${DYNAMODB_PORT:-8000}" --create-table --fresh

echo
echo "== verify: every row of cass2ddb_demo.users against the DynamoDB table, both ways"
node dist/src/cli.js verify --keyspace cass2ddb_demo --table users --target-table users \
  --endpoint-url "http://127.0.0.1:${DYNAMODB_PORT:-8000}" --check-extra
