/**
 * Reading the 200 answers of the lean path (BatchWriteItem, BatchGetItem, Scan). Anything that is
 * not the expected shape reads as undefined, which the loop (retry-loop.ts) resends like a 5xx.
 */

/** The JSON object in `body`, or undefined when the body is not one. */
export function parseObject(body: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
}

/**
 * `container[table]` (or `container[table][field]`) as a list: empty when absent, undefined
 * when something on the way is not of the expected type.
 */
export function tableList(container: unknown, table: string, field?: string): unknown[] | undefined {
  if (container === undefined) return [];
  if (typeof container !== 'object' || container === null) return undefined;
  let list = (container as Record<string, unknown>)[table];
  if (list === undefined) return [];
  if (field !== undefined) {
    if (typeof list !== 'object' || list === null) return undefined;
    list = (list as Record<string, unknown>)[field];
  }
  return Array.isArray(list) ? list : undefined;
}
