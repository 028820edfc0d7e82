/**
 * SigV4 signing of DynamoDB JSON-protocol requests with the AWS SDK's own signer.
 *
 * One SignatureV4 per writer: its module-level signing-key cache makes each signature two
 * SHA-256 HMACs plus a hash of the body and of the canonical request. Node's crypto (the
 * SDK's `Hash`) signs a 7 KB batch in ~24 µs; the pure-JS `Sha256Js` takes ~80 µs
 * (bench/ddb-write.ts measures both).
 */
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ChecksumConstructor, HashConstructor } from '@smithy/types';
import type { AwsCredentialIdentity, CredentialSource } from './credentials.js';
import type { ResolvedEndpoint } from './endpoint.js';

/** The operation names this tool sends on its own path. */
export type DynamoDbOperation = 'BatchWriteItem' | 'BatchGetItem' | 'DescribeTable' | 'GetItem' | 'Scan' | 'PutItem' | 'DeleteItem';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
export const TARGET_PREFIX = 'DynamoDB_20120810.';

/** SHA-256 over node:crypto, the hash the AWS SDK itself uses on Node. */
export const NODE_SHA256: HashConstructor = Hash.bind(null, 'sha256');

export interface SignerOptions {
  readonly endpoint: ResolvedEndpoint;
  readonly credentials: CredentialSource;
  /** Hash implementation; default NODE_SHA256. */
  readonly sha256?: ChecksumConstructor | HashConstructor;
  /**
   * What `X-Amz-Target` starts with; default TARGET_PREFIX. DynamoDB Streams is another API
   * (`DynamoDBStreams_20120810.`) signed for the same service name, `dynamodb`.
   */
  readonly targetPrefix?: string;
}

/** Headers of a signed request, and the credentials that signed it (to report them refused: CredentialSource.expired). */
export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly credentials: AwsCredentialIdentity;
}

/** `Operation`: the names this signer is used for (DynamoDB's by default; src/streams signs its own). */
export class RequestSigner<Operation extends string = DynamoDbOperation> {
  readonly credentials: CredentialSource;
  /** The SignatureV4 of the credentials last signed with; a new one per rotation (cheap: the signing-key cache is module-wide). */
  private signer: SignatureV4 | undefined;
  private signerCredentials: AwsCredentialIdentity | undefined;
  private readonly region: string;
  private readonly sha256: ChecksumConstructor | HashConstructor;
  private readonly targetPrefix: string;
  private readonly hostname: string;
  private readonly host: string;
  private readonly protocol: string;
  private readonly port: number | undefined;
  private readonly path: string;

  constructor(options: SignerOptions) {
    const { url, signingRegion } = options.endpoint;
    this.credentials = options.credentials;
    this.region = signingRegion;
    this.sha256 = options.sha256 ?? NODE_SHA256;
    this.targetPrefix = options.targetPrefix ?? TARGET_PREFIX;
    this.hostname = url.hostname;
    // What undici sends as Host: the port only when it is not the scheme's default.
    this.host = url.host;
    this.protocol = url.protocol;
    this.port = url.port === '' ? undefined : Number(url.port);
    this.path = url.pathname;
  }

  /**
   * Headers for a POST of `body` (already UTF-8 bytes, so it is encoded once for both the
   * hash and the socket): host, content-type, x-amz-target, x-amz-date, authorization and,
   * with temporary credentials, x-amz-security-token.
   */
  async sign(operation: Operation, body: Uint8Array, signingDate?: Date): Promise<Record<string, string>> {
    return (await this.signRequest(operation, body, signingDate)).headers;
  }

  /** As sign(), saying which credentials signed. */
  async signRequest(operation: Operation, body: Uint8Array, signingDate?: Date): Promise<SignedRequest> {
    const credentials = await this.credentials.get();
    const signed = await this.signerFor(credentials).sign(
      {
        method: 'POST',
        protocol: this.protocol,
        hostname: this.hostname,
        port: this.port,
        path: this.path,
        query: {},
        headers: {
          host: this.host,
          'content-type': JSON_CONTENT_TYPE,
          'x-amz-target': this.targetPrefix + operation,
        },
        body,
      },
      signingDate === undefined ? {} : { signingDate },
    );
    return { headers: signed.headers, credentials };
  }

  private signerFor(credentials: AwsCredentialIdentity): SignatureV4 {
    if (this.signer === undefined || credentials !== this.signerCredentials) {
      this.signer = new SignatureV4({
        service: 'dynamodb',
        region: this.region,
        credentials,
        sha256: this.sha256,
        // DynamoDB does not need x-amz-content-sha256; leaving it out saves 80 bytes a request.
        applyChecksum: false,
      });
      this.signerCredentials = credentials;
    }
    return this.signer;
  }
}
