/**
 * Attribute-by-attribute comparison of the item a row should have become (`expected`, from the
 * row converter) with the item DynamoDB holds (`actual`, parsed JSON of the wire format).
 *
 * Equality is DynamoDB's, not the text's: numbers by value (exact decimal, never through
 * floats; DynamoDB normalises number text), binary by bytes, sets order-free (numbers in NS by
 * value, BS by bytes), strings exactly, L in order, M recursively, BOOL and NULL exactly.
 *
 * This runs on every verified row, so the equal case (nearly all rows) is one allocation-free
 * walk (`itemsEqual`); only a row that differs pays for building the list of differences.
 */
import type { AttributeValue, Item } from '../mapping/attribute-value.js';
import { canonicalNumberText, numberTextEqual } from './number-equal.js';

export type DifferenceKind = 'missing' | 'unexpected' | 'type' | 'value';

export interface AttributeDifference {
  /** Top-level attribute name. */
  readonly attribute: string;
  /** Where inside it the values differ: `tags`, `prefs.theme`, `list[3]`, `m["a b"]`. */
  readonly path: string;
  /**
   * `missing`: in expected, not in actual; `unexpected`: in actual only; `type`: different
   * DynamoDB types (N vs S); `value`: same type, different value (whole sets and scalars).
   */
  readonly kind: DifferenceKind;
  readonly expected?: AttributeValue;
  readonly actual?: AttributeValue;
}

export interface CompareOptions {
  /** Top-level attributes to leave out on both sides (e.g. a TTL attribute that moves). */
  readonly ignore?: ReadonlySet<string>;
}

/** Every wire-format field, optional: one property read per type test, no `in` checks. */
interface Loose {
  readonly S?: unknown;
  readonly N?: unknown;
  readonly B?: unknown;
  readonly BOOL?: unknown;
  readonly NULL?: unknown;
  readonly L?: unknown;
  readonly M?: unknown;
  readonly SS?: unknown;
  readonly NS?: unknown;
  readonly BS?: unknown;
}

type Obj = Readonly<Record<string, unknown>>;

const NO_DIFFERENCES: readonly AttributeDifference[] = Object.freeze([]);
const OBJECT_PROTOTYPE: unknown = Object.prototype;
/** Up to this many elements, unordered sets are matched pairwise (no allocation). */
const PAIRWISE_SET_MAX = 16;

/**
 * The own attribute `k` of `o`, or undefined. A missing name on a plain object reads its
 * prototype: functions (`constructor`, `toString`) or, for `__proto__`, Object.prototype.
 */
function member(o: Obj, k: string): Loose | undefined {
  const v = o[k];
  if (typeof v !== 'object' || v === null || v === OBJECT_PROTOTYPE) return undefined;
  return v as Loose;
}

function bytesOf(v: unknown): Buffer | undefined {
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

function binaryEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  const bx = bytesOf(x);
  const by = bytesOf(y);
  return bx !== undefined && by !== undefined && bx.equals(by);
}

function listEqual(e: readonly unknown[], a: readonly unknown[]): boolean {
  const n = e.length;
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const ev = e[i];
    const av = a[i];
    if (typeof ev !== 'object' || ev === null || typeof av !== 'object' || av === null) return false;
    if (!valueEqual(ev as Loose, av as Loose)) return false;
  }
  return true;
}

function mapEqual(e: Obj, a: Obj): boolean {
  let n = 0;
  for (const k in e) {
    const ev = member(e, k);
    const av = member(a, k);
    if (ev === undefined || av === undefined || !valueEqual(ev, av)) return false;
    n++;
  }
  for (const _ in a) n--;
  return n === 0;
}

type SetKind = 'SS' | 'NS' | 'BS';

/**
 * Sets compare order-free. Both arrays are sets (DynamoDB rejects duplicates; the converter
 * writes none). Small sets are matched pairwise by text without allocating; NS then by value;
 * larger sets, or BS whose base64 text differs, through sets of canonical text.
 */
