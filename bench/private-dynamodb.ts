/**
 * A DynamoDB Local of a bench's own, for benches that leave many stream records behind.
 *
 * DynamoDB Local (3.1.0, in memory) keeps the stream records of a deleted table until it
 * restarts, and every later write to any table with a stream pays for them: after one
 * 200,000-event bench:monitor run and DeleteTable of both tables, a PutItem on a stream table took
 * 220 ms instead of 10 ms, for every test sharing that DynamoDB Local. An instance on its own
 * port and state directory (scripts/services.mjs reads both from the environment), stopped at the
 * end, takes them away with it.
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../src/package-info.js';

interface ServicesApi {
  ensureServices(options: { cassandra: boolean; dynamodb: boolean; log: (line: string) => void }): Promise<{ dynamodb: { endpoint: string } }>;
  stopServices(options: { cassandra: boolean; dynamodb: boolean; log: (line: string) => void }): Promise<string[]>;
}

export interface PrivateDynamoDb {
  readonly endpoint: string;
  readonly port: number;
  /** The environment that names this instance to scripts/services.mjs (to stop one kept running). */
  readonly env: string;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local on `port` with its state in a temp directory (the downloaded jars stay
 * shared), or reuses the one left running there.
 */
export async function startPrivateDynamoDb(port: number, log: (line: string) => void): Promise<PrivateDynamoDb> {
  const servicesDir = path.join(os.tmpdir(), `cass2ddb-bench-dynamodb-${port}`);
  process.env.CASS2DDB_SERVICES_DIR = servicesDir;
  process.env.DYNAMODB_PORT = String(port);
  const api = (await import(pathToFileURL(path.join(PACKAGE_ROOT, 'scripts', 'services.mjs')).href)) as ServicesApi;
  const { dynamodb } = await api.ensureServices({ cassandra: false, dynamodb: true, log });
  return {
    endpoint: dynamodb.endpoint,
    port,
    env: `CASS2DDB_SERVICES_DIR=${servicesDir} DYNAMODB_PORT=${port}`,
    stop: async () => {
      await api.stopServices({ cassandra: false, dynamodb: true, log });
    },
  };
}
