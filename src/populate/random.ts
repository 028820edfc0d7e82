/**
 * Deterministic randomness for generated data. Row `i` of a run with seed `s` is always built
 * from the same stream, whatever the thread count or task split, so `--seed` reproduces a
 * table exactly and a test can recompute any row.
 */

/** Mixes two 32-bit values into one well-distributed 32-bit value (murmur3 finaliser). */
function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32: small, fast, passes PractRand; plenty for test data. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for (seed, index, salt); `salt` separates independent streams of one row. */
  constructor(seed: number, index: number, salt = 0) {
    const hi = Math.floor(index / 0x1_0000_0000) >>> 0;
    const lo = index >>> 0;
    this.a = mix32(seed >>> 0, lo);
    this.b = mix32(this.a, hi ^ 0x1b873593);
    this.c = mix32(this.b, salt ^ 0xcc9e2d51);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next32();
  }

  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max], both inclusive; safe for spans up to 2^53. */
  int(min: number, max: number): number {
    const span = max - min + 1;
    if (span <= 0x1_0000_0000) return min + Math.floor(this.float() * span);
    const r = this.next32() * 0x20_0000 + (this.next32() >>> 11);
    return min + Math.floor((r / 2 ** 53) * span);
  }

  bool(pTrue = 0.5): boolean {
    return this.float() < pTrue;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.next32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }

  /** A random version-4 UUID string (lower case). */
  uuid(): string {
    const b = this.bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Lower-case letters and digits. */
  word(minLen: number, maxLen: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const len = this.int(minLen, maxLen);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[this.next32() % alphabet.length];
    return s;
  }
}
