/**
 * Reports from real runs: migrate and verify with --report-dir against the real databases, then
 * `report` prints the tables, compares two runs, and the HTML holds the plots' data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runInProcess } from '../helpers/cli.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';
import { DYNAMODB_ENDPOINT, dropTable, testDynamo } from '../helpers/dynamodb.js';

const keyspace = uniqueName('it_report');
const dir = mkdtempSync(path.join(os.tmpdir(), 'report-it-'));
const targets = [uniqueName('rep_a'), uniqueName('rep_b')];
let cql: cassandra.Client;
let ddb: DynamoDBClient;

beforeAll(async () => {
  cql = await testClient();
  ddb = testDynamo();
  const r = await runInProcess(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', '8000', '--threads', '2']);
  if (r.status !== 0) throw new Error(r.stderr);
}, 300_000);

afterAll(async () => {
  for (const t of targets) await dropTable(ddb, t);
  await dropKeyspace(cql, keyspace);
  await cql.shutdown();
  ddb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function reportData(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

describe('run reports', () => {
  it('migrate --report-dir writes histograms, timeline and an HTML report with the plots\' data', async () => {
    const runs: string[] = [];
    for (const [i, target] of targets.entries()) {
      const reportDir = path.join(dir, `run-${i}`);
      runs.push(reportDir);
      const m = await runInProcess([
        'migrate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', target,
        '--endpoint-url', DYNAMODB_ENDPOINT, '--create-table', '--threads', String(i + 1), '--checkpoint', path.join(dir, `c${i}.json`),
        '--report-dir', reportDir,
      ]);
      expect(m.status, m.stderr).toBe(0);
      expect(m.stdout).toContain(`report           ${reportDir}`);
      for (const f of ['summary.json', 'histograms.json', 'timeline.jsonl', 'report.html', 'batch-write.hgrm', 'page-fetch.hgrm', 'convert.hgrm', 'range.hgrm', 'retries-per-item.hgrm']) {
        expect(existsSync(path.join(reportDir, f)), f).toBe(true);
      }
      const hgrm = readFileSync(path.join(reportDir, 'batch-write.hgrm'), 'utf8');
      expect(hgrm).toMatch(/Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)/);
      expect(hgrm).toMatch(/#\[Mean\s+=\s+[\d.]+, StdDeviation/);
      const summary = JSON.parse(readFileSync(path.join(reportDir, 'summary.json'), 'utf8')) as { summary: { itemsWritten: number; requests: number } };
      expect(summary.summary.itemsWritten).toBe(8000);
      const timeline = readFileSync(path.join(reportDir, 'timeline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { itemsWritten: number });
      expect(timeline.length).toBeGreaterThan(0);
      expect(timeline.at(-1)!.itemsWritten).toBe(8000);

      const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
      expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      const data = JSON.stringify(reportData(html));
      expect(data).toContain('batch-write');
      expect(data).toContain('"itemsWritten":8000');
    }

    const one = await runInProcess(['report', runs[0]!]);
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/latency \(ms\)/);
    expect(one.stdout).toMatch(/batch-write/);
    expect(one.stdout).toMatch(/p99\.9/);
    expect(one.stdout).toMatch(/items written\s+8,000/);

    const both = await runInProcess(['report', runs[0]!, runs[1]!, '--html', path.join(dir, 'compare.html')]);
    expect(both.status, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/change/);
    expect(both.stdout).toMatch(/threads\s+1\s+2\s+differs/);
    expect(reportData(readFileSync(path.join(dir, 'compare.html'), 'utf8'))).toBeDefined();

    const json = await runInProcess(['report', runs[0]!, '--json']);
    expect(json.events[0]).toMatchObject({ event: 'report', command: 'report' });
  });

  it('verify --report-dir writes a report too; a bad report dir is a one-line usage error', async () => {
    const reportDir = path.join(dir, 'verify-run');
    const v = await runInProcess([
      'verify', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'users', '--target-table', targets[0]!,
      '--endpoint-url', DYNAMODB_ENDPOINT, '--report-dir', reportDir, '--differences', path.join(dir, 'd.jsonl'),
    ]);
    expect(v.status, v.stderr).toBe(0);
    const r = await runInProcess(['report', reportDir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^verify /m);
    expect(r.stdout).toMatch(/batch-get/);
    const bad = await runInProcess(['report', path.join(dir, 'nope')]);
    expect(bad.status).toBe(64);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/^cass2ddb-fast: /);
  });
});
