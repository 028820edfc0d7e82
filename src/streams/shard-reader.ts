/**
 * Reads one shard, batch by batch, for as long as it lasts: an async generator that ends when a
 * closed shard is read to its end (no NextShardIterator) or when the signal aborts. It never gives
 * a shard up on the stream's own hiccups:
 *
 *   GetShardIterator(type, after?) ──▶ GetRecords ──▶ batch ──▶ (empty and open: wait idleWaitMs)
 *        ▲  ExpiredIterator: renew AFTER_SEQUENCE_NUMBER the last record read (or the start)
 *        └─ TrimmedDataAccess: from TRIM_HORIZON; records lost in between ─▶ `data-loss` event;
 *           before anything was read: not a loss (DynamoDB Local's false trim), retry shortly
 *   LimitExceeded / throttling / 5xx: backed off (throttle.ts)
 *
 * The two calls go through a StreamsReadClient (read-client.ts): the lean path in the monitor,
 * or the SDK client. Records are plain data (records.ts; they cross threads by structured clone).
 */
import { DEFAULTS } from '../config/defaults.js';
import { streamErrorKind, toStreamToolError } from './errors.js';
import type { GetShardIteratorInput, StreamsReadClient } from './read-client.js';
import type { StreamRecord } from './records.js';
import { Aborted, pause, withThrottleRetry, type ThrottleOptions } from './throttle.js';
import type { ShardStart } from './shard-source.js';

export type ShardReaderEvent =
  | {
      /** Records between `afterSequenceNumber` and `firstAvailableSequenceNumber` were trimmed unread. */
      readonly type: 'data-loss';
      readonly shardId: string;
      readonly afterSequenceNumber: string;
      /** Absent when nothing is left in the shard to read after the trim. */
      readonly firstAvailableSequenceNumber?: string;
      /** ISO time of the last record read before the gap (to the second on AWS, the minute on DynamoDB Local). */
      readonly windowStart?: string;
      /** ISO time of the first record after the gap. */
      readonly windowEnd?: string;
    }
  | { readonly type: 'iterator-renewed'; readonly shardId: string; readonly afterSequenceNumber?: string }
  /** A trim reported before anything was read, or one that skipped nothing: retried, no loss. */
  | { readonly type: 'trimmed-retry'; readonly shardId: string }
  | { readonly type: 'throttled'; readonly shardId: string; readonly error: string; readonly delayMs: number };

export interface ReadShardOptions extends Omit<ThrottleOptions, 'onThrottle'> {
  readonly streamArn: string;
  readonly shardId: string;
  /** Where to start when there is no `afterSequenceNumber`. */
  readonly start: ShardStart;
  /** Resume after this sequence number (a checkpoint's cursor). */
  readonly afterSequenceNumber?: string;
  /** Records per GetRecords; default DEFAULTS.streams.getRecordsLimit. */
  readonly limit?: number;
  /** Default DEFAULTS.streams.idleWaitMs. */
  readonly idleWaitMs?: number;
  /** Default DEFAULTS.streams.falseTrimRetryMs. */
  readonly falseTrimRetryMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: ShardReaderEvent) => void;
}

export interface ShardBatch {
  /** In shard order. Empty: the reader is at the open shard's current end (caught up). */
  readonly records: StreamRecord[];
  /** The last sequence number read so far (the cursor to checkpoint); undefined before any record. */
  readonly lastSequenceNumber: string | undefined;
  /** DynamoDB Streams has no MillisBehindLatest (Kinesis has): lag comes from record times. */
  readonly millisBehindLatest?: never;
}

const iso = (d: Date | undefined): string | undefined => (d === undefined ? undefined : d.toISOString());

