/**
 * A small, plain-data description of a CQL column type. Structured-cloneable (plans cross
 * worker threads), JSON-friendly, and independent of the driver's metadata objects (which hold
 * EventEmitters for UDTs and cannot be cloned).
 *
 * - `parseCqlType('frozen<map<text, frozen<list<int>>>>')` reads CQL type syntax;
 * - `formatCqlType(type)` writes it back;
 * - `fromDriverType(column.type)` converts cassandra-driver metadata (see driver-type.ts).
 */

export type ScalarKind =
  | 'ascii' | 'text' | 'varchar' | 'bigint' | 'blob' | 'boolean' | 'counter' | 'decimal' | 'double'
  | 'float' | 'int' | 'timestamp' | 'uuid' | 'varint' | 'timeuuid' | 'inet' | 'date' | 'time'
  | 'smallint' | 'tinyint' | 'duration';

export interface UdtField {
  readonly name: string;
  readonly type: CqlType;
}

export type CqlType =
  | { readonly kind: ScalarKind }
  | { readonly kind: 'list' | 'set'; readonly element: CqlType; readonly frozen?: boolean }
  | { readonly kind: 'map'; readonly key: CqlType; readonly value: CqlType; readonly frozen?: boolean }
  | { readonly kind: 'tuple'; readonly elements: readonly CqlType[] }
  | { readonly kind: 'udt'; readonly keyspace: string; readonly name: string; readonly fields: readonly UdtField[]; readonly frozen?: boolean }
  | { readonly kind: 'vector'; readonly element: CqlType; readonly dimension: number }
  /** A custom type the tool does not know (its Java class name); values arrive as Buffers. */
  | { readonly kind: 'custom'; readonly className: string };

export type CqlKind = CqlType['kind'];
export type ScalarCqlType = Extract<CqlType, { kind: ScalarKind }>;

export const SCALAR_KINDS: readonly ScalarKind[] = Object.freeze([
  'ascii', 'text', 'varchar', 'bigint', 'blob', 'boolean', 'counter', 'decimal', 'double', 'float', 'int',
  'timestamp', 'uuid', 'varint', 'timeuuid', 'inet', 'date', 'time', 'smallint', 'tinyint', 'duration',
]);

const SCALAR_SET: ReadonlySet<string> = new Set(SCALAR_KINDS);

export function isScalarKind(kind: string): kind is ScalarKind {
  return SCALAR_SET.has(kind);
}

export function isScalarType(type: CqlType): type is ScalarCqlType {
  return SCALAR_SET.has(type.kind);
}

export type IntegerKind = 'int' | 'bigint' | 'smallint' | 'tinyint' | 'varint' | 'counter';
export type NumericKind = IntegerKind | 'decimal' | 'float' | 'double';

/** text, varchar, ascii. */
export function isTextKind(kind: CqlKind): kind is 'text' | 'varchar' | 'ascii' {
  return kind === 'text' || kind === 'varchar' || kind === 'ascii';
}

/** Integer kinds: exact decimal text, no fraction. */
export function isIntegerKind(kind: CqlKind): kind is IntegerKind {
  return kind === 'int' || kind === 'bigint' || kind === 'smallint' || kind === 'tinyint' || kind === 'varint' || kind === 'counter';
}

/** Kinds mapped to a DynamoDB number. */
export function isNumericKind(kind: CqlKind): kind is NumericKind {
  return isIntegerKind(kind) || kind === 'decimal' || kind === 'float' || kind === 'double';
}

/** Resolves a UDT name met while parsing a type string. `keyspace` is undefined when not qualified. */
export type UdtResolver = (keyspace: string | undefined, name: string) => { keyspace: string; name: string; fields: readonly UdtField[] } | undefined;

export interface ParseCqlTypeOptions {
  readonly udts?: UdtResolver;
}

/** Parses CQL type syntax. Throws a TypeError naming the position on bad input. */
export function parseCqlType(text: string, options: ParseCqlTypeOptions = {}): CqlType {
  const p = new TypeParser(text, options.udts);
  const type = p.type();
  p.expectEnd();
  return type;
}

type Token = { t: 'id'; v: string; quoted: boolean } | { t: 'p'; v: string } | { t: 'num'; v: string } | { t: 'str'; v: string };

