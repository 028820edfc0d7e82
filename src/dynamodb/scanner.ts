/**
 * Parallel Scan: one segment as an async generator of pages, and all segments at once. Each
 * page is one request through the shared loop (retry-loop.ts): throttles, 5xx and network
 * errors are resent with capped exponential backoff and full jitter.
 *
 *   scanSegment ─ Scan(Segment, TotalSegments, ExclusiveStartKey) ─┬─ 200 ─ yield page ─ LastEvaluatedKey? ─ next
 *                                                                 ├─ throttled / 5xx / network ─ backoff, resend
 *                                                                 └─ fatal / refused / retries used up ─ throw ToolError
 *   scanAll ─ every segment concurrently ─ onPage(page, segment); the first failure stops them all
 *
 * A page cannot half-fail, so here failure is an exception, not a result: the ToolError names
 * the segment, and the last page yielded carries the key to resume from.
 */
import { ErrorCode, type ToolError } from '../errors.js';
import type { Item } from '../mapping/attribute-value.js';
import { toFatalPlainError, type DdbErrorInfo } from './errors.js';
import type { DynamoDbCaller } from './http-client.js';
import { parseObject } from './response-body.js';
import { exchangeWithRetries, loopContext, newCounters, type Exchange, type LoopOptions, type RequestCounters } from './retry-loop.js';

/** Scan service limit on TotalSegments. */
export const MAX_TOTAL_SEGMENTS = 1_000_000;

export interface ScanPage {
  /** May be empty even when more pages follow. */
  readonly items: Item[];
  /** Present when the segment goes on: pass it as `exclusiveStartKey` to resume after this page. */
  readonly lastEvaluatedKey?: Item;
}

/** `beforeRequest` is passed the page limit (0 when none), and `onResponse`'s `items` is that limit too. */
export interface ScanOptions extends LoopOptions<[pageLimit: number]> {
  /** Items per page (Scan `Limit`); DynamoDB also ends a page at 1 MB. */
  readonly pageLimit?: number;
  readonly consistentRead?: boolean;
  /** Updated in place as requests go out, so a caller sees the cost even of a scan it stops early. */
  readonly counters?: RequestCounters;
}

export interface ScanSegmentOptions extends ScanOptions {
  /** 0-based, below totalSegments. */
  readonly segment: number;
  readonly totalSegments: number;
  /** Resume after this key: a page's lastEvaluatedKey. */
  readonly exclusiveStartKey?: Item;
}

export interface ScanTotals extends RequestCounters {
  pages: number;
  items: number;
}

/** One page request: where it starts. */
interface PageRequest {
  readonly startKey: Item | undefined;
}

/** Yields the pages of one segment of a parallel scan of `table`, in order, until it ends. */
export async function* scanSegment(caller: DynamoDbCaller, table: string, options: ScanSegmentOptions): AsyncGenerator<ScanPage, void, undefined> {
  const { segment, totalSegments, pageLimit } = options;
  checkSegments(segment, totalSegments, pageLimit);
  const ctx = loopContext(caller, options);
  const counters = options.counters ?? newCounters();
  const head =
    `{"TableName":${JSON.stringify(table)},"Segment":${segment},"TotalSegments":${totalSegments}` +
    (pageLimit === undefined ? '' : `,"Limit":${pageLimit}`) +
    (options.consistentRead === true ? ',"ConsistentRead":true' : '');
  const hook = options.beforeRequest;
  let page: ScanPage | undefined;
  const exchange: Exchange<PageRequest> = {
    operation: 'Scan',
    table,
    body: ([r]) => Buffer.from(r?.startKey === undefined ? `${head}}` : `${head},"ExclusiveStartKey":${JSON.stringify(r.startKey)}}`, 'utf8'),
    size: () => pageLimit ?? 0,
    before: hook === undefined ? undefined : () => hook(pageLimit ?? 0),
    accept: (body) => {
      page = parsePage(body);
      return page === undefined ? undefined : [];
    },
  };

  let startKey = options.exclusiveStartKey;
  for (;;) {
    page = undefined;
    const end = await exchangeWithRetries(ctx, exchange, counters, [{ startKey }]);
    if (end.kind === 'exhausted') throw scanFailure(table, segment, totalSegments, end.info, `not read after ${ctx.policy.maxRetries} retries; last: ${end.last}`);
    if (end.kind === 'rejected') throw scanFailure(table, segment, totalSegments, end.info, end.info.message);
    if (page === undefined) throw new Error(`Scan loop ended '${end.kind}' without a page`);
    const done: ScanPage = page;
    yield done;
    if (done.lastEvaluatedKey === undefined) return;
    startKey = done.lastEvaluatedKey;
  }
}

/**
 * Scans every segment of `table` concurrently, handing each page to `onPage` (awaited: a slow
 * consumer slows its segment down). The first failure, of a request or of `onPage`, stops the
 * other segments after their current page and is rethrown.
 */
export async function scanAll(
  caller: DynamoDbCaller,
  table: string,
  totalSegments: number,
  onPage: (page: ScanPage, segment: number) => Promise<void> | void,
  options: ScanOptions = {},
): Promise<ScanTotals> {
  checkSegments(0, totalSegments, options.pageLimit);
  const counters = options.counters ?? newCounters();
  const totals = { pages: 0, items: 0 };
  let failure: { error: unknown } | undefined;
  const one = async (segment: number): Promise<void> => {
    try {
      for await (const page of scanSegment(caller, table, { ...options, counters, segment, totalSegments })) {
        if (failure !== undefined) return;
        totals.pages++;
        totals.items += page.items.length;
        await onPage(page, segment);
      }
    } catch (error) {
      failure ??= { error };
    }
  };
  await Promise.all(Array.from({ length: totalSegments }, (_, segment) => one(segment)));
  if (failure !== undefined) throw failure.error;
  return { ...totals, ...counters };
}

function checkSegments(segment: number, totalSegments: number, pageLimit: number | undefined): void {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_TOTAL_SEGMENTS) {
    throw new RangeError(`totalSegments must be an integer from 1 to ${MAX_TOTAL_SEGMENTS}, got ${totalSegments}`);
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
    throw new RangeError(`segment must be an integer from 0 to ${totalSegments - 1}, got ${segment}`);
  }
  if (pageLimit !== undefined && (!Number.isInteger(pageLimit) || pageLimit < 1)) {
    throw new RangeError(`pageLimit must be a positive integer, got ${pageLimit}`);
  }
}

/** A 200 Scan answer, or undefined when it is not one. */
function parsePage(body: string): ScanPage | undefined {
  const parsed = parseObject(body);
  if (parsed === undefined) return undefined;
  const { Items, LastEvaluatedKey } = parsed;
  if (!Array.isArray(Items)) return undefined;
  if (LastEvaluatedKey === undefined) return { items: Items as Item[] };
  if (typeof LastEvaluatedKey !== 'object' || LastEvaluatedKey === null || Array.isArray(LastEvaluatedKey)) return undefined;
  return { items: Items as Item[], lastEvaluatedKey: LastEvaluatedKey as Item };
}

function scanFailure(table: string, segment: number, totalSegments: number, info: DdbErrorInfo | undefined, message: string): ToolError {
  const base: DdbErrorInfo = info ?? { code: ErrorCode.RETRIES_EXHAUSTED, message, retryable: false, throttle: false, fatal: false, status: 200 };
  return toFatalPlainError({ ...base, message: `Scan segment ${segment} of ${totalSegments}: ${message}` }, table);
}
