/**
 * Credentials for signing, from the AWS default chain (env, SSO, web identity, ini files,
 * process, container/instance metadata), cached and refreshed before they expire so the hot
 * path only ever awaits an already-settled promise.
 *
 *   fetched ───── in use ───── refreshAt ── in use, refresh in background ── usableUntil ── wait for new ── expires
 *   (credentialTiming: the window and margin of DEFAULTS, shrunk for keys that live less long)
 *
 * A request refused as expired all the same (clock skew, keys revoked early) marks the keys it
 * was signed with spent (expired()): the caller sends it once more on new ones (signed-post.ts).
 *
 * A loopback endpoint (DynamoDB Local) with no credentials configured (and no profile named)
 * falls back to the dummy pair `local`/`local`; anything else fails with DYNAMODB_AUTH.
 *
 * Secrets never leave this file in a message: errors carry the provider's first line only, and
 * never a credential_process's command line.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Logger } from '@smithy/types';
import { DEFAULTS } from '../config/defaults.js';
import { ErrorCode, toolError } from '../errors.js';
import type { ResolvedEndpoint } from './endpoint.js';
import { oneLine } from './errors.js';

export type { AwsCredentialIdentity } from '@smithy/types';

/** Where the credentials in use came from (safe to log). */
export type CredentialKind = 'provider' | 'loopback-dummy';

export interface CredentialSource {
  /**
   * Settled promise on the hot path. Refreshes in the background when the cached credentials
   * near their expiry, and waits for new ones only when those in hand are about to expire.
   */
  get(): Promise<AwsCredentialIdentity>;
  /**
   * DynamoDB refused a request signed with `credentials` as expired (ExpiredTokenException):
   * unless they were replaced already, the next get() waits for new ones.
   */
  expired(credentials: AwsCredentialIdentity): void;
  /** Known after the first successful get(). */
  readonly kind: CredentialKind | undefined;
}

export interface CredentialSourceOptions {
  readonly endpoint: ResolvedEndpoint;
  /** Replaces the default chain (tests, or credentials the caller already holds). */
  readonly provider?: AwsCredentialIdentityProvider;
  readonly refreshWindowMs?: number;
  readonly expiryMarginMs?: number;
  readonly minRefreshIntervalMs?: number;
  readonly now?: () => number;
}

/** When cached credentials are refreshed and until when they sign requests (epoch ms). */
export interface CredentialTiming {
  /** From here on, a get() starts a refresh in the background and still answers these. */
  readonly refreshAtMs: number;
  /** From here on, a get() waits for new ones: a request signed now might arrive after expiry. */
  readonly usableUntilMs: number;
  readonly expiresAtMs: number;
}

const FOREVER: CredentialTiming = Object.freeze({ refreshAtMs: Infinity, usableUntilMs: Infinity, expiresAtMs: Infinity });
const SPENT: CredentialTiming = Object.freeze({ refreshAtMs: -Infinity, usableUntilMs: -Infinity, expiresAtMs: -Infinity });

/**
 * The refresh window and the expiry margin, shrunk for credentials that live shorter than them:
 * a container endpoint or credential process may hand out keys that live minutes or seconds.
 * With the window as is, such keys would be "expiring" from the moment they arrive and fetched
 * again on every request (the AWS SDK's own cache does exactly that below 5 minutes); with the
 * margin as is, they could never be used at all. So: refresh at half their life at the latest,
 * stop signing at three quarters of it at the latest.
 */
export function credentialTiming(fetchedAtMs: number, expiresAtMs: number, refreshWindowMs: number, expiryMarginMs: number): CredentialTiming {
  if (!Number.isFinite(expiresAtMs)) return FOREVER;
  const lifeMs = Math.max(0, expiresAtMs - fetchedAtMs);
  const marginMs = Math.min(expiryMarginMs, lifeMs / 4);
  const refreshMs = Math.max(marginMs, Math.min(refreshWindowMs, lifeMs / 2));
  return { refreshAtMs: expiresAtMs - refreshMs, usableUntilMs: expiresAtMs - marginMs, expiresAtMs };
}

