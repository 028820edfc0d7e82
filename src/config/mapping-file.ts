/**
 * The mapping file (`--mapping file.yaml`, YAML or JSON): how a Cassandra row becomes a
 * DynamoDB item, beyond the defaults. Every error names the file, the line and the key.
 *
 *   timestamps: iso              # iso (S, ISO-8601 UTC) | epoch-millis (N)
 *   key:
 *     hash: pk                   # HASH key attribute name
 *     range: sk                  # RANGE key attribute name
 *     rangeEncoding: native      # native | ordered (single clustering column)
 *   columns:
 *     include: [id, name]        # only these columns (keys always written)
 *     exclude: [notes]
 *     rename: { email: emailAddress }
 *     types: { created_at: epoch-millis }   # per-column override
 *   ttl:
 *     attribute: expires_at      # Cassandra TTL → epoch seconds (DynamoDB TTL attribute)
 *   writetime:
 *     attribute: written_at      # WRITETIME → N microseconds since the epoch
 *   maxItemBytes: 400000
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ErrorCode, ToolError } from '../errors.js';
import { DEFAULT_MAPPING_OPTIONS, resolveMappingOptions, type MappingOptions } from '../mapping/options.js';

export interface LoadedMapping {
  readonly options: MappingOptions;
  /** `defaults` or the file path, for messages. */
  readonly source: string;
}

const TIMESTAMP_FORMATS = { iso: 'iso', 'epoch-millis': 'epochMillis' } as const;
const TOP_KEYS = ['timestamps', 'key', 'columns', 'ttl', 'writetime', 'maxItemBytes'];
const SECTION_KEYS: Record<string, string[]> = {
  key: ['hash', 'range', 'rangeEncoding'],
  columns: ['include', 'exclude', 'rename', 'types'],
  ttl: ['attribute'],
  writetime: ['attribute'],
};

class MappingFileError extends ToolError {
  constructor(file: string, line: number | undefined, path: string, message: string) {
    super({ code: ErrorCode.USAGE, message: `mapping file ${file}${line === undefined ? '' : `:${line}`}: ${path ? `${path}: ` : ''}${message}`, retryable: false });
  }
}