function setEqual(e: readonly unknown[], a: readonly unknown[], kind: SetKind): boolean {
  const n = e.length;
  if (a.length !== n) return false;
  let i = 0;
  while (i < n && e[i] === a[i]) i++; // same order, same text
  if (i === n) return true;
  if (n <= PAIRWISE_SET_MAX) {
    // Both directions: neither side may hide a duplicate behind an equal length.
    if (pairwiseContains(e, a, i, stringEq) && pairwiseContains(a, e, i, stringEq)) return true;
    if (kind === 'SS') return false;
    if (kind === 'NS') return pairwiseContains(e, a, i, numberTextEqual) && pairwiseContains(a, e, i, numberTextEqual);
  }
  const theirs = new Set<string>();
  for (const x of a) theirs.add(canonicalElement(kind, x));
  const ours = new Set<string>();
  for (const x of e) {
    const c = canonicalElement(kind, x);
    if (!theirs.has(c)) return false;
    ours.add(c);
  }
  return ours.size === theirs.size;
}

/** Every element of `xs` from index `from` on is in `ys` (elements before `from` match in place). */
function pairwiseContains(xs: readonly unknown[], ys: readonly unknown[], from: number, eq: (x: string, y: string) => boolean): boolean {
  const n = ys.length;
  outer: for (let i = from; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'string') return false;
    for (let j = from; j < n; j++) {
      const y = ys[j];
      if (typeof y === 'string' && eq(x, y)) continue outer;
    }
    return false;
  }
  return true;
}

const stringEq = (x: string, y: string): boolean => x === y;

function canonicalElement(kind: SetKind, x: unknown): string {
  if (kind === 'BS') return bytesOf(x)?.toString('base64') ?? `\u0000${String(x)}`;
  if (typeof x !== 'string') return `\u0000${String(x)}`; // never equal to a real element
  return kind === 'NS' ? canonicalNumberText(x) : x;
}

/** True when two AttributeValues are equal under DynamoDB's rules. Allocates nothing when they are. */
export function valueEqual(expected: AttributeValue | Loose, actual: AttributeValue | Loose): boolean {
  const e = expected as Loose;
  const a = actual as Loose;
  const s = e.S;
  if (s !== undefined) return a.S === s;
  const n = e.N;
  if (n !== undefined) {
    const an = a.N;
    return an === n || (typeof an === 'string' && typeof n === 'string' && numberTextEqual(n, an));
  }
  const b = e.B;
  if (b !== undefined) {
    const ab = a.B;
    return ab !== undefined && binaryEqual(b, ab);
  }
  const bool = e.BOOL;
  if (bool !== undefined) return a.BOOL === bool;
  if (e.NULL !== undefined) return a.NULL === e.NULL;
  const l = e.L;
  if (l !== undefined) {
    const al = a.L;
    return Array.isArray(l) && Array.isArray(al) && listEqual(l, al);
  }
  const m = e.M;
  if (m !== undefined) {
    const am = a.M;
    return typeof m === 'object' && m !== null && typeof am === 'object' && am !== null && !Array.isArray(am) && mapEqual(m as Obj, am as Obj);
  }
  const ss = e.SS;
  if (ss !== undefined) {
    const as = a.SS;
    return Array.isArray(ss) && Array.isArray(as) && setEqual(ss, as, 'SS');
  }
  const ns = e.NS;
  if (ns !== undefined) {
    const an = a.NS;
    return Array.isArray(ns) && Array.isArray(an) && setEqual(ns, an, 'NS');
  }
  const bs = e.BS;
  if (bs !== undefined) {
    const ab = a.BS;
    return Array.isArray(bs) && Array.isArray(ab) && setEqual(bs, ab, 'BS');
  }
  return false; // not an AttributeValue
}

/** True when the items are equal attribute by attribute (see compareItems). Allocates nothing when they are. */
export function itemsEqual(expected: Item, actual: Item, options?: CompareOptions): boolean {
  const ignore = options?.ignore !== undefined && options.ignore.size > 0 ? options.ignore : undefined;
  let n = 0;
  for (const k in expected) {
    if (ignore !== undefined && ignore.has(k)) continue;
    const ev = member(expected, k);
    const av = member(actual, k);
    if (ev === undefined || av === undefined || !valueEqual(ev, av)) return false;
    n++;
  }
  for (const k in actual) {
    if (ignore !== undefined && ignore.has(k)) continue;
    n--;
  }
  return n === 0;
}

