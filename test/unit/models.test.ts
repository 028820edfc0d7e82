import { describe, expect, it } from 'vitest';
import cassandra from 'cassandra-driver';
import { MODELS } from '../../src/populate/models/index.js';
import { MODEL_NAMES } from '../../src/populate/model.js';
import { ALL_TYPES_COLUMNS, EDGE_KINDS, edgeKindOf, invalidKindOf } from '../../src/populate/models/all-types.js';

const opts = { edgeEvery: 20, invalidEvery: 0 };

describe('populate models', () => {
  it.each(MODEL_NAMES)('%s: row i is the same whenever it is generated', (name) => {
    const model = MODELS[name];
    for (const i of [0, 1, 19, 20, 12345]) {
      expect(model.generate(42, i, opts)).toEqual(model.generate(42, i, opts));
      expect(model.generate(42, i, opts)).not.toEqual(model.generate(43, i, opts));
    }
  });

  it.each(MODEL_NAMES)('%s: every statement gets exactly as many values as it has markers', (name) => {
    const model = MODELS[name];
    const statements = model.statements('ks', 'tbl');
    for (let i = 0; i < 200; i++) {
      for (const write of model.generate(7, i, { edgeEvery: 20, invalidEvery: 7 })) {
        const stmt = statements[write.statement];
        expect(stmt).toBeDefined();
        expect(write.params.length).toBe((stmt!.cql.match(/\?/g) ?? []).length);
      }
    }
  });

  it('users: unique ids, and edge rows at exactly the --edge-every rate', () => {
    const ids = new Set<string>();
    let edges = 0;
    for (let i = 0; i < 2000; i++) {
      const [write] = MODELS.users.generate(1, i, opts);
      ids.add(String(write!.params[0]));
      if (write!.params[1] === '') edges++;
    }
    expect(ids.size).toBe(2000);
    expect(edges).toBe(100);
  });

  it('events: primary keys are unique', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const p = MODELS.events.generate(1, i, opts)[0]!.params;
      keys.add(`${String(p[0])}|${String(p[1])}|${(p[2] as Date).getTime()}|${String(p[3])}`);
    }
    expect(keys.size).toBe(5000);
  });

  it('all-types: edge kinds cycle, invalid rows only when asked', () => {
    const kinds = Array.from({ length: 6 }, (_, k) => edgeKindOf(k * 20, opts));
    expect(kinds).toEqual([...EDGE_KINDS]);
    expect(edgeKindOf(21, opts)).toBeUndefined();
    expect(invalidKindOf(0, opts)).toBeUndefined();
    expect(invalidKindOf(5, { edgeEvery: 20, invalidEvery: 5 })).toBe('infinity');
    expect(invalidKindOf(10, { edgeEvery: 20, invalidEvery: 5 })).toBe('varint-39-digits');
  });

  it('all-types: binds every column, with the driver types of its CQL type', () => {
    const [insert] = MODELS['all-types'].generate(3, 1, opts);
    const p = insert!.params;
    expect(p.length).toBe(3 + ALL_TYPES_COLUMNS.length);
    const byName = Object.fromEntries(ALL_TYPES_COLUMNS.map((c, i) => [c, p[i + 3]]));
    const t = cassandra.types;
    expect(byName.c_bigint).toBeInstanceOf(t.Long);
    expect(byName.c_decimal).toBeInstanceOf(t.BigDecimal);
    expect(byName.c_varint).toBeInstanceOf(t.Integer);
    expect(byName.c_date).toBeInstanceOf(t.LocalDate);
    expect(byName.c_time).toBeInstanceOf(t.LocalTime);
    expect(byName.c_duration).toBeInstanceOf(t.Duration);
    expect(byName.c_inet).toBeInstanceOf(t.InetAddress);
    expect(byName.c_timeuuid).toBeInstanceOf(t.TimeUuid);
    expect(byName.c_tuple).toBeInstanceOf(t.Tuple);
    expect(byName.c_vector).toBeInstanceOf(t.Vector);
    expect(Buffer.isBuffer(byName.c_blob)).toBe(true);
  });

  it('all-types nulls edge row leaves every regular column null', () => {
    const i = 2 * 20; // the third edge row: kind "nulls"
    expect(edgeKindOf(i, opts)).toBe('nulls');
    const [insert] = MODELS['all-types'].generate(3, i, opts);
    expect(insert!.params.slice(3).every((v) => v === null)).toBe(true);
  });
});