class TypeParser {
  private readonly tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly text: string, private readonly udts: UdtResolver | undefined) {
    const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"]|"")*)"|'((?:[^']|'')*)'|(\d+)|([<>,.]))/y;
    let m: RegExpExecArray | null;
    let i = 0;
    while (i < text.length) {
      re.lastIndex = i;
      m = re.exec(text);
      if (m === null) {
        if (/^\s*$/.test(text.slice(i))) break;
        throw new TypeError(`invalid CQL type ${JSON.stringify(text)} at position ${i}`);
      }
      i = re.lastIndex;
      if (m[1] !== undefined) this.tokens.push({ t: 'id', v: m[1].toLowerCase(), quoted: false });
      else if (m[2] !== undefined) this.tokens.push({ t: 'id', v: m[2].replace(/""/g, '"'), quoted: true });
      else if (m[3] !== undefined) this.tokens.push({ t: 'str', v: m[3].replace(/''/g, "'") });
      else if (m[4] !== undefined) this.tokens.push({ t: 'num', v: m[4] });
      else if (m[5] !== undefined) this.tokens.push({ t: 'p', v: m[5] });
    }
  }

  private fail(what: string): never {
    throw new TypeError(`invalid CQL type ${JSON.stringify(this.text)}: ${what}`);
  }

  private next(): Token {
    const tok = this.tokens[this.pos++];
    return tok ?? this.fail('unexpected end');
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private punct(v: string): void {
    const tok = this.next();
    if (tok.t !== 'p' || tok.v !== v) this.fail(`expected '${v}'`);
  }

  private accept(v: string): boolean {
    const tok = this.peek();
    if (tok?.t === 'p' && tok.v === v) {
      this.pos++;
      return true;
    }
    return false;
  }

  expectEnd(): void {
    if (this.pos !== this.tokens.length) this.fail('trailing text');
  }

  type(): CqlType {
    const tok = this.next();
    if (tok.t === 'str') return { kind: 'custom', className: tok.v };
    if (tok.t !== 'id') return this.fail('expected a type name');
    if (!tok.quoted) {
      switch (tok.v) {
        case 'frozen': {
          this.punct('<');
          const inner = this.type();
          this.punct('>');
          return freeze(inner);
        }
        case 'list':
        case 'set': {
          this.punct('<');
          const element = this.type();
          this.punct('>');
          return { kind: tok.v, element };
        }
        case 'map': {
          this.punct('<');
          const key = this.type();
          this.punct(',');
          const value = this.type();
          this.punct('>');
          return { kind: 'map', key, value };
        }
        case 'tuple': {
          this.punct('<');
          const elements = [this.type()];
          while (this.accept(',')) elements.push(this.type());
          this.punct('>');
          return { kind: 'tuple', elements };
        }
        case 'vector': {
          this.punct('<');
          const element = this.type();
          this.punct(',');
          const n = this.next();
          if (n.t !== 'num' || Number(n.v) < 1) this.fail('expected a positive vector dimension');
          this.punct('>');
          return { kind: 'vector', element, dimension: Number(n.v) };
        }
        default:
          if (isScalarKind(tok.v) && this.peek()?.v !== '.') return { kind: tok.v };
      }
    }
    let keyspace: string | undefined;
    let name = tok.v;
    if (this.accept('.')) {
      const second = this.next();
      if (second.t !== 'id') this.fail('expected a type name after "."');
      keyspace = name;
      name = second.v;
    }
    const udt = this.udts?.(keyspace, name);
    if (udt === undefined) this.fail(`unknown type ${keyspace === undefined ? name : `${keyspace}.${name}`}`);
    return { kind: 'udt', keyspace: udt.keyspace, name: udt.name, fields: udt.fields };
  }
}

/** The frozen form of a type (tuples and vectors are always frozen; scalars are unchanged). */
export function freeze(type: CqlType): CqlType {
  switch (type.kind) {
    case 'list':
    case 'set':
    case 'map':
    case 'udt':
      return { ...type, frozen: true };
    default:
      return type;
  }
}

function identifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** CQL type syntax for a type; `parseCqlType(formatCqlType(t))` gives back `t` (UDTs need a resolver). */
export function formatCqlType(type: CqlType): string {
  let body: string;
  switch (type.kind) {
    case 'list':
    case 'set':
      body = `${type.kind}<${formatCqlType(type.element)}>`;
      break;
    case 'map':
      body = `map<${formatCqlType(type.key)}, ${formatCqlType(type.value)}>`;
      break;
    case 'tuple':
      return `tuple<${type.elements.map(formatCqlType).join(', ')}>`;
    case 'vector':
      return `vector<${formatCqlType(type.element)}, ${type.dimension}>`;
    case 'udt':
      body = type.keyspace === '' ? identifier(type.name) : `${identifier(type.keyspace)}.${identifier(type.name)}`;
      break;
    case 'custom':
      return `'${type.className.replace(/'/g, "''")}'`;
    default:
      return type.kind;
  }
  return type.frozen === true ? `frozen<${body}>` : body;
}

export { fromDriverType, type DriverDataTypeInfo } from './driver-type.js';
