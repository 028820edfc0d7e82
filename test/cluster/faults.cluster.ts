/**
 * A migration from a real cluster of three nodes (replication factor 2) that is not standing
 * still, on the built binary:
 *
 * - one node killed mid-run: the job completes from the remaining replicas;
 * - one node stopped and started again mid-run: the job completes;
 * - the whole cluster stopped mid-run, for longer than --outage-limit: the job stops with exit 3
 *   and a checkpoint; the cluster comes back and --resume completes;
 * - the whole cluster restarted mid-run, within the outage limit: the job waits, retries with
 *   backoff, and completes.
 *
 * Each ends with an independent read-back (counts of missing, mismatched, duplicated and extra
 * items, all 0) and a summary where read = written + dead-lettered. Runs through
 * test/vitest.cluster.config.ts with CASS2DDB_CLUSTER=1 (scripts/test.sh runs it after the main
 * suite); without it every test here is skipped, so three JVMs never start by surprise.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clusterState, ensureCluster, startNode, stopCluster, stopNode, type ClusterAddresses } from '../../scripts/services.mjs';
import { ensureServices } from '../../scripts/services.mjs';
import { runInProcess } from '../helpers/cli.js';
import { uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';
import { expectExactReadBack } from '../helpers/verify-copy.js';
import { summaryOf, watchedRun, type WatchedRun } from '../helpers/watched-run.js';

const ENABLED = process.env.CASS2DDB_CLUSTER === '1';
const NODES = 3;
const ROWS = 60_000;
const keyspace = uniqueName('cl_faults');
const dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-faults-'));
const log = (line: string) => process.stderr.write(`[cluster-faults] ${line}\n`);
const targets: string[] = [];
let cluster: ClusterAddresses;
let cql: cassandra.Client;
let ddb: DynamoDBClient;

const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

async function clusterClient(): Promise<cassandra.Client> {
  const client = new cassandra.Client({
    contactPoints: [...cluster.contactPoints],
    localDataCenter: cluster.localDataCenter,
    socketOptions: { readTimeout: 60_000 },
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1_000) },
  });
  await client.connect();
  return client;
}

/** Every node up again, whatever a test left behind. */
async function wholeCluster(): Promise<void> {
  const state = await clusterState({ nodes: NODES });
  if (state.ready) return;
  const t0 = performance.now();
  await ensureCluster({ nodes: NODES, log });
  log(`cluster whole again in ${seconds(t0)}`);
}

/**
 * The migrate command line on the cluster. --max-wcu keeps the run long enough (about 20 s for
 * 60,000 rows) for a fault to land mid-run.
 */
function migrateArgs(target: string, checkpoint: string, extra: string[] = []): string[] {
  return [
    'migrate', '--contact-points', cluster.contactPoints.join(','), '--keyspace', keyspace, '--table', 'users', '--target-table', target,
    '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--checkpoint', checkpoint, '--threads', '2', '--max-wcu', '3000', '--json', ...extra,
  ];
}

function newTarget(name: string): { target: string; checkpoint: string } {
  const target = uniqueName(name);
  targets.push(target);
  return { target, checkpoint: path.join(dir, `${target}.json`) };
}

/** The run ended complete, read = written + dead-lettered, and the read-back finds the copy exact. */
async function expectCompleteAndExact(run: WatchedRun, target: string): Promise<void> {
  expect(run.code, run.stderr).toBe(0);
  const summary = summaryOf(run)!;
  expect(summary.status).toBe('completed');
  expect(summary.rowsRead).toBe((summary.itemsWritten as number) + (summary.deadLetters as number));
  expect(summary.deadLetters).toBe(0);
  const counts = await expectExactReadBack(cql, ddb, keyspace, 'users', target);
  expect(counts.rows).toBe(ROWS);
  log(`read-back: ${JSON.stringify({ rows: counts.rows, items: counts.items, missing: counts.missing, mismatched: counts.mismatched, duplicated: counts.duplicated, extra: counts.extra })}`);
}

const retryWarnings = (run: WatchedRun) => run.events.filter((e) => e.event === 'warning' && typeof e.range === 'string');

