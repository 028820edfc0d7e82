/**
 * The real binary in a subprocess: what a user at a terminal gets, including SIGINT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import type cassandra from 'cassandra-driver';
import { PACKAGE_ROOT } from '../../src/package-info.js';
import { CONTACT_POINT, dropKeyspace, testClient, uniqueName } from '../helpers/cassandra.js';

const BIN = path.join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const keyspace = uniqueName('it_binary');
let client: cassandra.Client;

beforeAll(async () => {
  client = await testClient();
});

afterAll(async () => {
  await dropKeyspace(client, keyspace);
  await client.shutdown();
});

describe('cass2ddb-fast binary', () => {
  it('populates and prints a summary, exit 0', () => {
    const r = spawnSync(process.execPath, [BIN, 'populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--rows', '500', '--threads', '1'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/Error|warning/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/populate completed: users → it_binary_[0-9a-f]+\.users/);
    expect(r.stdout).toMatch(/rows written {3}500 of 500 \(seed 42\)/);
    expect(r.stdout).toMatch(/insert latency p50 .* p99 .* max /);
  });

  it('prints a one-line error for an unknown flag, exit 64', () => {
    const r = spawnSync(process.execPath, [BIN, 'populate', '--nope'], { encoding: 'utf8' });
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toBe('cass2ddb-fast: Unsupported option name ("--nope").');
  });

  it('stops cleanly on SIGINT: exit 4, summary says interrupted, every counted row is in Cassandra', async () => {
    const child = spawn(process.execPath, [BIN, 'populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--table', 'interrupted', '--rows', '5000000', '--json']);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      // interrupt once real progress has been made
      if (/"event":"progress".*"done":[1-9]/.test(out) && !child.killed) child.kill('SIGINT');
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(err).toContain('SIGINT received, stopping');
    expect(status).toBe(4);
    const summary = out.split('\n').filter((l) => l.includes('"event":"summary"')).map((l) => JSON.parse(l) as Record<string, number | string>)[0];
    expect(summary?.status).toBe('interrupted');
    const written = summary?.rowsWritten as number;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(5_000_000);
    const rs = await client.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.interrupted`, [], { readTimeout: 120_000 });
    // a row is counted only after Cassandra acknowledged it, and a stop lets in-flight rows finish
    expect(Number(rs.first().get('n'))).toBe(written);
  });
});
