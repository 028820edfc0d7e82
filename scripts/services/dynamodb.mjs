// DynamoDB Local: the JVM argument file and command line, and the ListTables readiness probe.

import fs from 'node:fs';
import path from 'node:path';
import { DYNAMODB_LOCAL_VERSION, DYNAMODB_MAIN_CLASS, HOST } from './config.mjs';
import { oneLine } from './errors.mjs';
import { toArgFile } from './java.mjs';
import { classpath } from './maven.mjs';

/** @typedef {import('./config.mjs').Config} Config */
/** @typedef {import('./config.mjs').Paths} Paths */

/**
 * Write the JVM argument file; returns the java command-line arguments. -sharedDb: one
 * database whatever the access key and region; -disableTelemetry: there is no network here.
 * @param {Config} cfg @param {Paths} p
 */
export function prepareDynamodb(cfg, p) {
  fs.mkdirSync(p.home, { recursive: true });
  const args = [
    '-Xms256m',
    '-Xmx1g',
    `-Djava.library.path=${p.native}`,
    `-Dsqlite4java.library.path=${p.native}`,
    `-XX:ErrorFile=${path.join(p.home, 'hs_err_pid%p.log')}`,
    '-cp',
    classpath(p),
  ];
  fs.writeFileSync(p.argFile, toArgFile(args));
  return [
    `@${p.argFile}`,
    '-Dcass2ddb.service=dynamodb',
    DYNAMODB_MAIN_CLASS,
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(cfg.dynamodbPort),
  ];
}

/** @type {Promise<typeof import('@aws-sdk/client-dynamodb')>|undefined} */
let dynamodbSdk;

/** ListTables through @aws-sdk/client-dynamodb. @param {number} port */
export async function probeDynamodb(port) {
  dynamodbSdk ??= import('@aws-sdk/client-dynamodb');
  const { DynamoDBClient, ListTablesCommand } = await dynamodbSdk;
  const client = new DynamoDBClient({
    endpoint: `http://${HOST}:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const out = await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(5000) });
    return { ok: true, version: DYNAMODB_LOCAL_VERSION, tables: out.TableNames?.length ?? 0 };
  } catch (e) {
    return { ok: false, error: oneLine(e) };
  } finally {
    client.destroy();
  }
}
