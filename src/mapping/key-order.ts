/**
 * Order-preserving text building blocks for composite keys (see key-encoding.ts for the scheme).
 * All output of these functions is printable ASCII between '"' (0x22) and '~' (0x7E).
 */

/** Separator between components: lower than every character a component encoding can contain. */
export const SEP = '\u0001';
/** Escape character inside text components (escapes U+0000, U+0001, U+0002). */
export const ESC = '\u0002';
/** Terminator of a descending component: higher than every inverted character. */
export const DESC_END = '~';

const ESCAPE_RE = /[\u0000-\u0002]/g;
const NEEDS_ESCAPE_RE = /[\u0000-\u0002]/;

/** Text kept verbatim, U+0000..U+0002 written as ESC + (U+0003..U+0005): order-preserving, SEP-free, NUL-free. */
export function escapeText(s: string): string {
  if (!NEEDS_ESCAPE_RE.test(s)) return s;
  return s.replace(ESCAPE_RE, (c) => ESC + String.fromCharCode(c.charCodeAt(0) + 3));
}

export function unescapeText(s: string): string {
  if (s.indexOf(ESC) < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 2) {
      const next = s.charCodeAt(++i);
      if (!(next >= 3 && next <= 5)) throw new TypeError('bad escape in key text');
      out += String.fromCharCode(next - 3);
    } else {
      out += s[i];
    }
  }
  return out;
}

/** Reverses the order of printable ASCII: c ↦ 0x9F - c ('"' ↔ '}', '0' ↔ 'o', '~' ↔ '!'). An involution. */
export function invertAscii(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(0x9f - s.charCodeAt(i));
  return out;
}

// --- order-preserving base64 -------------------------------------------------------------
const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The 64 digits in ascending ASCII order. */
const SORTED = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const TO_SORTED = new Map<string, string>();
const TO_STD = new Map<string, string>();
for (let i = 0; i < 64; i++) {
  TO_SORTED.set(STD[i] as string, SORTED[i] as string);
  TO_STD.set(SORTED[i] as string, STD[i] as string);
}

/**
 * Bytes as base64 digits in ASCII order, without padding. Comparing two encodings as strings
 * (a proper prefix sorts first) gives the unsigned byte order of the inputs.
 */
export function sortedBase64(bytes: Buffer): string {
  const std = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < std.length; i++) {
    const c = std[i] as string;
    if (c === '=') break;
    out += TO_SORTED.get(c) as string;
  }
  return out;
}

export function fromSortedBase64(s: string): Buffer {
  if (s.length % 4 === 1) throw new TypeError('bad base64 length in key');
  let std = '';
  for (let i = 0; i < s.length; i++) {
    const c = TO_STD.get(s[i] as string);
    if (c === undefined) throw new TypeError('bad base64 digit in key');
    std += c;
  }
  return Buffer.from(std, 'base64');
}

// --- integers ----------------------------------------------------------------------------
function complement9(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(105 - s.charCodeAt(i)); // '0'(48) ↔ '9'(57)
  return out;
}

/**
 * An integer (its canonical decimal text) as sortable, prefix-free digits:
 *   0 → `0`;  n > 0 with k digits → L(k) + digits, where L(k) = (digits in k) + k (`5` → `115`,
 *   `2024` → `142024`);  n < 0 → `-` + 9's complement of L(k) + digits (`-5` → `-884`).
 * Order: '-' < '0' < '1'..'9'; more digits sort higher for positives and lower for negatives.
 */
export function encodeIntegerText(text: string): string {
  if (text === '0') return '0';
  const negative = text.charCodeAt(0) === 45;
  const digits = negative ? text.slice(1) : text;
  const k = String(digits.length);
  const body = String(k.length) + k + digits;
  return negative ? `-${complement9(body)}` : body;
}

/** Decodes encodeIntegerText; returns the canonical decimal text. Throws TypeError on bad input. */
export function decodeIntegerText(s: string): string {
  if (s === '0') return '0';
  const negative = s.charCodeAt(0) === 45;
  const body = negative ? complement9(s.slice(1)) : s;
  const m = Number(body[0]);
  const k = Number(body.slice(1, 1 + m));
  const digits = body.slice(1 + m);
  if (!(m >= 1) || !Number.isInteger(k) || digits.length !== k || !/^[1-9]\d*$/.test(digits)) {
    throw new TypeError(`bad integer key component ${JSON.stringify(s)}`);
  }
  return negative ? `-${digits}` : digits;
}