describe.skipIf(!ENABLED)(`a migration from ${NODES} nodes with replication factor 2 (CASS2DDB_CLUSTER=1)`, () => {
  beforeAll(async () => {
    const t0 = performance.now();
    await ensureServices({ log });
    cluster = await ensureCluster({ nodes: NODES, log });
    log(`cluster ready in ${seconds(t0)}: ${cluster.contactPoints.join(', ')}`);
    cql = await clusterClient();
    ddb = testDynamo();
    // ALL: both replicas of every row hold it before any node is stopped.
    const t1 = performance.now();
    const r = await runInProcess([
      'populate', '--contact-points', cluster.contactPoints.join(','), '--keyspace', keyspace, '--rows', String(ROWS),
      '--replication', '2', '--consistency', 'ALL', '--threads', '2',
    ]);
    if (r.status !== 0) throw new Error(r.stderr);
    log(`${ROWS} rows populated at ALL, replication factor 2, in ${seconds(t1)}`);
  }, 900_000);

  afterEach(async () => {
    await wholeCluster();
  }, 600_000);

  afterAll(async () => {
    for (const t of targets) await dropTable(ddb, t);
    if (cql !== undefined) {
      await cql.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
      await cql.shutdown();
    }
    ddb?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('completes from the remaining replicas when a node is killed mid-run', async () => {
    const { target, checkpoint } = newTarget('cl_kill');
    let killed: Promise<string> | undefined;
    const run = await watchedRun(migrateArgs(target, checkpoint), {
      at: (done) => done >= 10_000,
      action: () => (killed = stopNode(3, { kill: true, log })),
    });
    expect(killed, 'the node was killed mid-run').toBeDefined();
    await killed;
    expect((await clusterState({ nodes: NODES })).nodes.find((n) => n.index === 3)?.state).toBe('down');
    log(`node 3 killed at ≥ 10,000 rows; run ended ${String(summaryOf(run)?.status)}, ${retryWarnings(run).length} range retries`);
    await expectCompleteAndExact(run, target);
  });

  it('completes when a node is stopped and started again mid-run', async () => {
    const { target, checkpoint } = newTarget('cl_restart');
    let restarted: Promise<void> | undefined;
    let back = 0;
    const t0 = performance.now();
    // slower (1,500 WCU/s, about 40 s): the node is back before the run ends
    const run = await watchedRun([...migrateArgs(target, checkpoint), '--max-wcu', '1500'], {
      at: (done) => done >= 5_000,
      action: () => {
        restarted = stopNode(2, { log })
          .then(() => startNode(2, { log }))
          .then(() => void (back = performance.now()));
      },
    });
    const ended = performance.now();
    expect(restarted, 'the node was stopped mid-run').toBeDefined();
    await restarted;
    log(`node 2 stopped at ≥ 5,000 rows and back after ${((back - t0) / 1000).toFixed(1)} s; the run ended after ${((ended - t0) / 1000).toFixed(1)} s`);
    expect(back, 'node 2 was back before the run ended').toBeLessThan(ended);
    await expectCompleteAndExact(run, target);
  });

  it('stops with exit 3 and a checkpoint when the whole cluster is down past --outage-limit; --resume completes', async () => {
    const { target, checkpoint } = newTarget('cl_outage');
    let stopped: Promise<string[]> | undefined;
    const t0 = performance.now();
    const run = await watchedRun(migrateArgs(target, checkpoint, ['--outage-limit', '15']), {
      at: (done) => done >= 10_000,
      action: () => (stopped = stopCluster({ log })),
    });
    await stopped;
    log(`whole cluster stopped at ≥ 10,000 rows; the run ended with ${String(run.code)} after ${seconds(t0)}`);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/cannot reach Cassandra at .*still failing after the outage limit of 15 s; --resume continues from the checkpoint/);
    const summary = summaryOf(run)!;
    expect(summary.status).toBe('failed');
    expect(summary.rowsRead).toBe((summary.itemsWritten as number) + (summary.deadLetters as number) + (summary.rowsUnsettled as number));
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { completed: boolean };
    expect(saved.completed).toBe(false);
    // the retries waited: the range warnings say so
    expect(retryWarnings(run).length).toBeGreaterThan(0);

    await wholeCluster();
    const resumed = await watchedRun([...migrateArgs(target, checkpoint), '--resume']);
    await expectCompleteAndExact(resumed, target);
  });

  it('waits while the whole cluster restarts mid-run, retrying with backoff, and completes', async () => {
    const { target, checkpoint } = newTarget('cl_bounce');
    let bounced: Promise<void> | undefined;
    let down = 0;
    let up = 0;
    const run = await watchedRun(migrateArgs(target, checkpoint), {
      at: (done) => done >= 10_000,
      action: () => {
        bounced = stopCluster({ log }).then(async () => {
          down = performance.now();
          await ensureCluster({ nodes: NODES, log });
          up = performance.now();
        });
      },
    });
    await bounced;
    log(`whole cluster down for ${((up - down) / 1000).toFixed(1)} s mid-run; ${retryWarnings(run).length} range retries`);
    expect(up - down).toBeGreaterThan(5_000);
    expect(retryWarnings(run).length).toBeGreaterThan(0);
    await expectCompleteAndExact(run, target);
  });
});
