/**
 * The monitor's sampling: which stream events are checked. Decided by a hash of the item's key,
 * not by arrival order, so the same keys are sampled on every run, in every shard and in every
 * thread, and every change of a sampled key is followed (a key is judged on its latest change).
 *
 * `--sample-rate` is a percentage, as the Go monitor's README describes it ("can be reduced to
 * lower costs"); its code in fact checks one event in N. Both spellings are accepted: `10` is
 * 10 %, `1/10` is one key in ten — the same share.
 */
import { toolError } from '../errors.js';
import { canonicalNumberText } from '../compare/number-equal.js';
import type { AttributeValue } from '../mapping/attribute-value.js';

export interface SampleRate {
  /** Share of keys checked, in (0, 1]. */
  readonly share: number;
  /** As the user wrote it, for messages. */
  readonly text: string;
}

/** Parses `--sample-rate`: a percentage in (0, 100], or `1/N` (N ≥ 1). */
export function parseSampleRate(text: string): SampleRate {
  const t = text.trim();
  const fraction = /^1\s*\/\s*(\d+)$/.exec(t);
  let share: number;
  if (fraction !== null) {
    share = 1 / Number(fraction[1]);
  } else if (/^(\d+(\.\d*)?|\.\d+)$/.test(t)) {
    share = Number(t) / 100;
  } else {
    share = Number.NaN;
  }
  if (!(share > 0 && share <= 1) || !Number.isFinite(share)) {
    throw toolError('USAGE', `--sample-rate: "${text}" is not a percentage in (0, 100] or 1/N (e.g. 10 or 1/10)`);
  }
  return { share, text: t };
}

/** "10 % of keys (1 in 10)" — printed at start so nobody mistakes the old 1-in-N meaning. */
export function describeSampleRate(rate: SampleRate): string {
  const percent = rate.share * 100;
  const pct = Number.isInteger(percent) ? String(percent) : percent.toPrecision(3).replace(/\.?0+$/, '');
  const oneIn = 1 / rate.share;
  const inN = Number.isInteger(Math.round(oneIn * 1000) / 1000) ? `1 in ${Math.round(oneIn)}` : `1 in ${oneIn.toFixed(1)}`;
  return rate.share === 1 ? 'every key (100 %)' : `${pct} % of keys (${inN})`;
}

/**
 * The key's identity, the same whatever the attribute order and however a number is spelt
 * (`1.50` and `1.5` are one key): attributes sorted by name, numbers canonical.
 */
export function keyIdentity(keys: Readonly<Record<string, AttributeValue>>): string {
  const names = Object.keys(keys).sort();
  let out = '';
  for (const name of names) {
    const v = keys[name] as AttributeValue & { S?: string; N?: string; B?: string };
    const value = v.S !== undefined ? `S${v.S}` : v.N !== undefined ? `N${canonicalNumberText(v.N)}` : v.B !== undefined ? `B${v.B}` : JSON.stringify(v);
    out += `${name.length}:${name}=${value.length}:${value};`;
  }
  return out;
}

/** 32-bit FNV-1a over the UTF-16 code units, then a murmur3 finaliser for an even spread. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when the key is in the sample; stable for a key across runs, shards and threads. */
export function isSampled(keys: Readonly<Record<string, AttributeValue>>, rate: SampleRate): boolean {
  if (rate.share >= 1) return true;
  return hash32(keyIdentity(keys)) < rate.share * 0x1_0000_0000;
}
