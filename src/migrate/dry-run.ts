/**
 * `--dry-run`: the plan and what it would cost, with nothing written. Sizes come from a sample
 * read of ranges spread over the ring (Cassandra's size_estimates miss data still in memtables
 * and lag by minutes), extrapolated by the share of the ring sampled.
 *
 * With the checks of the target the preparation made (read-only: endpoint, credentials, table;
 * dynamodb/target-checks.ts): a failed one is what the real run would stop on, so the dry run
 * ends with its exit status (3), one line per failed check on stderr.
 */
import { resolvedFetchSize } from '../job/table-job.js';
import type { Writable } from 'node:stream';
import cassandra from 'cassandra-driver';
import { connect } from '../cassandra/client.js';
import { compileRowConverter } from '../mapping/row-converter.js';
import { fmtDuration, fmtInt } from '../metrics/progress.js';
import { shardReport, shardText } from '../plan/shards.js';
import { ringShare } from '../plan/token-ranges.js';
import type { TargetCheck } from '../dynamodb/target-checks.js';
import { ExitStatus, exitStatusFor, type ExitStatusCode } from '../errors.js';
import type { MigrateConfig } from './config.js';
import type { PreparedJob } from './prepare.js';

export const DRY_RUN_SAMPLE = Object.freeze({ maxRanges: 8, maxRows: 20_000, maxMs: 15_000 });

export interface DryRunEstimate {
  readonly ranges: number;
  readonly pendingRanges: number;
  readonly replicas: Readonly<Record<string, number>>;
  readonly sampledRanges: number;
  readonly sampledRows: number;
  readonly sampledRingShare: number;
  readonly estimatedRows: number;
  readonly estimatedItemBytes: number;
  readonly estimatedWriteUnits: number;
  readonly estimatedDeadLetters: number;
  readonly sizeEstimatePartitions: number;
  readonly maxWcu?: number;
  readonly estimatedSeconds?: number;
  readonly keySchema: PreparedJob['keySchema'];
}

export async function estimate(config: MigrateConfig, prepared: PreparedJob): Promise<DryRunEstimate> {
  const pending = prepared.checkpoint.pending();
  const step = Math.max(1, Math.floor(pending.length / DRY_RUN_SAMPLE.maxRanges));
  const sample = pending.filter((_, i) => i % step === 0).slice(0, DRY_RUN_SAMPLE.maxRanges);
  const convert = compileRowConverter(prepared.tableSpec, config.mapping);
  const client = await connect(config.connection);
  let rows = 0;
  let bytes = 0;
  let wcu = 0;
  let dead = 0;
  let share = 0;
  const started = performance.now();
  try {
    for (const r of sample) {
      const params = [cassandra.types.Long.fromString(r.resumeAfter ?? r.start), cassandra.types.Long.fromString(r.end)];
      let complete = true;
      let lastToken: string | undefined;
      const stream = client.stream(prepared.select.cql, params, { prepare: true, fetchSize: resolvedFetchSize(config) });
      for await (const row of stream as unknown as AsyncIterable<cassandra.types.Row>) {
        rows++;
        lastToken = String(row[prepared.select.tokenAlias]);
        const c = convert(row);
        if (c.ok) {
          bytes += c.sizeBytes;
          wcu += c.wcu;
        } else dead++;
        if (rows >= DRY_RUN_SAMPLE.maxRows || performance.now() - started > DRY_RUN_SAMPLE.maxMs) {
          complete = false;
          break;
        }
      }
      if (!complete) {
        // a partly read range counts up to the last token seen
        if (lastToken !== undefined) share += ringShare(r.resumeAfter ?? r.start, lastToken);
        break;
      }
      share += ringShare(r.resumeAfter ?? r.start, r.end);
    }
  } finally {
    await client.shutdown();
  }
  const pendingShare = pending.reduce((a, r) => a + ringShare(r.resumeAfter ?? r.start, r.end), 0);
  const scale = share > 0 ? pendingShare / share : 0;
  const replicas: Record<string, number> = {};
  for (const r of pending) for (const h of r.replicas.slice(0, 1)) replicas[h] = (replicas[h] ?? 0) + 1;
  const estimatedWriteUnits = Math.round(wcu * scale);
  return {
    ranges: prepared.checkpoint.all().length,
    pendingRanges: pending.length,
    replicas,
    sampledRanges: sample.length,
    sampledRows: rows,
    sampledRingShare: share,
    estimatedRows: Math.round(rows * scale),
    estimatedItemBytes: Math.round(bytes * scale),
    estimatedWriteUnits,
    estimatedDeadLetters: Math.round(dead * scale),
    sizeEstimatePartitions: Math.round(prepared.estimatedPartitions),
    ...(config.maxWcu === undefined ? {} : { maxWcu: config.maxWcu, estimatedSeconds: estimatedWriteUnits / config.maxWcu }),
    keySchema: prepared.keySchema,
  };
}

