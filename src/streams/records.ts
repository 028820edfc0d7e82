/**
 * A stream record as readShard hands it on: the GetRecords wire shape, with
 * ApproximateCreationDateTime as a Date (as the SDK gives it). Binary values (B, BS) are base64
 * text from the lean path (get-records-body.ts: decoding them only for the checker to encode
 * them again would be wasted) and bytes from the SDK; consumers take both (monitor/checker-wire.ts).
 *
 * The SDK's `_Record` is assignable to StreamRecord, so either client's records fit one type.
 */

export interface StreamAttributeValue {
  S?: string;
  N?: string;
  /** Base64 text (lean path) or bytes (SDK). */
  B?: string | Uint8Array;
  SS?: string[];
  NS?: string[];
  BS?: Array<string | Uint8Array>;
  M?: Record<string, StreamAttributeValue>;
  L?: StreamAttributeValue[];
  NULL?: boolean;
  BOOL?: boolean;
}

export type StreamImage = Record<string, StreamAttributeValue>;

export interface StreamRecordData {
  /** To the second on AWS, the minute on DynamoDB Local. */
  ApproximateCreationDateTime?: Date;
  Keys?: StreamImage;
  NewImage?: StreamImage;
  OldImage?: StreamImage;
  /** Decimal, up to 40 digits: compare as BigInt. */
  SequenceNumber?: string;
  SizeBytes?: number;
  StreamViewType?: string;
}

export interface StreamRecord {
  eventID?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion?: string;
  eventSource?: string;
  awsRegion?: string;
  dynamodb?: StreamRecordData;
  /** Set on TTL deletes: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' }. */
  userIdentity?: { PrincipalId?: string; Type?: string };
}
