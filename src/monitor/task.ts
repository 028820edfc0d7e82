/** The plain data a monitor job hands its workers, and its names on both sides of the thread boundary. */
import type { DynamoTargetConfig } from '../dynamodb/target.js';
import type { JobShape } from '../engine/protocol.js';
import type { AttributeValue } from '../mapping/attribute-value.js';
import type { ShardTask } from '../streams/shard-source.js';
import type { CassandraSourceData } from './cassandra-side.js';
import type { SettledBatch } from './ledger.js';

/**
 * A shard, with the keys its parent handed on (see `inherited-superseded`) and, for a retried
 * reader, how far an earlier one counted its changes (ledger.ts).
 */
export type MonitorTask = ShardTask & { readonly inherited?: readonly string[]; readonly countedThrough?: string };

/** Where a stream is read: the stream's own endpoint and credentials (`--stream-profile`). */
export interface StreamLocation {
  readonly endpoint?: string;
  readonly region: string;
  readonly profile?: string;
  readonly streamArn: string;
}

/**
 * What each sampled change is checked against: a DynamoDB table (the target, or the source with
 * --verify-on target), or the Cassandra source table (`--source cassandra`).
 */
export type CheckAgainst =
  | { readonly kind: 'dynamodb'; readonly table: DynamoTargetConfig }
  | { readonly kind: 'cassandra'; readonly source: CassandraSourceData };

export interface MonitorWorkerData {
  readonly stream: StreamLocation;
  readonly against: CheckAgainst;
  /**
   * The stream's own table, read beside the other side to learn what a change left there (a
   * stream without NewImage, or `--read-stream-table`); undefined: the records' NewImage is used.
   */
  readonly streamTable?: DynamoTargetConfig;
  /** Attributes left out of the comparison on both sides (a mapping's TTL attribute, computed at read time). */
  readonly ignoreAttributes: readonly string[];
  /** Key attribute names of both tables: hash, then range. */
  readonly keyAttributes: readonly string[];
  /** Share of keys checked, in (0, 1] (src/monitor/sample.ts). */
  readonly sampleShare: number;
  /** A failed check is looked at again after this (doubling), up to maxRechecks times, before it counts. */
  readonly recheckAfterMs: number;
  readonly maxRechecks: number;
  /** BatchGetItem requests in flight per shard. */
  readonly inFlight: number;
  readonly idleWaitMs: number;
  /** Also send every check's verdict (`--verbose`). */
  readonly verbose: boolean;
  /** Rate slots: the read channel holds `--max-rcu`. */
  readonly rateSlots: Int32Array;
}

/** How one sampled change compared with the other side, once settled. */
export type Verdict = 'matched' | 'missing' | 'mismatched' | 'still-present';

export interface MonitorDifference {
  readonly kind: Exclude<Verdict, 'matched'>;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly key: Readonly<Record<string, AttributeValue>>;
  /** Differing attribute paths (mismatched), expected and actual in DynamoDB JSON. */
  readonly attributes?: ReadonlyArray<{ readonly path: string; readonly kind: string; readonly expected?: unknown; readonly actual?: unknown }>;
  /** Times it was looked at again before it counted. */
  readonly rechecks: number;
}

export type MonitorData =
  /** How far the shard's changes are counted, and checks that settled (with their differences). */
  | ({ readonly type: 'settled' } & SettledBatch)
  /**
   * The reader caught up with an open shard (or fell behind again), how many checks wait, and
   * the time of the last record read (its backlog: now minus that time, while not caught up).
   */
  | { readonly type: 'shard-state'; readonly shardId: string; readonly caughtUp: boolean; readonly pendingChecks: number; readonly lastRecordAtMs?: number }
  /** A closed shard was read to its end and its checks settled: its children may start. */
  | {
      readonly type: 'shard-ended';
      readonly shardId: string;
      /** Changes that still differed at the shard's end: judged once its children are read. */
      readonly deferred: ReadonlyArray<MonitorDifference & { readonly keyId: string }>;
    }
  /** Inherited keys (by keyIdentity) whose newer change this child shard holds: not differences. */
  | { readonly type: 'inherited-superseded'; readonly keyIds: readonly string[] }
  /** Records that were trimmed before they were read. */
  | { readonly type: 'data-loss'; readonly shardId: string; readonly afterSequenceNumber?: string; readonly firstAvailableSequenceNumber?: string }
  /** --verbose: every settled check. */
  | { readonly type: 'checked'; readonly results: ReadonlyArray<{ readonly key: Readonly<Record<string, AttributeValue>>; readonly eventName: string; readonly verdict: Verdict }> };

export type MonitorPhase = 'get-records' | 'batch-get' | 'check' | 'replication-lag' | 'source-to-target-lag';
export type MonitorCounter =
  /** Changes read, each once per run (unique by shard and sequence number). */
  | 'events'
  /** Changes read again by a retried reader: already counted, checked again. */
  | 'replayedEvents'
  /** Verdicts of changes read again that were already counted (not counted twice). */
  | 'repeatedVerdicts'
  | 'inserts'
  | 'modifies'
  | 'removes'
  /** REMOVEs by DynamoDB's TTL (userIdentity of the service). */
  | 'ttlRemoves'
  | 'sampled'
  /** Sampled changes overtaken by a newer change of the same key before they were judged. */
  | 'superseded'
  | 'matched'
  | 'missing'
  | 'mismatched'
  | 'stillPresent'
  /** Checks that failed at first and matched on a recheck, or were overtaken meanwhile (the other side catching up). */
  | 'lagging'
  | 'rechecks'
  /** Sampled changes whose key the other side could not read (throttled, refused) through every recheck: no verdict. */
  | 'unreadable'
  | 'dataLoss'
  | 'getRecords'
  | 'iteratorsRenewed'
  | 'streamThrottles'
  | 'requests'
  | 'retries'
  | 'throttledRequests'
  | 'unprocessedRetries'
  | 'readUnits';

export interface MonitorJob extends JobShape {
  readonly counter: MonitorCounter;
  readonly phase: MonitorPhase;
  readonly task: MonitorTask;
  readonly data: MonitorData;
}
