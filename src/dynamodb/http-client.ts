/**
 * The lean DynamoDB client of one worker: sign (signer.ts) then POST (transport.ts).
 *
 *   openDynamoDbHttpClient(flags) ─ resolveEndpoint ─ createCredentialSource ─┐
 *   call(op, body) ── signedPost: RequestSigner.signRequest ── Transport.post ── { status, body, latencyMicros }
 *                     (ExpiredTokenException: new credentials, sent once more)
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { createCredentialSource, type CredentialSource } from './credentials.js';
import { resolveEndpoint, type EndpointOptions, type ResolvedEndpoint } from './endpoint.js';
import { signedPost } from './signed-post.js';
import { RequestSigner, type DynamoDbOperation } from './signer.js';
import { Transport, type HttpResult, type TransportOptions } from './transport.js';

/** What BatchWriter needs from a client; tests may pass their own. */
export interface DynamoDbCaller {
  /** Rejects with a DdbError for network failures; HTTP error statuses resolve. */
  call(operation: DynamoDbOperation, body: Uint8Array): Promise<HttpResult>;
}

export class DynamoDbHttpClient implements DynamoDbCaller {
  readonly endpoint: ResolvedEndpoint;
  readonly credentials: CredentialSource;
  private readonly signer: RequestSigner;
  private readonly transport: Transport;

  constructor(endpoint: ResolvedEndpoint, credentials: CredentialSource, transport: TransportOptions = {}) {
    this.endpoint = endpoint;
    this.credentials = credentials;
    this.signer = new RequestSigner({ endpoint, credentials });
    this.transport = new Transport(endpoint.url, transport);
  }

  /** Sent once more on new credentials when DynamoDB says those that signed it expired (signed-post.ts). */
  call(operation: DynamoDbOperation, body: Uint8Array): Promise<HttpResult> {
    return signedPost(this.signer, operation, body, (headers) => this.transport.post(headers, body));
  }

  /** Fails early (DYNAMODB_AUTH) when there are no credentials, rather than on the first batch. */
  async checkCredentials(): Promise<void> {
    await this.credentials.get();
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  destroy(): Promise<void> {
    return this.transport.destroy();
  }
}

export interface OpenOptions extends EndpointOptions, TransportOptions {
  /** Replaces the AWS default credential chain. */
  readonly credentialProvider?: AwsCredentialIdentityProvider;
}

/** Resolves endpoint, region and credentials (throwing USAGE / DYNAMODB_AUTH errors) and opens the pool. */
export async function openDynamoDbHttpClient(options: OpenOptions): Promise<DynamoDbHttpClient> {
  const endpoint = await resolveEndpoint(options);
  const credentials = createCredentialSource(
    options.credentialProvider === undefined ? { endpoint } : { endpoint, provider: options.credentialProvider },
  );
  await credentials.get();
  return new DynamoDbHttpClient(endpoint, credentials, options);
}
