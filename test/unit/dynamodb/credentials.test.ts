import { describe, expect, it } from 'vitest';
import { createCredentialSource, createDynamoDbClient, credentialTiming, LOOPBACK_CREDENTIALS } from '../../../src/dynamodb/credentials.js';
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

describe('credentials that live shorter than the refresh window', () => {
  const tick = () => new Promise((r) => setTimeout(r, 0));
  /** A container endpoint's kind of provider: a new key per call, each valid `lifeMs` from `now`. */
  function shortLived(lifeMs: number, clock: { now: number }) {
    const issued: string[] = [];
    const provider = async () => {
      const accessKeyId = `ASIA${issued.length + 1}`;
      issued.push(accessKeyId);
      return { accessKeyId, secretAccessKey: 'SK', sessionToken: 'T', expiration: new Date(clock.now + lifeMs) };
    };
    return { issued, provider };
  }

  it('times refresh and margin from the window and margin, shrunk to half and a quarter of a short life', () => {
    expect(credentialTiming(0, 3_600_000, 300_000, 30_000)).toEqual({ refreshAtMs: 3_300_000, usableUntilMs: 3_570_000, expiresAtMs: 3_600_000 });
    expect(credentialTiming(0, 8_000, 300_000, 30_000)).toEqual({ refreshAtMs: 4_000, usableUntilMs: 6_000, expiresAtMs: 8_000 });
    expect(credentialTiming(0, 400_000, 300_000, 30_000)).toEqual({ refreshAtMs: 200_000, usableUntilMs: 370_000, expiresAtMs: 400_000 });
    expect(credentialTiming(0, Infinity, 300_000, 30_000).refreshAtMs).toBe(Infinity);
  });

  it('fetches 8-second keys about every 4 seconds, not on every request, and never signs past three quarters of their life', async () => {
    const clock = { now: 1_000_000 };
    const { issued, provider } = shortLived(8_000, clock);
    const source = createCredentialSource({ endpoint: await remote(), provider, now: () => clock.now });
    const used: Array<{ at: number; key: string }> = [];
    // a request every 10 ms for 60 s
    for (let i = 0; i < 6_000; i++) {
      const c = await source.get();
      used.push({ at: clock.now, key: c.accessKeyId });
      if (i % 50 === 0) await tick();
      clock.now += 10;
    }
    // one fetch at start, then one every ~4 s: 60 / 4 = 15, not one per request
    expect(issued.length).toBeGreaterThanOrEqual(14);
    expect(issued.length).toBeLessThanOrEqual(17);
    // each key signed only while at least 2 s (a quarter of 8 s) were left
    const issuedAt = new Map<string, number>();
    for (const u of used) if (!issuedAt.has(u.key)) issuedAt.set(u.key, u.at);
    for (const u of used) expect(u.at - issuedAt.get(u.key)!, u.key).toBeLessThan(6_000 + 500);
  });

  it('waits for new keys once those in hand are within the margin, and asks the provider at most once a second meanwhile', async () => {
    const clock = { now: 0 };
    let calls = 0;
    // a provider whose cache hands back the same key until it expires at 10 s
    const same = { accessKeyId: 'ASIASAME', secretAccessKey: 'SK', sessionToken: 'T', expiration: new Date(10_000) };
    const provider = async () => {
      calls++;
      return same;
    };
    const source = createCredentialSource({ endpoint: await remote(), provider, now: () => clock.now });
    for (; clock.now < 9_990; clock.now += 10) {
      expect(await source.get()).toBe(same);
      await tick();
    }
    // log2 steps towards the expiry, then at most one a second within the margin
    expect(calls).toBeLessThanOrEqual(12);
    clock.now = 10_000; // expired: the provider's answer is refused rather than used
    await expect(source.get()).rejects.toMatchObject({ code: 'DYNAMODB_AUTH', message: expect.stringMatching(/expired at 1970-01-01T00:00:10\.000Z/) });
  });

  it('keeps using unexpired keys when a refresh fails, and fails once they expire', async () => {
    const clock = { now: 0 };
    let fail = false;
    let n = 0;
    const provider = async () => {
      if (fail) throw new Error('connect ECONNREFUSED 169.254.170.2:80');
      n++;
      return { accessKeyId: `ASIA${n}`, secretAccessKey: 'SK', sessionToken: 'T', expiration: new Date(clock.now + 8_000) };
    };
    const source = createCredentialSource({ endpoint: await remote(), provider, now: () => clock.now });
    expect((await source.get()).accessKeyId).toBe('ASIA1');
    fail = true;
    clock.now = 7_000; // within the margin: a refresh is awaited, fails, the held keys still work
    expect((await source.get()).accessKeyId).toBe('ASIA1');
    clock.now = 8_000;
    await expect(source.get()).rejects.toMatchObject({ code: 'DYNAMODB_AUTH', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('drops keys DynamoDB refused as expired, once, however many requests report them', async () => {
    const clock = { now: 0 };
    const { issued, provider } = shortLived(3_600_000, clock);
    const source = createCredentialSource({ endpoint: await remote(), provider, now: () => clock.now });
    const first = await source.get();
    source.expired(first);
    const [a, b] = await Promise.all([source.get(), source.get()]);
    source.expired(first); // a late report of the old keys changes nothing
    expect([a.accessKeyId, b.accessKeyId, (await source.get()).accessKeyId]).toEqual(['ASIA2', 'ASIA2', 'ASIA2']);
    expect(issued).toEqual(['ASIA1', 'ASIA2']);
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
