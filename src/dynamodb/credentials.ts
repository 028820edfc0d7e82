/**
 * Credentials for signing, from the AWS default chain (env, SSO, web identity, ini files,
 * process, container/instance metadata), cached and refreshed before they expire so the hot
 * path only ever awaits an already-settled promise.
 *
 * A loopback endpoint (DynamoDB Local) with no credentials configured (and no profile named)
 * falls back to the dummy pair `local`/`local`; anything else fails with DYNAMODB_AUTH.
 *
 * Secrets never leave this file in a message: errors carry the provider's first line only.
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
  /** Settled promise on the hot path; refreshes when the cached credentials are about to expire. */
  get(): Promise<AwsCredentialIdentity>;
  /** Known after the first successful get(). */
  readonly kind: CredentialKind | undefined;
}

export interface CredentialSourceOptions {
  readonly endpoint: ResolvedEndpoint;
  /** Replaces the default chain (tests, or credentials the caller already holds). */
  readonly provider?: AwsCredentialIdentityProvider;
  readonly refreshWindowMs?: number;
  readonly now?: () => number;
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

function chainFor(endpoint: ResolvedEndpoint): AwsCredentialIdentityProvider {
  // A laptop pointed at DynamoDB Local should not wait a second for the instance metadata
  // service to time out before falling back to the dummy credentials.
  const imds = endpoint.loopback ? { timeout: 250, maxRetries: 0 } : {};
  if (endpoint.profile === undefined) {
    const chain = defaultProvider(imds);
    return () => chain();
  }
  const verdict = profileVerdict();
  const chain = defaultProvider({ ...imds, profile: endpoint.profile, logger: verdict.logger });
  return async () => {
    verdict.reset();
    try {
      return await chain();
    } catch (error) {
      throw verdict.explain(error);
    }
  };
}

class CachedCredentials implements CredentialSource {
  kind: CredentialKind | undefined;
  private current: Promise<AwsCredentialIdentity> | undefined;
  private expiresAtMs = Number.POSITIVE_INFINITY;
  private refreshing: Promise<AwsCredentialIdentity> | undefined;

  constructor(
    private readonly endpoint: ResolvedEndpoint,
    private readonly provider: AwsCredentialIdentityProvider,
    private readonly refreshWindowMs: number,
    private readonly now: () => number,
  ) {}

  get(): Promise<AwsCredentialIdentity> {
    const current = this.current;
    if (current !== undefined) {
      const leftMs = this.expiresAtMs - this.now();
      if (leftMs > this.refreshWindowMs) return current;
      // Near expiry: refresh in the background while the old ones still work.
      if (leftMs > 30_000) {
        this.refresh().catch(() => undefined);
        return current;
      }
    }
    return this.refresh();
  }

  private refresh(): Promise<AwsCredentialIdentity> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<AwsCredentialIdentity> {
    let creds: AwsCredentialIdentity;
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
    this.expiresAtMs = creds.expiration === undefined ? Number.POSITIVE_INFINITY : creds.expiration.getTime();
    const settled = Promise.resolve(creds);
    this.current = settled;
    return creds;
  }
}

function noCredentials(endpoint: ResolvedEndpoint, error: unknown): Error {
  const detail = oneLine(error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
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
