/**
 * DynamoDB rejects a whole BatchWriteItem that names one key twice, so entries sharing a key
 * are merged first: the last one wins, as it would have if written one after the other.
 */

export interface Keyed {
  /** The item's primary key, encoded by the caller; equal keys mean the same DynamoDB item. */
  readonly key: string;
}

export interface Merged<E> {
  /** One entry per key, each at the position of that key's first appearance. */
  readonly entries: readonly E[];
  /** How many entries were replaced by a later one with the same key. */
  readonly merged: number;
}

/** Returns `entries` itself (no copy) when all keys differ, the common case. */
export function mergeDuplicateKeys<E extends Keyed>(entries: readonly E[]): Merged<E> {
  const seen = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const key = (entries[i] as E).key;
    if (seen.has(key)) return mergeFrom(entries, i);
    seen.add(key);
  }
  return { entries, merged: 0 };
}

function mergeFrom<E extends Keyed>(entries: readonly E[], firstDuplicate: number): Merged<E> {
  const out = entries.slice(0, firstDuplicate);
  const position = new Map<string, number>();
  for (let i = 0; i < out.length; i++) position.set((out[i] as E).key, i);
  let merged = 0;
  for (let i = firstDuplicate; i < entries.length; i++) {
    const entry = entries[i] as E;
    const at = position.get(entry.key);
    if (at === undefined) {
      position.set(entry.key, out.length);
      out.push(entry);
    } else {
      out[at] = entry;
      merged++;
    }
  }
  return { entries: out, merged };
}
