import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMapping, parseMapping } from '../../src/config/mapping-file.js';
import { DEFAULT_MAPPING_OPTIONS } from '../../src/mapping/options.js';
import { ToolError } from '../../src/errors.js';

function error(text: string): string {
  try {
    parseMapping(text, 'm.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ToolError);
    expect((e as ToolError).code).toBe('USAGE');
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('mapping file', () => {
  it('reads every setting', () => {
    const o = parseMapping(`
timestamps: epoch-millis
key:
  hash: pk
  range: sk
  rangeEncoding: ordered
columns:
  include: [a, b]
  exclude: [c]
  rename: { a: alpha }
  types: { t: iso }
ttl:
  attribute: expires_at
writetime:
  attribute: written_at
maxItemBytes: 1000
`);
    expect(o).toEqual({
      ...DEFAULT_MAPPING_OPTIONS,
      timestampAs: 'epochMillis',
      hashKeyName: 'pk',
      rangeKeyName: 'sk',
      singleRangeKey: 'ordered',
      include: ['a', 'b'],
      exclude: ['c'],
      rename: { a: 'alpha' },
      columnTimestampAs: { t: 'iso' },
      ttlAttribute: 'expires_at',
      writetimeAttribute: 'written_at',
      maxItemBytes: 1000,
    });
  });

  it('reads JSON too, and an empty file means the defaults', () => {
    expect(parseMapping('{"columns": {"exclude": ["x"]}}').exclude).toEqual(['x']);
    expect(parseMapping('')).toEqual(DEFAULT_MAPPING_OPTIONS);
    expect(loadMapping(undefined)).toEqual({ options: DEFAULT_MAPPING_OPTIONS, source: 'defaults' });
  });

  it('names the line and the key of every mistake', () => {
    expect(error('colums:\n  exclude: [x]\n')).toBe('mapping file m.yaml:1: colums: unknown key; expected one of timestamps, key, columns, ttl, writetime, maxItemBytes');
    expect(error('key:\n  hash: pk\n  rnage: sk\n')).toBe('mapping file m.yaml:3: key.rnage: unknown key; expected one of hash, range, rangeEncoding');
    expect(error('timestamps: unix\n')).toBe('mapping file m.yaml:1: timestamps: expected iso or epoch-millis, got "unix"');
    expect(error('columns:\n  include: a\n')).toBe('mapping file m.yaml:2: columns.include: expected a list of column names');
    expect(error('columns:\n  include: [a, 3]\n')).toBe('mapping file m.yaml:2: columns.include[1]: expected a name (1 to 255 characters)');
    expect(error('maxItemBytes: 500000\n')).toBe('mapping file m.yaml:1: maxItemBytes: expected an integer from 1 to 409600');
    expect(error('ttl: 5\n')).toMatch(/^mapping file m\.yaml:1: ttl: expected a mapping with attribute$/);
    expect(error('- a\n- b\n')).toMatch(/^mapping file m\.yaml:1: expected a mapping of keys/);
    expect(error('key:\n  hash: a\n  hash: b\n')).toMatch(/^mapping file m\.yaml:3: .*[Uu]nique/);
    expect(error('columns: {rename: {a: b}\n')).toMatch(/^mapping file m\.yaml:\d+: /);
  });

  it('reports a missing file in one line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'map-'));
    expect(() => loadMapping(path.join(dir, 'none.yaml'))).toThrow(/none\.yaml: no such file/);
    const file = path.join(dir, 'ok.yml');
    writeFileSync(file, 'columns:\n  exclude: [notes]\n');
    expect(loadMapping(file)).toMatchObject({ source: file, options: { exclude: ['notes'] } });
  });
});