/** Dummy pair for DynamoDB Local, which accepts any credentials. */
export const LOOPBACK_CREDENTIALS: AwsCredentialIdentity = Object.freeze({ accessKeyId: 'local', secretAccessKey: 'local' });

/** The AWS SDK chain's error when every link failed: it says nothing of why. */
const CHAIN_EXHAUSTED = 'Could not load credentials from any providers';

/**
 * Why a named profile gave no credentials (not found, credential_process expired, SSO login
 * needed): the chain only tells its logger, in the first provider message after it turns to the
 * profile files (fromIni). Log text of the SDK: if it changes, the chain's own error stands.
 */
function profileVerdict(): { readonly logger: Logger; reset(): void; explain(error: unknown): unknown } {
  let inIni = false;
  let verdict: string | undefined;
  const ignore = (): void => undefined;
  return {
    logger: {
      debug: (...content: unknown[]) => {
        const line = content.map(String).join(' ');
        if (line.endsWith('defaultProvider::fromIni')) inIni = true;
        const m = /^@smithy\/property-provider (?:->|\(!\)) (.*)$/s.exec(line);
        if (inIni && m !== null) verdict ??= m[1];
      },
      info: ignore,
      // The SDK warns on console when it is given no logger; keep that.
      warn: (...content: unknown[]) => console.warn(...content),
      error: ignore,
    },
    reset: () => {
      inIni = false;
      verdict = undefined;
    },
    explain: (error) => (verdict !== undefined && error instanceof Error && error.message === CHAIN_EXHAUSTED ? new Error(verdict) : error),
  };
}

/**
 * Asked of the chain on every refresh: the chain has a cache of its own that, for credentials
 * with less than 5 minutes left, answers the old ones while it fetches new ones in the
 * background (@aws-sdk/credential-provider-node memoizeChain). This file decides when to
 * refresh; the chain's cache would hand back the very keys DynamoDB just refused as expired.
 */
const FORCE_REFRESH = Object.freeze({ forceRefresh: true });

function chainFor(endpoint: ResolvedEndpoint): AwsCredentialIdentityProvider {
  // A laptop pointed at DynamoDB Local should not wait a second for the instance metadata
  // service to time out before falling back to the dummy credentials.
  const imds = endpoint.loopback ? { timeout: 250, maxRetries: 0 } : {};
  if (endpoint.profile === undefined) {
    const chain = defaultProvider(imds);
    return () => chain(FORCE_REFRESH);
  }
  const verdict = profileVerdict();
  const chain = defaultProvider({ ...imds, profile: endpoint.profile, logger: verdict.logger });
  return async () => {
    verdict.reset();
    try {
      return await chain(FORCE_REFRESH);
    } catch (error) {
      throw verdict.explain(error);
    }
  };
}

class CachedCredentials implements CredentialSource {
  kind: CredentialKind | undefined;
  private current: AwsCredentialIdentity | undefined;
  private settled: Promise<AwsCredentialIdentity> | undefined;
  private timing: CredentialTiming = FOREVER;
  private refreshing: Promise<AwsCredentialIdentity> | undefined;
  /** When the provider was last asked (successfully or not). */
  private lastLoadMs = -Infinity;

  constructor(
    private readonly endpoint: ResolvedEndpoint,
    private readonly provider: AwsCredentialIdentityProvider,
    private readonly refreshWindowMs: number,
    private readonly expiryMarginMs: number,
    private readonly minRefreshIntervalMs: number,
    private readonly now: () => number,
  ) {}

  get(): Promise<AwsCredentialIdentity> {
    const settled = this.settled;
    if (settled === undefined) return this.refresh();
    const now = this.now();
    const t = this.timing;
    if (now < t.refreshAtMs) return settled;
    if (now < t.usableUntilMs) {
      // Near expiry: refresh in the background while these still work.
      if (this.refreshing === undefined && now - this.lastLoadMs >= this.minRefreshIntervalMs) this.refresh().catch(() => undefined);
      return settled;
    }
    // Within the margin, but the provider was just asked and has nothing newer: these still work.
    if (now < t.expiresAtMs && this.refreshing === undefined && now - this.lastLoadMs < this.minRefreshIntervalMs) return settled;
    return this.refreshOrKeep();
  }

