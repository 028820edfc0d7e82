/**
 * The planner and the replica-aware reads on a real ring of three nodes × 16 vnodes, with
 * replication factor 2, and with one node stopped. Runs only with CASS2DDB_CLUSTER=1 through
 * test/vitest.cluster.config.ts (see there); starts the cluster when it is not running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cassandra from 'cassandra-driver';
import { clusterState, ensureCluster, startNode, stopNode, type ClusterAddresses } from '../../scripts/services.mjs';
import { connect, type CassandraConnection } from '../../src/cassandra/client.js';
import { readRange } from '../../src/cassandra/range-reader.js';
import { replicationCql } from '../../src/cassandra/replication.js';
import { ringRanges, sizeEstimates } from '../../src/cassandra/ring.js';
import { loadTableSpec } from '../../src/cassandra/schema.js';
import { buildRangeSelect } from '../../src/cassandra/select.js';
import { MAX_TOKEN, MIN_TOKEN, assertCoversRing, planRanges, type RangeDescriptor, type RingRange } from '../../src/plan/token-ranges.js';
import { uniqueName } from '../helpers/cassandra.js';

const ENABLED = process.env.CASS2DDB_CLUSTER === '1';
const NODES = 3;
const TOKENS_PER_NODE = 16;
const ROWS = 2000;
const STOPPED = 2;

const keyspace = uniqueName('cl_ring');
const log = (line: string) => process.stderr.write(`[cluster] ${line}\n`);
let cluster: ClusterAddresses;
let connection: CassandraConnection;
let client: cassandra.Client;
let ring: RingRange[];
let plan: RangeDescriptor[];

/** Every row id of the table, read range by range through the planner's plan. */
async function readAll(consistency: string): Promise<number[]> {
  const spec = await loadTableSpec(client, keyspace, 'items');
  const select = buildRangeSelect(keyspace, 'items', spec);
  const ids: number[] = [];
  for (const range of plan) {
    for await (const page of readRange(client, { after: range.start, end: range.end, replicas: range.replicas }, {
      ...select,
      fetchSize: 500,
      consistency,
      connection,
    })) {
      for (const row of page.rows) ids.push(row.get('id') as number);
    }
  }
  return ids.sort((a, b) => a - b);
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Replicas (`ip:port`) of the row with this int key, from the driver's token map. */
function replicasOf(id: number): string[] {
  const key = Buffer.alloc(4);
  key.writeInt32BE(id);
  return (client.getReplicas(keyspace, key) as cassandra.Host[]).map((h) => h.address);
}

const hostOf = (i: number) => client.hosts.get(cluster.contactPoints[i - 1]!) as cassandra.Host;
const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

describe.skipIf(!ENABLED)(`a local cluster of ${NODES} nodes (CASS2DDB_CLUSTER=1)`, () => {
  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await ensureCluster({ nodes: NODES, log });
    log(`cluster ready in ${seconds(t0)} s: ${cluster.contactPoints.join(', ')}`);
    connection = {
      contactPoints: cluster.nodes.map((n) => n.address),
      port: cluster.port,
      localDc: cluster.localDataCenter,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 30_000,
      connectionsPerHost: 1,
    };
    client = await connect(connection);
    await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = ${replicationCql('2')}`);
    await client.execute(`CREATE TABLE ${keyspace}.items (id int PRIMARY KEY, body text)`);
    // ALL: both replicas hold every row before a node is stopped, so reads at ONE must find all.
    const t1 = Date.now();
    const insert = `INSERT INTO ${keyspace}.items (id, body) VALUES (?, ?)`;
    for (let from = 0; from < ROWS; from += 50) {
      const ids = Array.from({ length: Math.min(50, ROWS - from) }, (_, k) => from + k);
      await Promise.all(ids.map((id) => client.execute(insert, [id, `row ${id}`], { prepare: true, consistency: cassandra.types.consistencies.all })));
    }
    log(`${ROWS} rows written at ALL in ${seconds(t1)} s`);
    // The planner's input, as migrate and verify build it (job/table-job.ts): from a client that
    // reads metadata only, with the driver's own map encoding.
    const planning = await connect(connection, undefined, { metadataOnly: true });
    try {
      ring = ringRanges(planning, keyspace, await sizeEstimates(planning, keyspace, 'items'));
    } finally {
      await planning.shutdown();
    }
    plan = planRanges(ring, 100);
  });

  afterAll(async () => {
    if (client === undefined) return;
    // A failed test must not leave node 2 down for the next run.
    if (!(await clusterState({ nodes: NODES })).ready) await startNode(STOPPED, { log });
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it(`has ${NODES} nodes × ${TOKENS_PER_NODE} tokens in the driver's metadata`, () => {
    const hosts = client.hosts.values();
    expect(hosts.map((h) => h.address).sort()).toEqual([...cluster.contactPoints].sort());
    for (const h of hosts) {
      expect(h.isUp()).toBe(true);
      expect(h.tokens).toHaveLength(TOKENS_PER_NODE);
    }
    expect(new Set(hosts.flatMap((h) => h.tokens)).size).toBe(NODES * TOKENS_PER_NODE);
    expect(client.metadata.getTokenRanges().size).toBe(NODES * TOKENS_PER_NODE);
  });

  it('plans ranges that cover the ring exactly once', async () => {
    expect(ring).toHaveLength(NODES * TOKENS_PER_NODE);
    const primaries = new Map<string, number>();
    for (const r of ring) {
      for (const a of r.replicas) expect(cluster.contactPoints).toContain(a);
      primaries.set(r.replicas[0]!, (primaries.get(r.replicas[0]!) ?? 0) + 1);
    }
    // each node is the first replica of the ranges its own 16 tokens end
    expect([...primaries.values()]).toEqual(Array(NODES).fill(TOKENS_PER_NODE));

    assertCoversRing(plan);
    expect(BigInt(plan[0]!.start)).toBe(MIN_TOKEN);
    expect(BigInt(plan.at(-1)!.end)).toBe(MAX_TOKEN);
    expect(plan.reduce((sum, r) => sum + (BigInt(r.end) - BigInt(r.start)), 0n)).toBe(MAX_TOKEN - MIN_TOKEN);
    expect(plan.length).toBeGreaterThanOrEqual(NODES * TOKENS_PER_NODE + 1); // the wrapping range splits in two

    // and the rows, read range by range at LOCAL_ONE on a replica, come back exactly once
    expect(await readAll('LOCAL_ONE')).toEqual(Array.from({ length: ROWS }, (_, i) => i));
  });

  it('gives every range its 2 replicas (replication factor 2), so a read can move to the other one', () => {
    const counts = ring.map((r) => new Set(r.replicas).size);
    // A client with `encoding: { map: Map }` (the row readers') decodes
    // system_schema.keyspaces.replication as a Map, its schema parser reads no strategy from it,
    // and getReplicas returns the primary replica alone: the planner has a client of its own
    // (src/cassandra/client.ts `metadataOnly`; test/integration/cassandra-metadata.test.ts).
    const short = counts.filter((n) => n !== 2).length;
    expect({ rangesWithoutTwoReplicas: short, ranges: counts.length }, 'from client.metadata.getReplicas, see the comment above').toEqual({
      rangesWithoutTwoReplicas: 0,
      ranges: NODES * TOKENS_PER_NODE,
    });
  });

  it(`still reads everything at ONE and LOCAL_ONE with node ${STOPPED} stopped, then takes it back`, async () => {
    const t0 = Date.now();
    await stopNode(STOPPED, { log });
    log(`node ${STOPPED} stopped in ${seconds(t0)} s`);
    try {
      await until(`the driver to see node ${STOPPED} down`, () => !hostOf(STOPPED).isUp());
      const state = await clusterState({ nodes: NODES });
      expect(state.nodes.map((n) => n.state)).toEqual(['ready', 'down', 'ready']);
      expect(state.nodes[0]!.members?.find((m) => m.address === cluster.nodes[STOPPED - 1]!.address)?.status).toBe('shutdown');

      const all = Array.from({ length: ROWS }, (_, i) => i);
      const touched = plan.filter((r) => r.replicas.includes(cluster.contactPoints[STOPPED - 1]!));
      expect(touched.length).toBeGreaterThan(0);
      const t1 = Date.now();
      expect(await readAll('ONE')).toEqual(all);
      expect(await readAll('LOCAL_ONE')).toEqual(all);
      log(`2 × ${plan.length} ranges read without node ${STOPPED} in ${seconds(t1)} s (${touched.length} ranges had it as a replica)`);

      // The cluster itself knows node 2 is gone: ALL on a key it holds is unavailable.
      const key = all.find((id) => replicasOf(id).includes(cluster.contactPoints[STOPPED - 1]!))!;
      const atAll = await client
        .execute(`SELECT id FROM ${keyspace}.items WHERE id = ?`, [key], { prepare: true, consistency: cassandra.types.consistencies.all })
        .then(
          () => 'answered',
          (e: Error) => (e as { code?: number }).code,
        );
      expect(atAll).toBe(cassandra.types.responseErrorCodes.unavailableException);
    } finally {
      const t2 = Date.now();
      await startNode(STOPPED, { log });
      log(`node ${STOPPED} started again in ${seconds(t2)} s`);
    }
    await until(`the driver to see node ${STOPPED} up`, () => hostOf(STOPPED).isUp());
    expect((await clusterState({ nodes: NODES })).ready).toBe(true);
    // ALL needs both replicas of every range: node 2 serves again.
    const rs = await client.execute(`SELECT count(*) AS n FROM ${keyspace}.items`, [], {
      prepare: true,
      consistency: cassandra.types.consistencies.all,
    });
    expect(Number(String(rs.first().get('n')))).toBe(ROWS);
  });
});
