/**
 * Keys of batch reads and deletes: the key attributes picked out of whatever the caller holds
 * (a bare key or a whole item), and an identity that equal DynamoDB keys share. DynamoDB
 * compares numbers as numbers (`1.50` is `1.5`) and binaries as bytes, and it answers with its
 * own spelling, so a returned item is matched to its request by identity, never by JSON text.
 * Requests for one key are grouped: DynamoDB refuses a batch that names a key twice.
 */
import type { Item } from '../mapping/attribute-value.js';
import { parseDecimalText } from '../mapping/numbers.js';

/** One distinct key of a batch, and the requests (indices into the caller's list) that name it. */
export interface KeyGroup {
  readonly id: string;
  /** The key attributes only, as DynamoDB JSON. */
  readonly json: string;
  readonly members: number[];
}

export interface GroupedKeys {
  /** In order of first appearance. */
  readonly groups: KeyGroup[];
  /** Requests whose key cannot be sent (a key attribute missing or not S, N or B). */
  readonly invalid: { readonly index: number; readonly message: string }[];
}

/**
 * The identity of the key of `item` (a key or a whole item), or a message saying why it has
 * none. Equal identities mean the same DynamoDB item.
 */
export function keyIdentity(item: unknown, keyAttributes: readonly string[]): string | { readonly invalid: string } {
  if (typeof item !== 'object' || item === null) return { invalid: 'key is not an object' };
  let id = '';
  for (const name of keyAttributes) {
    const value = (item as Record<string, unknown>)[name];
    if (typeof value !== 'object' || value === null) return { invalid: `key has no attribute '${name}'` };
    const v = value as { S?: unknown; N?: unknown; B?: unknown };
    let part: string;
    if (typeof v.S === 'string') part = `S${v.S}`;
    else if (typeof v.N === 'string') {
      const n = parseDecimalText(v.N);
      if (n === undefined) return { invalid: `key attribute '${name}' is not a number: ${JSON.stringify(v.N)}` };
      part = `N${n.negative ? '-' : ''}${n.digits}e${n.exponent}`;
    } else if (typeof v.B === 'string') part = `B${Buffer.from(v.B, 'base64').toString('base64')}`;
    else return { invalid: `key attribute '${name}' is not of type S, N or B` };
    // JSON text of each part keeps the join unambiguous whatever the strings hold.
    id += id === '' ? JSON.stringify(part) : `,${JSON.stringify(part)}`;
  }
  return id;
}

/** `keyAttributes` of `item` as DynamoDB JSON, in the order given. */
export function keyJson(item: Item, keyAttributes: readonly string[]): string {
  let s = '{';
  for (let i = 0; i < keyAttributes.length; i++) {
    const name = keyAttributes[i] as string;
    s += `${i > 0 ? ',' : ''}${JSON.stringify(name)}:${JSON.stringify(item[name])}`;
  }
  return `${s}}`;
}

/** Groups requests by key identity; each group is sent once. */
export function groupKeys(keys: readonly { readonly key: Item }[], keyAttributes: readonly string[]): GroupedKeys {
  const groups: KeyGroup[] = [];
  const invalid: { index: number; message: string }[] = [];
  const byId = new Map<string, KeyGroup>();
  for (let i = 0; i < keys.length; i++) {
    const key = (keys[i] as { key: Item }).key;
    const id = keyIdentity(key, keyAttributes);
    if (typeof id !== 'string') {
      invalid.push({ index: i, message: id.invalid });
      continue;
    }
    const group = byId.get(id);
    if (group !== undefined) group.members.push(i);
    else {
      const created: KeyGroup = { id, json: keyJson(key, keyAttributes), members: [i] };
      byId.set(id, created);
      groups.push(created);
    }
  }
  return { groups, invalid };
}

/** Validates the key attribute names a reader or deleter was given. */
export function checkKeyAttributes(keyAttributes: readonly string[] | undefined, where: string): readonly string[] {
  if (keyAttributes === undefined || keyAttributes.length === 0 || keyAttributes.length > 2) {
    throw new TypeError(`${where} needs keyAttributes: the table's hash key name, then its range key name if it has one`);
  }
  return keyAttributes;
}