export function loadMapping(file: string | undefined): LoadedMapping {
  if (file === undefined) return { options: DEFAULT_MAPPING_OPTIONS, source: 'defaults' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MappingFileError(file, undefined, '', code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  return { options: parseMapping(text, file), source: file };
}

export function parseMapping(text: string, file = '<mapping>'): MappingOptions {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    throw new MappingFileError(file, lines.linePos(first.pos[0]).line, '', first.message.split('\n')[0] ?? 'syntax error');
  }
  const lineOf = (node: Node | null | undefined): number | undefined => {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
  const fail = (node: Node | null | undefined, path: string, message: string): never => {
    throw new MappingFileError(file, lineOf(node), path, message);
  };
  return new Reader(doc, fail).read();
}

type Fail = (node: Node | null | undefined, path: string, message: string) => never;

class Reader {
  constructor(private readonly doc: Document, private readonly fail: Fail) {}

  read(): MappingOptions {
    const root = this.doc.contents;
    if (root === null || root === undefined) return DEFAULT_MAPPING_OPTIONS;
    if (!isMap(root)) return this.fail(root, '', 'expected a mapping of keys (timestamps, key, columns, ttl, writetime, maxItemBytes)');
    this.knownKeys(root, '', TOP_KEYS);
    const out: Record<string, unknown> = {};
    const ts = this.node(['timestamps']);
    if (ts !== undefined) out.timestampAs = this.timestampFormat(ts, 'timestamps');
    const key = this.section('key');
    if (key) {
      const hash = this.node(['key', 'hash']);
      if (hash !== undefined) out.hashKeyName = this.name(hash, 'key.hash');
      const range = this.node(['key', 'range']);
      if (range !== undefined) out.rangeKeyName = this.name(range, 'key.range');
      const enc = this.node(['key', 'rangeEncoding']);
      if (enc !== undefined) out.singleRangeKey = this.oneOf(enc, 'key.rangeEncoding', ['native', 'ordered']);
    }
    if (this.section('columns')) {
      const include = this.node(['columns', 'include']);
      if (include !== undefined) out.include = this.names(include, 'columns.include');
      const exclude = this.node(['columns', 'exclude']);
      if (exclude !== undefined) out.exclude = this.names(exclude, 'columns.exclude');
      const rename = this.node(['columns', 'rename']);
      if (rename !== undefined) out.rename = this.nameMap(rename, 'columns.rename', (n, p) => this.name(n, p));
      const types = this.node(['columns', 'types']);
      if (types !== undefined) out.columnTimestampAs = this.nameMap(types, 'columns.types', (n, p) => this.timestampFormat(n, p));
    }
    if (this.section('ttl')) {
      const attr = this.node(['ttl', 'attribute']);
      if (attr !== undefined) out.ttlAttribute = this.name(attr, 'ttl.attribute');
    }
    if (this.section('writetime')) {
      const attr = this.node(['writetime', 'attribute']);
      if (attr !== undefined) out.writetimeAttribute = this.name(attr, 'writetime.attribute');
    }
    const max = this.node(['maxItemBytes']);
    if (max !== undefined) {
      const v = isScalar(max) ? max.value : undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > DEFAULT_MAPPING_OPTIONS.maxItemBytes) {
        this.fail(max, 'maxItemBytes', `expected an integer from 1 to ${DEFAULT_MAPPING_OPTIONS.maxItemBytes}`);
      }
      out.maxItemBytes = v;
    }
    return resolveMappingOptions(out as Partial<MappingOptions>);
  }

  private node(path: string[]): Node | undefined {
    return (this.doc.getIn(path, true) as Node | undefined) ?? undefined;
  }

  private section(name: string): boolean {
    const n = this.node([name]);
    if (n === undefined) return false;
    if (!isMap(n)) return this.fail(n, name, `expected a mapping with ${SECTION_KEYS[name]?.join(', ')}`);
    this.knownKeys(n, name, SECTION_KEYS[name] ?? []);
    return true;
  }

  private knownKeys(map: Node, path: string, allowed: string[]): void {
    if (!isMap(map)) return;
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.includes(k)) {
        this.fail(pair.key as Node, path ? `${path}.${k}` : k, `unknown key; expected one of ${allowed.join(', ')}`);
      }
    }
  }

  private name(n: Node, path: string): string {
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > 255) return this.fail(n, path, 'expected a name (1 to 255 characters)');
    return v;
  }

  private names(n: Node, path: string): string[] {
    if (!isSeq(n)) return this.fail(n, path, 'expected a list of column names');
    return n.items.map((item, i) => this.name(item as Node, `${path}[${i}]`));
  }

  private nameMap<T>(n: Node, path: string, value: (node: Node, path: string) => T): Record<string, T> {
    if (!isMap(n)) return this.fail(n, path, 'expected a mapping of column names');
    const out: Record<string, T> = {};
    for (const pair of n.items) {
      const k = this.name(pair.key as Node, path);
      out[k] = value(pair.value as Node, `${path}.${k}`);
    }
    return out;
  }

  private oneOf<T extends string>(n: Node, path: string, allowed: readonly T[]): T {
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      return this.fail(n, path, `expected ${allowed.join(' or ')}, got ${JSON.stringify(v ?? null)}`);
    }
    return v as T;
  }

  private timestampFormat(n: Node, path: string): 'iso' | 'epochMillis' {
    return TIMESTAMP_FORMATS[this.oneOf(n, path, Object.keys(TIMESTAMP_FORMATS) as Array<keyof typeof TIMESTAMP_FORMATS>)];
  }
}