/**
 * Prints the plan, the estimates and the checks of the target (stdout: a JSON `dry-run` event or
 * text), and one line per failed check on `err`. Returns the exit status: 0 when every check
 * passed, else the status of the first failed check's code.
 */
export async function printDryRun(config: MigrateConfig, prepared: PreparedJob, out: Writable, err: Writable, json: boolean): Promise<ExitStatusCode> {
  const e = await estimate(config, prepared);
  const checks = prepared.targetChecks ?? [];
  const failed = checks.filter((c) => c.status === 'failed');
  if (json) {
    const listed = checks.map(({ name, status, detail }) => ({ name, status, detail }));
    out.write(`${JSON.stringify({ event: 'dry-run', command: 'migrate', source: `${config.keyspace}.${config.table}`, target: config.targetTable, ...(config.shard === undefined ? {} : { shard: shardReport(config.shard) }), ...e, checks: listed, ok: failed.length === 0 })}\n`);
  } else {
    out.write(formatDryRun(config, prepared, e, checks));
  }
  for (const c of failed) err.write(`cass2ddb-fast: dry run: ${c.name}: ${c.detail}\n`);
  const first = failed[0];
  return first?.code === undefined ? (first === undefined ? ExitStatus.OK : ExitStatus.FATAL) : exitStatusFor(first.code);
}

function formatDryRun(config: MigrateConfig, prepared: PreparedJob, e: DryRunEstimate, checks: readonly TargetCheck[]): string {
  const ks = e.keySchema;
  const key = `${ks.hashKey.name} (${ks.hashKey.type}, HASH)${ks.rangeKey === null ? '' : `, ${ks.rangeKey.name} (${ks.rangeKey.type}, RANGE)`}`;
  const failed = checks.filter((c) => c.status === 'failed').length;
  const lines = [
    `migrate dry run: ${config.keyspace}.${config.table} → ${config.targetTable} (${prepared.target.identity}); nothing is written`,
    `  key schema        ${key}`,
    `  plan              ${e.pendingRanges} of ${e.ranges} ranges to copy on ${config.threads} threads` +
      (config.shard === undefined ? '' : `, ${shardText(config.shard)}`) + '; reads per replica: ' +
      Object.entries(e.replicas).map(([h, n]) => `${h} ${n}`).join(', '),
    `  sample            ${fmtInt(e.sampledRows)} rows from ${e.sampledRanges} ranges (${(100 * e.sampledRingShare).toFixed(2)}% of the ring)`,
    `  estimated rows    ${fmtInt(e.estimatedRows)}` + (e.sizeEstimatePartitions > 0 ? ` (Cassandra's size_estimates: ${fmtInt(e.sizeEstimatePartitions)} partitions)` : ''),
    `  estimated size    ${fmtInt(e.estimatedItemBytes / 1024 / 1024)} MiB of DynamoDB items`,
    `  write units       ${fmtInt(e.estimatedWriteUnits)}`,
    `  dead letters      ${fmtInt(e.estimatedDeadLetters)} (rows the mapping cannot convert, extrapolated)`,
    e.maxWcu === undefined
      ? '  time              add --max-wcu N to estimate the time at N write units per second'
      : `  time at ${fmtInt(e.maxWcu)} WCU  ${fmtDuration((e.estimatedSeconds ?? 0) * 1000)}`,
    `  checkpoint        ${prepared.checkpoint.file}${prepared.resumed ? ' (resuming)' : ''}`,
    `  checks            ${failed === 0 ? 'the target is ready for the real run' : `${failed} failed: the real run would stop`}`,
    ...checks.map((c) => `    ${c.name.padEnd(13)} ${(c.status === 'failed' ? 'FAILED' : c.status).padEnd(8)}${c.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}
