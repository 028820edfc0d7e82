/**
 * Mapping options: one plain object, filled from defaults and later by the mapping-file parser.
 */
import { MAX_ITEM_BYTES } from './item-size.js';
import type { TimestampAs } from './scalars.js';

export interface MappingOptions {
  /** timestamp columns: S ISO-8601 (`iso`, default) or N epoch milliseconds. Applies to keys too. */
  readonly timestampAs: TimestampAs;
  /**
   * Name of the HASH key attribute. Default: the partition key column's attribute name, or for
   * several columns their attribute names joined with '#' (`tenant_id#day`). For a single
   * column, this renames that column's attribute (it is the key).
   */
  readonly hashKeyName: string | null;
  /** Name of the RANGE key attribute; defaults like hashKeyName, from the clustering columns. */
  readonly rangeKeyName: string | null;
  /**
   * A single clustering column as RANGE key: `native` (default: its own key-legal type, e.g.
   * timeuuid → S lower-case text, which does not sort by time) or `ordered` (S in the
   * order-preserving composite encoding, so DynamoDB sorts like Cassandra: timeuuid by time,
   * DESC inverted, …) in an attribute named `<column>#ordered`, next to the plain column.
   */
  readonly singleRangeKey: 'native' | 'ordered';
  /** Columns to write (null: all). Key attributes are always written. */
  readonly include: readonly string[] | null;
  /** Columns not to write (a single-column key is the key attribute and is still written). */
  readonly exclude: readonly string[];
  /** Column name → attribute name. */
  readonly rename: Readonly<Record<string, string>>;
  /** Items above this size are dead letters (ITEM_TOO_LARGE). DynamoDB's limit: 400 KB. */
  readonly maxItemBytes: number;
  /** Per-column override of `timestampAs` (non-key timestamp columns). */
  readonly columnTimestampAs: Readonly<Record<string, TimestampAs>>;
  /**
   * Attribute for the row's expiry as epoch seconds (a DynamoDB TTL attribute): read time plus
   * the largest cell TTL, when every non-null cell has one; absent when some cell never expires.
   */
  readonly ttlAttribute: string | null;
  /** Attribute for the row's newest WRITETIME (microseconds since the epoch), as N. */
  readonly writetimeAttribute: string | null;
}

export const DEFAULT_MAPPING_OPTIONS: MappingOptions = Object.freeze({
  timestampAs: 'iso',
  hashKeyName: null,
  rangeKeyName: null,
  singleRangeKey: 'native',
  include: null,
  exclude: Object.freeze([]) as readonly string[],
  rename: Object.freeze({}) as Readonly<Record<string, string>>,
  maxItemBytes: MAX_ITEM_BYTES,
  columnTimestampAs: Object.freeze({}) as Readonly<Record<string, TimestampAs>>,
  ttlAttribute: null,
  writetimeAttribute: null,
} satisfies MappingOptions);

/** Defaults + the given options (undefined fields keep their default). */
export function resolveMappingOptions(options: Partial<MappingOptions> = {}): MappingOptions {
  const out: Record<string, unknown> = { ...DEFAULT_MAPPING_OPTIONS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as unknown as MappingOptions;
}
