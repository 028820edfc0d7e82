/** What the whole-run benchmarks share: the tool in-process, the services, a reusable source table. */
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type cassandra from 'cassandra-driver';
import { runCli } from '../src/app.js';
import { PACKAGE_ROOT } from '../src/package-info.js';

export const CONTACT_POINT = `127.0.0.1:${process.env.CASSANDRA_PORT ?? 9042}`;
export const LOCAL_ENDPOINT = `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`;

export async function ensureBenchServices(dynamodb: boolean): Promise<void> {
  const url = pathToFileURL(path.join(PACKAGE_ROOT, 'scripts', 'services.mjs')).href;
  const { ensureServices } = (await import(url)) as { ensureServices: (o: object) => Promise<unknown> };
  await ensureServices({ cassandra: true, dynamodb, log: (l: string) => process.stderr.write(`[services] ${l}\n`) });
}

/** Runs a command line in this process; returns its status and its JSON summary event. */
export async function tool(args: string[]): Promise<{ status: number; summary: Record<string, unknown> | undefined; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const status = await runCli(args, { stdin: new PassThrough(), stdout, stderr, env: process.env });
  const line = out.split('\n').filter((l) => l.includes('"event":"summary"')).pop();
  return { status, summary: line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>), stderr: err };
}

/** `users_<rows>` in the keyspace, populated once and reused while its row count matches. */
export async function ensureUsersTable(client: cassandra.Client, keyspace: string, rows: number, threads: number): Promise<string> {
  return ensureModelTable(client, keyspace, 'users', rows, threads);
}

/** `<model>_<rows>` (all_types_<rows> for all-types) in the keyspace, populated once and reused while its row count matches. */
export async function ensureModelTable(client: cassandra.Client, keyspace: string, model: 'users' | 'all-types', rows: number, threads: number): Promise<string> {
  const table = `${model.replace('-', '_')}_${rows}`;
  let have = 0;
  try {
    have = Number((await client.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.${table}`, [], { readTimeout: 300_000 })).first().get('n'));
  } catch {
    have = 0;
  }
  if (have !== rows) {
    process.stderr.write(`populating ${rows.toLocaleString('en-US')} ${model} rows into ${keyspace}.${table}\n`);
    await client.execute(`DROP TABLE IF EXISTS ${keyspace}.${table}`).catch(() => undefined);
    const p = await tool(['populate', '--contact-points', CONTACT_POINT, '--keyspace', keyspace, '--model', model, '--table', table, '--rows', String(rows), '--threads', String(threads), '--json']);
    if (p.status !== 0) throw new Error(`populate failed: ${p.stderr}`);
  }
  return table;
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
