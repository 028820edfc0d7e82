/**
 * Stream images as our wire format. The Streams SDK hands binary values over as bytes
 * (Uint8Array, also after a structured clone between threads), the lean reader as base64 text
 * (src/streams/records.ts); BatchReader, keyIdentity and the
 * differences file all speak DynamoDB JSON, where binary is base64 text. Converting once, at the
 * door, keeps one spelling inside: a B key hashes, groups and prints the same on both sides.
 */
import type { StreamAttributeValue } from '../streams/records.js';
import type { AttributeValue, Item } from '../mapping/attribute-value.js';

const base64 = (b: Uint8Array | string): string => (typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));

/** One SDK AttributeValue as DynamoDB JSON; undefined for a value of a type this SDK does not know. */
export function toWireValue(v: StreamAttributeValue): AttributeValue | undefined {
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.B !== undefined) return { B: base64(v.B) };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: true };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map(base64) };
  if (v.L !== undefined) {
    const out: AttributeValue[] = [];
    for (const e of v.L) {
      const w = toWireValue(e);
      if (w === undefined) return undefined;
      out.push(w);
    }
    return { L: out };
  }
  if (v.M !== undefined) {
    const m = toWireItem(v.M);
    return m === undefined ? undefined : { M: m };
  }
  return undefined;
}

/** A stream image (Keys, NewImage, OldImage) as DynamoDB JSON; undefined when a value cannot be read. */
export function toWireItem(image: Readonly<Record<string, StreamAttributeValue>>): Item | undefined {
  const out: Item = {};
  for (const name of Object.keys(image)) {
    const w = toWireValue(image[name] as StreamAttributeValue);
    if (w === undefined) return undefined;
    out[name] = w;
  }
  return out;
}
