/**
 * SigV4 signing of DynamoDB JSON-protocol requests.
 *
 * Two ways to the same headers:
 *  - lean (the default, for endpoints whose path is `/`, as every DynamoDB endpoint's is): the
 *    canonical request of our one request shape (POST /, four or five headers) written out
 *    directly, node:crypto for the body hash, the canonical-request hash and one HMAC with a
 *    signing key kept per credentials and day. The SDK signer spends most of its time on the
 *    generality around that: header normalisation, sorting, its own key cache lookups.
 *  - the AWS SDK's own SignatureV4, for any other path or a chosen hash implementation.
 * Both give byte-identical headers: test/unit/dynamodb/signer.test.ts checks each against the
 * other and against SigV4 written out from the AWS documentation. bench/ddb-write.ts times them.
 */
import { createHash, createHmac } from 'node:crypto';
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
  /** false: always the SDK's SignatureV4 (to compare them). Default true. */
  readonly lean?: boolean;
}

const SERVICE = 'dynamodb';
const SIGNED_HEADERS = 'content-type;host;x-amz-date;x-amz-target';
const SIGNED_HEADERS_WITH_TOKEN = 'content-type;host;x-amz-date;x-amz-security-token;x-amz-target';

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
  /** Signs on the lean path (see the file's comment). */
  private readonly lean: boolean;
  private keyCache: { readonly credentials: AwsCredentialIdentity; readonly day: string; readonly key: Buffer } | undefined;

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
    this.lean = options.sha256 === undefined && this.path === '/' && (options.lean ?? true);
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
    if (this.lean) return { headers: this.leanHeaders(credentials, operation, body, signingDate ?? new Date()), credentials };
    return this.sdkSignRequest(credentials, operation, body, signingDate);
  }

  /** The AWS SDK's SignatureV4 on the same request (any path, any hash). */
  private async sdkSignRequest(credentials: AwsCredentialIdentity, operation: Operation, body: Uint8Array, signingDate?: Date): Promise<SignedRequest> {
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

  /** SigV4 of `POST /` with content-type, host, x-amz-date, [x-amz-security-token,] x-amz-target. */
  private leanHeaders(credentials: AwsCredentialIdentity, operation: Operation, body: Uint8Array, date: Date): Record<string, string> {
    const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const target = this.targetPrefix + operation;
    // As the SDK: an empty token is no token.
    const token = credentials.sessionToken === '' ? undefined : credentials.sessionToken;
    const signedHeaders = token === undefined ? SIGNED_HEADERS : SIGNED_HEADERS_WITH_TOKEN;
    const canonical =
      `POST\n/\n\ncontent-type:${JSON_CONTENT_TYPE}\nhost:${this.host}\nx-amz-date:${amzDate}\n` +
      `${token === undefined ? '' : `x-amz-security-token:${token}\n`}x-amz-target:${target}\n\n${signedHeaders}\n` +
      createHash('sha256').update(body).digest('hex');
    const scope = `${day}/${this.region}/${SERVICE}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(credentials, day)).update(toSign).digest('hex');
    const headers: Record<string, string> = {
      host: this.host,
      'content-type': JSON_CONTENT_TYPE,
      'x-amz-target': target,
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
    if (token !== undefined) headers['x-amz-security-token'] = token;
    return headers;
  }

  /** kSigning for the credentials and day, derived once (four HMACs) and kept until either changes. */
  private signingKey(credentials: AwsCredentialIdentity, day: string): Buffer {
    const cached = this.keyCache;
    if (cached !== undefined && cached.credentials === credentials && cached.day === day) return cached.key;
    let key = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(day).digest();
    for (const part of [this.region, SERVICE, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    this.keyCache = { credentials, day, key };
    return key;
  }

  private signerFor(credentials: AwsCredentialIdentity): SignatureV4 {
    if (this.signer === undefined || credentials !== this.signerCredentials) {
      this.signer = new SignatureV4({
        service: SERVICE,
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