  expired(credentials: AwsCredentialIdentity): void {
    if (credentials === this.current) this.timing = SPENT;
  }

  /** New credentials; if the provider fails, those in hand while they have not expired (nor were refused). */
  private async refreshOrKeep(): Promise<AwsCredentialIdentity> {
    const held = this.current;
    try {
      return await this.refresh();
    } catch (error) {
      if (held !== undefined && held === this.current && this.now() < this.timing.expiresAtMs) return held;
      throw error;
    }
  }

  private refresh(): Promise<AwsCredentialIdentity> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<AwsCredentialIdentity> {
    let creds: AwsCredentialIdentity;
    this.lastLoadMs = this.now();
    try {
      creds = await this.provider();
      this.kind = 'provider';
    } catch (error) {
      // A named profile that fails is a mistake to report, not an absence to paper over.
      if (!this.endpoint.loopback || this.endpoint.profile !== undefined || this.kind === 'provider') {
        throw noCredentials(this.endpoint, error);
      }
      creds = LOOPBACK_CREDENTIALS;
      this.kind = 'loopback-dummy';
    }
    const fetchedAtMs = this.now();
    this.lastLoadMs = fetchedAtMs;
    const expiresAtMs = creds.expiration === undefined ? Infinity : creds.expiration.getTime();
    // Signing with these could only earn an ExpiredTokenException per request.
    if (expiresAtMs <= fetchedAtMs) throw noCredentials(this.endpoint, new Error(`the credentials provided expired at ${new Date(expiresAtMs).toISOString()}`));
    this.timing = credentialTiming(fetchedAtMs, expiresAtMs, this.refreshWindowMs, this.expiryMarginMs);
    this.current = creds;
    this.settled = Promise.resolve(creds);
    return creds;
  }
}

/**
 * A credential_process that fails reaches us as Node's exec error, `Command failed: <the command
 * line>` and then its stderr: the command line may carry a token (`--token=...`), so only the
 * fact is kept. The profile named in the message says which command it was.
 */
const PROCESS_FAILED = /^Command failed: /;

function noCredentials(endpoint: ResolvedEndpoint, error: unknown): Error {
  const first = oneLine(error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const detail = PROCESS_FAILED.test(first) ? 'its credential_process failed (command line and output not shown: they may hold secrets)' : first;
  // A named profile wins over AWS_ACCESS_KEY_ID and AWS_PROFILE: only the profile can be fixed.
  const [profile, hint] = endpoint.profile === undefined
    ? ['', 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile']
    : [` (profile '${endpoint.profile}')`, 'check the profile in ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)'];
  return toolError(ErrorCode.DYNAMODB_AUTH, `no AWS credentials for ${endpoint.url.host}${profile}: ${detail}; ${hint}`);
}

export function createCredentialSource(options: CredentialSourceOptions): CredentialSource {
  return new CachedCredentials(
    options.endpoint,
    options.provider ?? chainFor(options.endpoint),
    options.refreshWindowMs ?? DEFAULTS.dynamodb.credentialRefreshWindowMs,
    options.expiryMarginMs ?? DEFAULTS.dynamodb.credentialExpiryMarginMs,
    options.minRefreshIntervalMs ?? DEFAULTS.dynamodb.credentialMinRefreshIntervalMs,
    options.now ?? Date.now,
  );
}

/**
 * An AWS SDK client with the same endpoint, region and credentials as the hot path, for the
 * calls that are not on it (DescribeTable, CreateTable, Scan in tests). Close it with destroy().
 */
export function createDynamoDbClient(
  endpoint: ResolvedEndpoint,
  credentials: CredentialSource,
  options: { readonly maxAttempts?: number; readonly requestTimeoutMs?: number } = {},
): DynamoDBClient {
  return new DynamoDBClient({
    region: endpoint.signingRegion,
    ...(endpoint.custom ? { endpoint: endpoint.url.href } : {}),
    // A copy: the SDK tags credential objects it is given (`$source`), ours may be frozen.
    credentials: async () => ({ ...(await credentials.get()) }),
    maxAttempts: options.maxAttempts ?? DEFAULTS.dynamodb.sdkMaxAttempts,
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? DEFAULTS.dynamodb.requestTimeoutMs },
  });
}
