import { describe, expect, it } from 'vitest';
import { compareKeySchema, type KeySchema } from '../../../src/dynamodb/table-admin.js';

const schema = (hash: [string, 'S' | 'N' | 'B'], range?: [string, 'S' | 'N' | 'B'] | null): KeySchema => ({
  hashKey: { name: hash[0], type: hash[1] },
  ...(range === undefined ? {} : { rangeKey: range === null ? null : { name: range[0], type: range[1] } }),
});

describe('compareKeySchema', () => {
  it('agrees on equal schemas; a null sort key is the same as none', () => {
    expect(compareKeySchema(schema(['id', 'S']), schema(['id', 'S']))).toBeUndefined();
    expect(compareKeySchema(schema(['id', 'S'], null), schema(['id', 'S']))).toBeUndefined();
    expect(compareKeySchema(schema(['pk', 'S'], ['sk', 'N']), schema(['pk', 'S'], ['sk', 'N']))).toBeUndefined();
  });

  it('describes every difference on one line', () => {
    expect(compareKeySchema(schema(['id', 'S']), schema(['id', 'N']))).toBe('partition key is id (N), expected id (S)');
    expect(compareKeySchema(schema(['pk', 'S'], ['sk', 'S']), schema(['pk', 'S']))).toBe('sort key is none, expected sk (S)');
    expect(compareKeySchema(schema(['pk', 'S']), schema(['user', 'B'], ['ts', 'N']))).toBe(
      'partition key is user (B), expected pk (S); sort key is ts (N), expected none',
    );
  });

  it('accepts the mapping layer\'s KeySchema (extra fields, null sort key) as is', () => {
    const fromMapping = { hashKey: { name: 'id', type: 'S' as const, columns: ['id'], encoding: 'native' as const }, rangeKey: null };
    expect(compareKeySchema(fromMapping, schema(['id', 'S']))).toBeUndefined();
  });
});

describe('TableAdmin errors', () => {
  it('keeps an error of ours (the credential source’s DYNAMODB_AUTH) with its reason: no network failure', async () => {
    const { TableAdmin } = await import('../../../src/dynamodb/table-admin.js');
    const { toolError } = await import('../../../src/errors.js');
    const refused = toolError('DYNAMODB_AUTH', "no AWS credentials (profile 'procfail'): its credential_process failed");
    const client = { send: () => Promise.reject(refused) } as unknown as ConstructorParameters<typeof TableAdmin>[0];
    const error = await new TableAdmin(client).describe('t').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DYNAMODB_AUTH', message: "no AWS credentials (profile 'procfail'): its credential_process failed" });
  });
});
