/**
 * The 200 answers of GetRecords and GetShardIterator on the lean path. JSON.parse, then only
 * what the SDK would change and a consumer reads: ApproximateCreationDateTime, epoch seconds in
 * the JSON, becomes a Date. Images are left as parsed; binary values stay base64 text
 * (records.ts). Where the SDK walks every value of every image against the response schema
 * (two thirds of a reader's CPU), this touches each record once.
 *
 * Undefined when the body is not the expected shape: the caller treats it like a 5xx.
 */
import { parseObject } from '../dynamodb/response-body.js';
import type { GetRecordsAnswer } from './read-client.js';
import type { StreamRecord } from './records.js';

/** Epoch seconds (a number, or its decimal text as the SDK also accepts) → Date, rounded to the millisecond as the SDK does. */
export function epochSecondsToDate(value: unknown): Date | undefined {
  let seconds = Number.NaN;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^-?\d*\.?\d+$/.test(value)) seconds = Number(value);
  return Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)) : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseGetRecords(body: string): GetRecordsAnswer | undefined {
  const parsed = parseObject(body);
  if (!isObject(parsed)) return undefined;
  const records = parsed.Records ?? [];
  const next = parsed.NextShardIterator ?? undefined;
  if (!Array.isArray(records) || (next !== undefined && typeof next !== 'string')) return undefined;
  for (const record of records as unknown[]) {
    if (!isObject(record)) return undefined;
    const data = record.dynamodb;
    if (data === undefined) continue;
    if (!isObject(data)) return undefined;
    const created = data.ApproximateCreationDateTime;
    if (created === undefined) continue;
    const date = epochSecondsToDate(created);
    if (date === undefined) return undefined;
    data.ApproximateCreationDateTime = date;
  }
  return next === undefined ? { Records: records as StreamRecord[] } : { Records: records as StreamRecord[], NextShardIterator: next };
}

/** `{ ShardIterator }` (absent when the service names none); undefined when the body is not that. */
export function parseGetShardIterator(body: string): { readonly ShardIterator?: string } | undefined {
  const parsed = parseObject(body);
  if (!isObject(parsed)) return undefined;
  const iterator = parsed.ShardIterator ?? undefined;
  if (iterator !== undefined && typeof iterator !== 'string') return undefined;
  return iterator === undefined ? {} : { ShardIterator: iterator };
}
