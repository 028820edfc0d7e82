/**
 * Dead letters: rows that cannot be written, each with its key, a reason code and the source
 * row, one JSON object per line. Workers build them (plain data); the main thread appends them
 * to the file before it moves any checkpoint past them, so a dead letter is never lost.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../errors.js';
import { fileWriteError, probeWritable, writeAll } from './durable-file.js';

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

/**
 * Appends records to a JSONL file; each append is flushed to disk before it returns. An append
 * that fails (a full disk, a file-size limit, no permission) leaves the file as it was before it,
 * whole lines only, and throws an OUTPUT_UNWRITABLE ToolError naming the file and the reason.
 */
export class JsonlFile<T extends object> {
  private fd: number | undefined;
  /** Bytes in the file after the last whole append: where a failed one is cut back to. */
  private size = 0;
  private count = 0;

  /**
   * `truncate`: start a new file (a fresh run); else append (a resumed run adds to its file).
   * `what` names the file in errors ("dead-letter file").
   */
  constructor(
    readonly file: string,
    truncate = false,
    readonly what = 'output file',
  ) {
    if (!truncate) return;
    try {
      rmSync(file, { force: true });
    } catch (error) {
      throw fileWriteError(ErrorCode.OUTPUT_UNWRITABLE, 'replace', what, file, error);
    }
  }

  /**
   * Proves, before a job writes anything, that records can be appended here: the folder made,
   * a few KB written and flushed beside the file, the file itself opened for appending.
   */
  static probe(file: string, what: string, hint: string): void {
    try {
      probeWritable(file, `${'x'.repeat(4095)}\n`);
    } catch (error) {
      throw fileWriteError(ErrorCode.OUTPUT_UNWRITABLE, 'write', what, file, error, hint);
    }
  }

  append(letters: readonly T[]): void {
    if (letters.length === 0) return;
    if (this.fd === undefined) {
      try {
        mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
        this.fd = openSync(this.file, 'a', 0o600);
        this.size = fstatSync(this.fd).size;
      } catch (error) {
        throw fileWriteError(ErrorCode.OUTPUT_UNWRITABLE, 'open', this.what, this.file, error, 'the job stopped');
      }
    }
    const text = letters.map((l) => `${JSON.stringify({ at: new Date().toISOString(), ...l })}\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    try {
      writeAll(this.fd, bytes);
      fsyncSync(this.fd);
    } catch (error) {
      // No torn last line for the next run to trip on: back to the last whole append.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the write's own error says what is wrong
      }
      throw fileWriteError(ErrorCode.OUTPUT_UNWRITABLE, 'append to', this.what, this.file, error, 'the job stopped; the file keeps its whole lines, and no position past these records is saved');
    }
    this.size += bytes.byteLength;
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
export class DeadLetterFile extends JsonlFile<DeadLetter> {
  static readonly WHAT = 'dead-letter file';

  constructor(file: string, truncate = false) {
    super(file, truncate, DeadLetterFile.WHAT);
  }

  /** Before anything is written to DynamoDB: the dead-letter file can be written. */
  static probeFile(file: string): void {
    JsonlFile.probe(file, DeadLetterFile.WHAT, 'nothing was written to DynamoDB: make room or fix the folder, or name another file with --dead-letters');
  }
}
