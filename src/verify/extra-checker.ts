/**
 * Target → source for one page of a scan segment: decode each item's Cassandra key from its key
 * attributes, look the row up, and report (and with --fix-extra delete) items with no source row.
 * Items whose key cannot be decoded did not come from a row of this table: they are extra too.
 */
import type cassandra from 'cassandra-driver';
import { classifyCassandraError } from '../cassandra/client.js';
import { quoteIdent } from '../cassandra/select.js';
import { DEFAULTS } from '../config/defaults.js';
import type { Item } from '../mapping/attribute-value.js';
import type { ItemKeyDecoder } from './item-key.js';
import type { VerifyDynamo } from './dynamo.js';
import type { CheckReporter } from './range-checker.js';
import type { Difference, VerifyWorkerData } from './task.js';
import { consistencyCode } from '../cassandra/range-reader.js';

export function lookupCql(config: Pick<VerifyWorkerData, 'keyspace' | 'table' | 'tableSpec'>): string {
  const keys = [...config.tableSpec.partitionKeys, ...config.tableSpec.clusteringKeys].map((c) => quoteIdent(c.name));
  return `SELECT ${keys[0]} FROM ${quoteIdent(config.keyspace)}.${quoteIdent(config.table)} WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}`;
}

export class ExtraChecker {
  private readonly cql: string;
  private readonly keyAttributes: string[];

  constructor(
    private readonly config: VerifyWorkerData,
    private readonly client: cassandra.Client,
    private readonly decode: ItemKeyDecoder,
    private readonly dynamo: VerifyDynamo,
    private readonly reporter: CheckReporter,
  ) {
    this.cql = lookupCql(config);
    const ks = decode.keySchema;
    this.keyAttributes = ks.rangeKey === null ? [ks.hashKey.name] : [ks.hashKey.name, ks.rangeKey.name];
  }

  async check(items: readonly Item[]): Promise<void> {
    const r = this.reporter;
    const extra: Item[] = [];
    let next = 0;
    const consistency = consistencyCode(this.config.consistency);
    const lane = async (): Promise<void> => {
      for (;;) {
        const item = items[next++];
        if (item === undefined) return;
        r.add('itemsScanned');
        const key = this.decode(item);
        if (!key.ok) {
          r.add('undecodable');
          extra.push(item);
          continue;
        }
        const started = performance.now();
        let rs: cassandra.types.ResultSet;
        try {
          rs = await this.client.execute(this.cql, key.values, { prepare: true, isIdempotent: true, ...(consistency === undefined ? {} : { consistency }) });
        } catch (error) {
          throw classifyCassandraError(error, this.config.connection);
        }
        r.record('source-lookup', (performance.now() - started) * 1000);
        if (rs.rows.length > 0) continue;
        // A decimal (or a -0.0 float) key cannot be rebuilt byte for byte from DynamoDB's number:
        // not finding the row does not prove the item is extra, so it is never deleted.
        if (key.exact) extra.push(item);
        else r.add('unverifiable');
      }
    };
    await Promise.all(Array.from({ length: Math.min(DEFAULTS.verify.sourceLookupsInFlight, items.length) }, lane));
    if (extra.length === 0) return;
    r.add('extra', extra.length);
    const deleted = new Set<Item>();
    if (this.config.fixExtra) {
      for (let i = 0; i < extra.length; i += 25) {
        const batch = extra.slice(i, i + 25);
        const out = await this.dynamo.deleter.deleteBatch(this.config.target.table, batch.map((item) => ({ key: item, ref: item })));
        r.add('fixRequests', out.requests);
        r.add('fixThrottledRequests', out.throttledRequests);
        r.add('retries', out.retries + out.unprocessedRetries);
        const failed = new Set(out.failed.map((f) => f.ref));
        for (const item of batch) if (!failed.has(item)) deleted.add(item);
        r.add('fixWriteUnits', out.deleted);
      }
      r.add('fixedDeleted', deleted.size);
    }
    const differences: Difference[] = extra.map((item) => ({
      kind: 'extra',
      key: Object.fromEntries(this.keyAttributes.map((a) => [a, item[a]])),
      ...(deleted.has(item) ? { fixed: 'deleted' as const } : {}),
    }));
    r.send({ type: 'differences', differences });
  }
}
