/** Reading the driver's collection values: arrays or Sets, Maps or plain objects, Tuples, Vectors. */
import { invalidValue } from './failure.js';

/** Elements of a list / set / vector value: Array, Set, typed array, or the driver's Vector (a Proxy with `elements`). */
export function iterateElements(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return Array.from(v as Set<unknown>);
  if (v instanceof Float32Array || v instanceof Float64Array) return Array.from(v);
  if (typeof v === 'object' && v !== null) {
    const elements = (v as { elements?: unknown }).elements;
    if (Array.isArray(elements)) return elements;
  }
  throw invalidValue('a list, set or vector', v);
}

/**
 * Entries of a map value: a Map (client option `encoding: { map: Map }`, keys keep their type)
 * or the driver's default plain object (keys are `String(key)`).
 */
export function iterateMapEntries(v: unknown): readonly (readonly [unknown, unknown])[] {
  if (v instanceof Map) return Array.from(v as Map<unknown, unknown>);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return Object.entries(v as Record<string, unknown>);
  throw invalidValue('a map (Map or object)', v);
}

/** Elements of a tuple value: the driver's Tuple (`elements`) or an array. */
export function tupleElements(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null) {
    const elements = (v as { elements?: unknown }).elements;
    if (Array.isArray(elements)) return elements;
  }
  throw invalidValue('a Tuple', v);
}
