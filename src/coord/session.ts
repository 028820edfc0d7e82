/**
 * `--coordinator dynamodb:<table>`: what the flag means, who this process is, and the coordination
 * table opened on the target's endpoint with the target's credentials (the same account; its
 * IAM needs are in the README, "One machine or many").
 */
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCredentialSource, createDynamoDbClient } from '../dynamodb/credentials.js';
import { resolveEndpoint, type ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { ErrorCode, toolError } from '../errors.js';
import { DEFAULTS } from '../config/defaults.js';
import { LeaseTable } from './lease-table.js';
import { processView } from './processes.js';
import { PROC_PREFIX } from './lease-table.js';

/** The resolved coordination settings of one process (validated at the edge). */
export interface CoordinatorConfig {
  /** As given: `dynamodb:<table>`. */
  readonly text: string;
  readonly table: string;
  readonly processId: string;
  /** The orchestrator's index of this process, when it has one. */
  readonly index?: string;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  /** `--coordinator-endpoint-url`: the coordination table elsewhere than the target (default: the target's endpoint). */
  readonly endpoint?: string;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Parses `dynamodb:<table>`; a usage error (exit 64) names the flag. */
export function parseCoordinator(text: string): { readonly table: string } {
  const m = /^dynamodb:(.*)$/.exec(text);
  if (m === null) throw toolError(ErrorCode.USAGE, `--coordinator: expected dynamodb:<table>, got ${JSON.stringify(text)}`);
  const table = m[1] ?? '';
  if (!TABLE_NAME.test(table)) throw toolError(ErrorCode.USAGE, `--coordinator: ${JSON.stringify(table)} is no DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)`);
  return { table };
}

/** The orchestrator's index of this process: Kubernetes Indexed Jobs, then AWS Batch array jobs. */
export function orchestratorIndex(env: NodeJS.ProcessEnv): { readonly name: string; readonly value: string } | undefined {
  for (const name of ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX']) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/**
 * `<host>-<pid>-<random>`, and `-i<index>` under an orchestrator: readable in `status`, and new
 * at every start (a container's host name and pid repeat when it restarts; a restart under an
 * explicit --process-id takes its predecessor's leases back at once, see lease-source.ts).
 */
export function defaultProcessId(env: NodeJS.ProcessEnv): string {
  const index = orchestratorIndex(env);
  const host = os.hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
  return `${host}-${process.pid}-${randomBytes(2).toString('hex')}${index === undefined ? '' : `-i${index.value}`}`;
}

export function coordinatorConfig(text: string, env: NodeJS.ProcessEnv, o: { processId?: string; leaseSeconds?: number; endpoint?: string }): CoordinatorConfig {
  const { table } = parseCoordinator(text);
  if (o.processId !== undefined && !/^[A-Za-z0-9_.:-]{1,100}$/.test(o.processId)) {
    throw toolError(ErrorCode.USAGE, `--process-id: ${JSON.stringify(o.processId)} must be 1-100 of A-Z a-z 0-9 _ . : -`);
  }
  const leaseMs = (o.leaseSeconds ?? DEFAULTS.coordination.leaseMs / 1000) * 1000;
  const index = orchestratorIndex(env);
  return {
    text,
    table,
    processId: o.processId ?? defaultProcessId(env),
    ...(index === undefined ? {} : { index: index.value }),
    leaseMs,
    heartbeatMs: Math.min(DEFAULTS.coordination.heartbeatMs, Math.floor(leaseMs / 3)),
    pollMs: Math.min(DEFAULTS.coordination.pollMs, Math.floor(leaseMs / 4)),
    ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
  };
}

export interface CoordinationTable {
  readonly table: LeaseTable;
  readonly client: DynamoDBClient;
  readonly created: boolean;
  close(): void;
}

/** Where the coordination table is: --coordinator-endpoint-url with the target's region and profile, or the target's endpoint. */
export async function coordinationEndpoint(config: Pick<CoordinatorConfig, 'endpoint'>, target: { readonly endpoint: ResolvedEndpoint }): Promise<ResolvedEndpoint> {
  if (config.endpoint === undefined) return target.endpoint;
  return resolveEndpoint({ endpoint: config.endpoint, region: target.endpoint.region, ...(target.endpoint.profile === undefined ? {} : { profile: target.endpoint.profile }) });
}

/**
 * Opens the coordination table of `job` on the target's endpoint, creating it on demand (unless
 * told not to: `status` only reads, and a missing table is its error).
 */
export async function openCoordinationTable(endpoint: ResolvedEndpoint, config: Pick<CoordinatorConfig, 'table'>, job: string, o: { readonly create?: boolean } = {}): Promise<CoordinationTable> {
  const client: DynamoDBClient = createDynamoDbClient(endpoint, createCredentialSource({ endpoint }), { maxAttempts: DEFAULTS.dynamodb.sdkMaxAttempts });
  try {
    const table = new LeaseTable(client, config.table, job);
    const created = o.create === false ? (await table.mustExist(), false) : await table.ensure();
    return { table, client, created, close: () => client.destroy() };
  } catch (error) {
    client.destroy();
    throw error;
  }
}

/**
 * `--fresh` with a coordinator: drops the job's state, unless a process of it still beats
 * (a heartbeat within two lease times, by its own clock: the only time we have of it).
 */
export async function dropJob(table: LeaseTable, leaseMs: number, coordinator: string): Promise<number> {
  const now = Date.now();
  for (const p of (await table.query(PROC_PREFIX)).map(processView)) {
    const at = p.heartbeatAt === undefined ? 0 : Date.parse(p.heartbeatAt);
    if ((p.state === 'running' || p.state === 'waiting') && now - at < 2 * leaseMs) {
      throw toolError(ErrorCode.USAGE, `--fresh: process ${p.processId} of the ${table.job} job in ${coordinator} is still running (heartbeat ${Math.round((now - at) / 1000)} s ago); stop it first, or wait for its lease time`);
    }
  }
  return table.deleteJob();
}

/**
 * A file or folder of one process of a shared job: `<name>.<process id><ext>`, or a folder per
 * process. With --coordinator every process writes its own (they may share a folder).
 */
export function perProcess(file: string, processId: string, folder = false): string {
  const id = processId.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (folder) return path.join(file, id);
  // `x.dead-letters.jsonl` → `x.<id>.dead-letters.jsonl`; otherwise before the last extension.
  const ext = file.endsWith('.dead-letters.jsonl') ? '.dead-letters.jsonl' : path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${id}${ext}`;
}