export async function* readShard(client: StreamsReadClient, options: ReadShardOptions): AsyncGenerator<ShardBatch, void, undefined> {
  const { streamArn, shardId, signal } = options;
  const context = { streamArn, shardId };
  const limit = options.limit ?? DEFAULTS.streams.getRecordsLimit;
  const idleWaitMs = options.idleWaitMs ?? DEFAULTS.streams.idleWaitMs;
  const falseTrimRetryMs = options.falseTrimRetryMs ?? DEFAULTS.streams.falseTrimRetryMs;
  const emit = options.onEvent ?? (() => undefined);
  const throttle: ThrottleOptions = {
    ...options,
    onThrottle: ({ error, delayMs }) => emit({ type: 'throttled', shardId, error, delayMs }),
  };
  const aborted = (): boolean => signal?.aborted === true;

  /** The last sequence number read (or the resumed cursor): every new iterator starts after it. */
  let last = options.afterSequenceNumber;
  let lastTime: Date | undefined;
  /** Where a new iterator starts while nothing has been read: the caller's start, TRIM_HORIZON after a trim. */
  let startType: ShardStart = options.start;
  /** Set by a real trim; reported with the first read after it (when the gap's far side is known). */
  let lossAfter: string | undefined;
  let iterator: string | undefined;

  const call = <T>(what: string, run: () => Promise<T>): Promise<T> => withThrottleRetry(run, `${what} ${shardId}`, context, throttle);

  const newIterator = async (): Promise<string | undefined> => {
    const input: GetShardIteratorInput =
      last === undefined
        ? { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: startType }
        : { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: last };
    return call('GetShardIterator', () => client.getShardIterator(input, signal));
  };

  /** A trim: start over from TRIM_HORIZON; whatever lay after `last` and is gone is a loss. */
  const onTrimmed = async (): Promise<boolean> => {
    iterator = undefined;
    if (last === undefined) {
      // Nothing read yet: nothing of ours was lost. DynamoDB Local reports this for a
      // TRIM_HORIZON iterator on an empty shard once other tables advance its sequence counter.
      // The retry keeps the start asked for: a user who chose LATEST did not ask for the past.
      emit({ type: 'trimmed-retry', shardId });
      return pause(falseTrimRetryMs, signal);
    }
    lossAfter ??= last;
    last = undefined;
    startType = 'TRIM_HORIZON';
    return true;
  };

  const reportLoss = (records: readonly StreamRecord[]): StreamRecord[] => {
    const after = lossAfter;
    if (after === undefined) return [...records];
    lossAfter = undefined;
    // Sequence numbers only grow within a shard; compare them as numbers (21 digits: BigInt).
    const fresh = records.filter((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0') > BigInt(after));
    const first = fresh[0]?.dynamodb;
    if (fresh.length < records.length) {
      // The horizon is at or before what we had read: nothing was skipped (a false trim).
      emit({ type: 'trimmed-retry', shardId });
    } else {
      const windowStart = iso(lastTime);
      const windowEnd = iso(first?.ApproximateCreationDateTime);
      emit({
        type: 'data-loss',
        shardId,
        afterSequenceNumber: after,
        ...(first?.SequenceNumber === undefined ? {} : { firstAvailableSequenceNumber: first.SequenceNumber }),
        ...(windowStart === undefined ? {} : { windowStart }),
        ...(windowEnd === undefined ? {} : { windowEnd }),
      });
    }
    if (fresh.length === 0 && records.length > 0) last = after; // all re-read: carry on after them
    return fresh;
  };

  try {
    while (!aborted()) {
      let answer;
      try {
        iterator ??= await newIterator();
        if (iterator === undefined) return; // no iterator for a closed shard read to its end
        const current = iterator;
        answer = await call('GetRecords', () => client.getRecords({ ShardIterator: current, Limit: limit }, signal));
      } catch (error) {
        switch (streamErrorKind(error)) {
          case 'expired':
            iterator = undefined;
            emit(last === undefined ? { type: 'iterator-renewed', shardId } : { type: 'iterator-renewed', shardId, afterSequenceNumber: last });
            continue;
          case 'trimmed':
            if (!(await onTrimmed())) return;
            continue;
          case 'aborted':
            return;
          default:
            if (aborted()) return;
            throw error instanceof Aborted ? error : toStreamToolError(error, `reading shard ${shardId}`, context);
        }
      }
      const records = reportLoss(answer.Records);
      const tail = records.at(-1)?.dynamodb;
      if (tail?.SequenceNumber !== undefined) {
        last = tail.SequenceNumber;
        lastTime = tail.ApproximateCreationDateTime ?? lastTime;
      }
      iterator = answer.NextShardIterator ?? undefined;
      const ended = iterator === undefined;
      if (records.length > 0 || !ended) yield { records, lastSequenceNumber: last };
      if (ended) return;
      if (records.length === 0 && !(await pause(idleWaitMs, signal))) return;
    }
  } catch (error) {
    if (error instanceof Aborted || (aborted() && streamErrorKind(error) === 'aborted')) return;
    throw error;
  }
}
