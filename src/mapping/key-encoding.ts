/**
 * Composite keys: several Cassandra key columns as one DynamoDB S value whose byte order
 * (DynamoDB compares S values as UTF-8 bytes) equals Cassandra's order of the tuples.
 *
 *   key = enc(c1) SEP enc(c2) SEP … enc(cn)          SEP = U+0001
 *
 * - Every component encoding is free of SEP and of U+0000, and SEP is lower than every
 *   character a component can contain, so the separator also ends each component: a shorter
 *   component that is a prefix of a longer one sorts first, as in Cassandra.
 * - text: verbatim, with U+0000, U+0001, U+0002 escaped as U+0002 followed by U+0003..U+0005
 *   (order-preserving; text stays readable).
 * - other types: printable ASCII, see key-components.ts (`115` is the int 5, `-884` is -5,
 *   timestamps are ISO-8601 for years 0000–9999, …).
 * - DESC columns: the ascending encoding with every character c replaced by 0x9F − c (printable
 *   ASCII reversed) and '~' appended; '~' is above every inverted character, so a shorter value
 *   now sorts after its extensions. Text (and complex) DESC components are first turned into
 *   order-preserving base64 of their UTF-8 bytes, then inverted: not readable, but ordered.
 * - The encoding is injective and `decodeCompositeKey` reverses it.
 * Timestamps in composite keys are always the ordered ISO form (the timestampAs option only
 * changes single-column keys and plain attributes).
 * Limits: frozen collections/tuples/UDTs (CQL literal text) are injective but not ordered;
 * decimals equal under BigDecimal.compareTo (1.0, 1.00) share a key, as they do in a Cassandra
 * clustering; -0.0 and 0.0 (float/double) are different keys, as in Cassandra.
 */
import type { CqlType } from './cql-type.js';
import { ConversionCode, conversionFailure } from './failure.js';
import { keyComponentCodec, type KeyComponentCodec, type KeyPlainValue } from './key-components.js';
import { DESC_END, escapeText, fromSortedBase64, invertAscii, SEP, sortedBase64, unescapeText } from './key-order.js';
import { type CodecOptions, DEFAULT_CODEC_OPTIONS } from './scalars.js';

export type { KeyPlainValue } from './key-components.js';
export { SEP as KEY_SEPARATOR } from './key-order.js';

export type ClusteringOrder = 'ASC' | 'DESC';

export interface KeyComponentSpec {
  /** Column name, for messages. */
  readonly name?: string;
  readonly type: CqlType;
  /** Clustering order; partition key components are ASC. */
  readonly order?: ClusteringOrder;
}

/** A non-null driver value → the component's encoding (SEP-free). Throws a ConversionFailure. */
export type ComponentEncoder = (v: unknown) => string;

function nullComponent(name: string | undefined): never {
  throw conversionFailure(ConversionCode.EMPTY_KEY_VALUE, name === undefined ? 'key column is null' : `key column ${name} is null`);
}

function codecOf(spec: KeyComponentSpec, options: CodecOptions): KeyComponentCodec {
  return keyComponentCodec(spec.type, options);
}

export function compileKeyComponentEncoder(spec: KeyComponentSpec, options: Partial<CodecOptions> = {}): ComponentEncoder {
  const c = codecOf(spec, { ...DEFAULT_CODEC_OPTIONS, ...options });
  const name = spec.name;
  let enc: ComponentEncoder;
  if (spec.order !== 'DESC') {
    enc = c.ascii ? c.encode : (v) => escapeText(c.encode(v));
  } else if (c.ascii) {
    enc = (v) => invertAscii(c.encode(v)) + DESC_END;
  } else {
    enc = (v) => invertAscii(sortedBase64(Buffer.from(c.encode(v), 'utf8'))) + DESC_END;
  }
  return (v) => (v === null || v === undefined ? nullComponent(name) : enc(v));
}

function compileComponentDecoder(spec: KeyComponentSpec, options: CodecOptions): (s: string) => KeyPlainValue {
  const c = codecOf(spec, options);
  if (spec.order !== 'DESC') return c.ascii ? c.decode : (s) => c.decode(unescapeText(s));
  return (s) => {
    if (!s.endsWith(DESC_END)) throw new TypeError(`bad DESC key component ${JSON.stringify(s)}`);
    const asc = invertAscii(s.slice(0, -1));
    return c.ascii ? c.decode(asc) : c.decode(fromSortedBase64(asc).toString('utf8'));
  };
}

/** Compiles `(values in key order) → composite S text`. Throws a ConversionFailure. */
export function compileCompositeKeyEncoder(specs: readonly KeyComponentSpec[], options: Partial<CodecOptions> = {}): (values: readonly unknown[]) => string {
  const encs = specs.map((s) => compileKeyComponentEncoder(s, options));
  const n = encs.length;
  if (n === 2) {
    const [a, b] = encs as [ComponentEncoder, ComponentEncoder];
    return (values) => a(values[0]) + SEP + b(values[1]);
  }
  return (values) => {
    let out = (encs[0] as ComponentEncoder)(values[0]);
    for (let i = 1; i < n; i++) out += SEP + (encs[i] as ComponentEncoder)(values[i]);
    return out;
  };
}

export function encodeCompositeKey(specs: readonly KeyComponentSpec[], values: readonly unknown[], options: Partial<CodecOptions> = {}): string {
  return compileCompositeKeyEncoder(specs, options)(values);
}

/** Reverses encodeCompositeKey. Throws TypeError if the text is not such a key for these specs. */
export function decodeCompositeKey(text: string, specs: readonly KeyComponentSpec[], options: Partial<CodecOptions> = {}): KeyPlainValue[] {
  const opts = { ...DEFAULT_CODEC_OPTIONS, ...options };
  const parts = text.split(SEP);
  if (parts.length !== specs.length) throw new TypeError(`composite key has ${parts.length} components, expected ${specs.length}`);
  return parts.map((p, i) => compileComponentDecoder(specs[i] as KeyComponentSpec, opts)(p));
}

/** The decoded form of a driver value (what decodeCompositeKey gives back for it). */
export function keyPlainValue(type: CqlType, value: unknown, options: Partial<CodecOptions> = {}): KeyPlainValue {
  return keyComponentCodec(type, { ...DEFAULT_CODEC_OPTIONS, ...options }).plain(value);
}
