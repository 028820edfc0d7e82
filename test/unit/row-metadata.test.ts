import { describe, expect, it } from 'vitest';
import { compileTtl, compileWritetime, metadataColumns } from '../../src/mapping/row-metadata.js';
import { compileRowConverter, validateMapping } from '../../src/mapping/row-converter.js';
import { parseCqlType } from '../../src/mapping/cql-type.js';
import { resolveMappingOptions } from '../../src/mapping/options.js';
import type { TableSpec } from '../../src/mapping/table-spec.js';

const table: TableSpec = {
  partitionKeys: [{ name: 'id', type: parseCqlType('int') }],
  clusteringKeys: [],
  columns: [
    { name: 'id', type: parseCqlType('int') },
    { name: 'name', type: parseCqlType('text') },
    { name: 'created_at', type: parseCqlType('timestamp') },
    { name: 'tags', type: parseCqlType('set<text>') },
    { name: 'frozen_tags', type: parseCqlType('frozen<set<text>>') },
    { name: 'hits', type: parseCqlType('counter') },
  ],
};

describe('TTL and WRITETIME attributes', () => {
  it('selects only cells Cassandra can report on', () => {
    expect(metadataColumns(table, { ttlAttribute: null, writetimeAttribute: null })).toEqual([]);
    expect(metadataColumns(table, { ttlAttribute: 'exp', writetimeAttribute: null }).map((c) => c.column)).toEqual(['name', 'created_at', 'frozen_tags']);
  });

  it('expires a row when every non-null cell expires, at the latest cell', () => {
    const cols = metadataColumns(table, { ttlAttribute: 'exp', writetimeAttribute: null });
    const ttl = compileTtl(cols, () => 1_000_000_000_000);
    const [a, b] = cols;
    expect(ttl({ name: 'x', [a!.ttlAlias]: 60, created_at: new Date(), [b!.ttlAlias]: 3600 })).toEqual({ N: String(1_000_000_000 + 3600) });
    // a cell without TTL lives for ever: so does the row
    expect(ttl({ name: 'x', [a!.ttlAlias]: 60, created_at: new Date(), [b!.ttlAlias]: null })).toBeUndefined();
    // null cells do not count
    expect(ttl({ name: 'x', [a!.ttlAlias]: 60, created_at: null })).toEqual({ N: String(1_000_000_000 + 60) });
    expect(ttl({ name: null })).toBeUndefined();
  });

  it('takes the newest WRITETIME, exactly (microseconds exceed 2^53)', () => {
    const cols = metadataColumns(table, { ttlAttribute: null, writetimeAttribute: 'wt' });
    const wt = compileWritetime(cols);
    expect(wt({ [cols[0]!.writetimeAlias]: '1700000000000001', [cols[1]!.writetimeAlias]: '1700000000000009' })).toEqual({ N: '1700000000000009' });
    expect(wt({})).toBeUndefined();
  });

  it('the converter writes them, and per-column timestamp formats', () => {
    const cols = metadataColumns(table, { ttlAttribute: 'exp', writetimeAttribute: 'wt' });
    const convert = compileRowConverter(table, { ttlAttribute: 'exp', writetimeAttribute: 'wt', columnTimestampAs: { created_at: 'epochMillis' } });
    const r = convert({ id: 1, name: 'n', created_at: new Date(5000), [cols[0]!.ttlAlias]: 10, [cols[1]!.ttlAlias]: 10, [cols[0]!.writetimeAlias]: '7', [cols[1]!.writetimeAlias]: '8' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.item.created_at).toEqual({ N: '5000' });
    expect(r.item.wt).toEqual({ N: '8' });
    expect(Number((r.item.exp as { N: string }).N)).toBeGreaterThan(Date.now() / 1000);
  });

  it('rejects overrides of unknown, non-timestamp or key columns and clashing names', () => {
    const opts = (o: object) => resolveMappingOptions(o);
    expect(validateMapping(table, opts({ columnTimestampAs: { nope: 'iso' } }))).toEqual(['columns.types names unknown column "nope"']);
    expect(validateMapping(table, opts({ columnTimestampAs: { name: 'iso' } }))[0]).toMatch(/"name", which is text, not timestamp/);
    expect(validateMapping(table, opts({ ttlAttribute: 'name' }))[0]).toMatch(/attribute name "name" is used by both/);
  });
});
