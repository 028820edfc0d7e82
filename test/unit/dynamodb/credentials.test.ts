import { describe, expect, it } from 'vitest';
import { createCredentialSource, createDynamoDbClient, LOOPBACK_CREDENTIALS } from '../../../src/dynamodb/credentials.js';
import { resolveEndpoint } from '../../../src/dynamodb/endpoint.js';

const noProfile = async () => undefined;
const local = () => resolveEndpoint({ endpoint: 'http://127.0.0.1:8000' }, {}, noProfile);
const remote = () => resolveEndpoint({ region: 'us-east-1' }, {}, noProfile);
const noCreds = async () => {
  throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
};

describe('createCredentialSource', () => {
  it('falls back to local/local for a loopback endpoint without credentials', async () => {
    const source = createCredentialSource({ endpoint: await local(), provider: noCreds });
    expect(await source.get()).toEqual(LOOPBACK_CREDENTIALS);
    expect(source.kind).toBe('loopback-dummy');
  });

  it('does not paper over a named profile that fails, even for a loopback endpoint', async () => {
    const endpoint = await resolveEndpoint({ endpoint: 'http://localhost:8000', profile: 'dev' }, {}, noProfile);
    await expect(createCredentialSource({ endpoint, provider: noCreds }).get()).rejects.toMatchObject({
      code: 'DYNAMODB_AUTH',
      message: "no AWS credentials for localhost:8000 (profile 'dev'): Could not load credentials from any providers; check the profile in ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)",
    });
  });

  it('uses configured credentials even for a loopback endpoint', async () => {
    const source = createCredentialSource({ endpoint: await local(), provider: async () => ({ accessKeyId: 'AK', secretAccessKey: 'SK' }) });
    expect((await source.get()).accessKeyId).toBe('AK');
    expect(source.kind).toBe('provider');
  });

  it('fails with DYNAMODB_AUTH for a remote endpoint, without any secret in the message', async () => {
    const source = createCredentialSource({
      endpoint: await remote(),
      provider: async () => {
        throw new Error('Profile dev: secret_access_key=SUPERSECRET\nmore');
      },
    });
    const err = await source.get().then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('DYNAMODB_AUTH');
    expect(err?.message).toMatch(/^no AWS credentials for dynamodb\.us-east-1\.amazonaws\.com: /);
    expect(err?.message).not.toContain('more');
  });

  it('caches credentials and refreshes them before they expire', async () => {
    let now = 0;
    let calls = 0;
    const provider = async () => {
      calls++;
      return { accessKeyId: `AK${calls}`, secretAccessKey: 'SK', sessionToken: 'T', expiration: new Date(now + 3_600_000) };
    };
    const source = createCredentialSource({ endpoint: await remote(), provider, refreshWindowMs: 300_000, now: () => now });
    expect((await source.get()).accessKeyId).toBe('AK1');
    now = 3_000_000; // 10 min left: still cached
    expect((await source.get()).accessKeyId).toBe('AK1');
    expect(calls).toBe(1);
    now = 3_400_000; // 200 s left: served the old ones while refreshing in the background
    expect((await source.get()).accessKeyId).toBe('AK1');
    await new Promise((r) => setTimeout(r, 0));
    expect((await source.get()).accessKeyId).toBe('AK2');
    expect(calls).toBe(2);
    now = 100_000_000; // long expired: waits for new ones
    expect((await source.get()).accessKeyId).toBe('AK3');
  });

  it('shares one refresh between concurrent callers', async () => {
    let calls = 0;
    const provider = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return { accessKeyId: 'AK', secretAccessKey: 'SK' };
    };
    const source = createCredentialSource({ endpoint: await remote(), provider });
    await Promise.all([source.get(), source.get(), source.get()]);
    expect(calls).toBe(1);
  });
});

describe('createDynamoDbClient', () => {
  it('points the SDK at the same endpoint, region and credentials', async () => {
    const endpoint = await local();
    const client = createDynamoDbClient(endpoint, createCredentialSource({ endpoint, provider: noCreds }));
    try {
      expect(await client.config.region()).toBe('us-east-1');
      expect(await client.config.credentials()).toMatchObject(LOOPBACK_CREDENTIALS);
    } finally {
      client.destroy();
    }
  });
});