/**
 * The differences between two items, expected's attributes first (in its order), then the
 * unexpected ones. Nested L/M differences are reported at the deepest differing path; sets and
 * scalars as one entry. Equal items give a shared, frozen empty array (no allocation).
 */
export function compareItems(expected: Item, actual: Item, options?: CompareOptions): readonly AttributeDifference[] {
  if (itemsEqual(expected, actual, options)) return NO_DIFFERENCES;
  const ignore = options?.ignore;
  const out: AttributeDifference[] = [];
  for (const k in expected) {
    if (ignore?.has(k) === true) continue;
    const ev = member(expected, k) as AttributeValue | undefined;
    if (ev === undefined) continue;
    const av = member(actual, k) as AttributeValue | undefined;
    if (av === undefined) out.push({ attribute: k, path: k, kind: 'missing', expected: ev });
    else if (!valueEqual(ev, av)) diffValue(k, k, ev, av, out);
  }
  for (const k in actual) {
    if (ignore?.has(k) === true) continue;
    const av = member(actual, k) as AttributeValue | undefined;
    if (av !== undefined && member(expected, k) === undefined) out.push({ attribute: k, path: k, kind: 'unexpected', actual: av });
  }
  return out;
}

type TypeName = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'L' | 'M' | 'SS' | 'NS' | 'BS';

function typeOf(v: Loose): TypeName | undefined {
  if (v.S !== undefined) return 'S';
  if (v.N !== undefined) return 'N';
  if (v.B !== undefined) return 'B';
  if (v.BOOL !== undefined) return 'BOOL';
  if (v.NULL !== undefined) return 'NULL';
  if (Array.isArray(v.L)) return 'L';
  if (typeof v.M === 'object' && v.M !== null && !Array.isArray(v.M)) return 'M';
  if (Array.isArray(v.SS)) return 'SS';
  if (Array.isArray(v.NS)) return 'NS';
  if (Array.isArray(v.BS)) return 'BS';
  return undefined;
}

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function memberPath(path: string, key: string): string {
  return IDENTIFIER_RE.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Appends the differences of two unequal values. */
function diffValue(attribute: string, path: string, e: AttributeValue, a: AttributeValue, out: AttributeDifference[]): void {
  const te = typeOf(e);
  const ta = typeOf(a);
  if (te === undefined || te !== ta) {
    out.push({ attribute, path, kind: 'type', expected: e, actual: a });
    return;
  }
  if (te === 'L') {
    const el = (e as { L: readonly AttributeValue[] }).L;
    const al = (a as { L: readonly AttributeValue[] }).L;
    const common = Math.min(el.length, al.length);
    for (let i = 0; i < common; i++) {
      const ev = el[i] as AttributeValue;
      const av = al[i] as AttributeValue;
      if (!valueEqual(ev, av)) diffValue(attribute, `${path}[${i}]`, ev, av, out);
    }
    for (let i = common; i < el.length; i++) out.push({ attribute, path: `${path}[${i}]`, kind: 'missing', expected: el[i] as AttributeValue });
    for (let i = common; i < al.length; i++) out.push({ attribute, path: `${path}[${i}]`, kind: 'unexpected', actual: al[i] as AttributeValue });
    return;
  }
  if (te === 'M') {
    const em = (e as { M: Obj }).M;
    const am = (a as { M: Obj }).M;
    for (const k in em) {
      const ev = member(em, k) as AttributeValue | undefined;
      if (ev === undefined) continue;
      const av = member(am, k) as AttributeValue | undefined;
      if (av === undefined) out.push({ attribute, path: memberPath(path, k), kind: 'missing', expected: ev });
      else if (!valueEqual(ev, av)) diffValue(attribute, memberPath(path, k), ev, av, out);
    }
    for (const k in am) {
      const av = member(am, k) as AttributeValue | undefined;
      if (av !== undefined && member(em, k) === undefined) out.push({ attribute, path: memberPath(path, k), kind: 'unexpected', actual: av });
    }
    return;
  }
  out.push({ attribute, path, kind: 'value', expected: e, actual: a });
}
