/**
 * A data model for `populate`: the schema it creates, the statements that write one row, and a
 * pure generator for row `i`. Generators are deterministic in (seed, i) — see random.ts.
 */

/** What a generator needs besides (seed, index). */
export interface GenerateOptions {
  /** Every `edgeEvery`-th row (index % edgeEvery === 0) carries edge values; 0 disables them. */
  readonly edgeEvery: number;
  /** Every `invalidEvery`-th row carries values DynamoDB cannot hold (NaN, 39-digit varint); 0 disables. */
  readonly invalidEvery: number;
}

/** One write of a generated row: which prepared statement, with which bound values. */
export interface RowWrite {
  readonly statement: number;
  readonly params: readonly unknown[];
}

export interface ModelStatement {
  readonly cql: string;
  /** False for counter updates: a retry after a timeout could count twice. */
  readonly idempotent: boolean;
}

export interface PopulateModel {
  readonly name: ModelName;
  readonly defaultTable: string;
  readonly summary: string;
  /** CREATE TYPE / CREATE TABLE statements, in order, each `IF NOT EXISTS`. */
  schema(keyspace: string, table: string): string[];
  /** Tables the model writes to (for row counts): the main table first. */
  tables(table: string): string[];
  /** The statements a row uses, prepared once per worker. */
  statements(keyspace: string, table: string): ModelStatement[];
  /** The writes for row `index`. */
  generate(seed: number, index: number, options: GenerateOptions): RowWrite[];
}

export const MODEL_NAMES = ['users', 'events', 'all-types'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function isModelName(value: string): value is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(value);
}

/** Quotes a CQL identifier only when it needs it. */
export function cqlIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
