/**
 * Dead letters: rows that cannot be written, each with its key, a reason code and the source
 * row, one JSON object per line. Workers build them (plain data); the main thread appends them
 * to the file before it moves any checkpoint past them, so a dead letter is never lost.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface DeadLetter {
  /** The row's primary-key columns, JSON-safe. */
  readonly key: Readonly<Record<string, unknown>>;
  /** Stable reason code, e.g. ITEM_TOO_LARGE, NUMBER_NOT_FINITE, DYNAMODB_VALIDATION. */
  readonly reason: string;
  readonly message: string;
  readonly column?: string;
  /** Token range the row came from. */
  readonly range: string;
  /** The whole source row, JSON-safe. */
  readonly row: Readonly<Record<string, unknown>>;
}

/**
 * A driver value as JSON: bigints, varints and decimals as exact strings, blobs as
 * {"$base64": ...}, timestamps as ISO text, NaN/±Infinity as strings, collections recursively.
 */
export function toJsonSafe(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  if (depth > 64) return '[too deep]';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (Buffer.isBuffer(value)) return { $base64: value.toString('base64') };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return value.map((v) => toJsonSafe(v, depth + 1));
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(toJsonSafe(k, depth + 1)), toJsonSafe(v, depth + 1)]));
  if (value instanceof Float32Array || value instanceof Float64Array) return [...value].map((v) => toJsonSafe(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonSafe(v, depth + 1)]));
  }
  // driver types (Long, Integer, BigDecimal, Uuid, LocalDate, Duration, InetAddress, Tuple, Vector…)
  const iterable = value as { values?: () => unknown[]; [Symbol.iterator]?: unknown };
  if (typeof iterable.values === 'function' && value.constructor?.name === 'Tuple') return iterable.values().map((v) => toJsonSafe(v, depth + 1));
  if (value.constructor?.name === 'Vector' && typeof iterable[Symbol.iterator] === 'function') {
    return [...(value as Iterable<unknown>)].map((v) => toJsonSafe(v, depth + 1));
  }
  return String(value);
}

/** Appends records to a JSONL file; each append is flushed to disk before it returns. */
export class JsonlFile<T extends object> {
  private fd: number | undefined;
  private count = 0;

  /** `truncate`: start a new file (a fresh run); else append (a resumed run adds to its file). */
  constructor(
    readonly file: string,
    truncate = false,
  ) {
    if (truncate) rmSync(file, { force: true });
  }

  append(letters: readonly T[]): void {
    if (letters.length === 0) return;
    if (this.fd === undefined) {
      mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
      this.fd = openSync(this.file, 'a', 0o600);
    }
    const text = letters.map((l) => `${JSON.stringify({ at: new Date().toISOString(), ...l })}\n`).join('');
    writeSync(this.fd, text);
    fsyncSync(this.fd);
    this.count += letters.length;
  }

  get written(): number {
    return this.count;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** The dead-letter file of a migration. */
export class DeadLetterFile extends JsonlFile<DeadLetter> {}
