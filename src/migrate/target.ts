/** The DynamoDB target of a migration: where it is, and a table whose key schema fits the mapping. */
import { createCredentialSource, createDynamoDbClient } from '../dynamodb/credentials.js';
import { resolveEndpoint, type ResolvedEndpoint } from '../dynamodb/endpoint.js';
import { TableAdmin, compareKeySchema } from '../dynamodb/table-admin.js';
import { ErrorCode, ToolError } from '../errors.js';
import type { KeySchema } from '../mapping/keys.js';
import type { MigrateConfig } from './config.js';

export interface TargetDescription {
  readonly endpoint: ResolvedEndpoint;
  readonly region: string;
  /** `origin region`: names the target in checkpoints and messages; never a credential. */
  readonly identity: string;
}

export async function describeTarget(config: Pick<MigrateConfig, 'endpoint' | 'region' | 'profile'>): Promise<TargetDescription> {
  const endpoint = await resolveEndpoint({
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.profile === undefined ? {} : { profile: config.profile }),
  });
  return { endpoint, region: endpoint.region, identity: `${endpoint.url.origin} ${endpoint.signingRegion}` };
}

function describeKeys(k: { hashKey: { name: string; type: string }; rangeKey?: { name: string; type: string } | null }): string {
  return `${k.hashKey.name} (${k.hashKey.type}) HASH${k.rangeKey ? `, ${k.rangeKey.name} (${k.rangeKey.type}) RANGE` : ''}`;
}

/**
 * Checks the target table's key schema against the mapping's, or creates the table with it.
 * Returns true when it created the table. Nothing is written on a mismatch.
 */
export async function ensureTargetTable(
  config: Pick<MigrateConfig, 'targetTable' | 'createTable' | 'requestTimeoutMs'>,
  keySchema: KeySchema,
  target: TargetDescription,
): Promise<boolean> {
  const credentials = createCredentialSource({ endpoint: target.endpoint });
  const client = createDynamoDbClient(target.endpoint, credentials, { maxAttempts: 2, requestTimeoutMs: config.requestTimeoutMs });
  try {
    const admin = new TableAdmin(client);
    const actual = await admin.describeKeySchema(config.targetTable);
    if (actual === undefined) {
      if (!config.createTable) {
        throw new ToolError({
          code: ErrorCode.DYNAMODB_SCHEMA,
          message: `target table '${config.targetTable}' does not exist at ${target.identity}; add --create-table to create it with key ${describeKeys(keySchema)}`,
          retryable: false,
        });
      }
      await admin.createTable(config.targetTable, keySchema, { onDemand: true });
      return true;
    }
    const diff = compareKeySchema(keySchema, actual);
    if (diff !== undefined) {
      throw new ToolError({
        code: ErrorCode.DYNAMODB_SCHEMA,
        message: `target table '${config.targetTable}' does not fit the mapping: ${diff} (the table has ${describeKeys(actual)}); nothing was written`,
        retryable: false,
      });
    }
    return false;
  } catch (error) {
    if (error instanceof ToolError && error.code === ErrorCode.DYNAMODB_UNREACHABLE) {
      throw new ToolError({ ...error.toPlain(), message: `cannot reach DynamoDB at ${target.identity}: ${error.message}` });
    }
    throw error;
  } finally {
    client.destroy();
  }
}
