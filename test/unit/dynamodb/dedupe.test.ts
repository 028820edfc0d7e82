import { describe, expect, it } from 'vitest';
import { mergeDuplicateKeys } from '../../../src/dynamodb/dedupe.js';

const e = (key: string, v: number) => ({ key, v });

describe('mergeDuplicateKeys', () => {
  it('returns the same array when all keys differ', () => {
    const entries = [e('a', 1), e('b', 2), e('c', 3)];
    const out = mergeDuplicateKeys(entries);
    expect(out.entries).toBe(entries);
    expect(out.merged).toBe(0);
  });

  it('keeps the last entry of each key, at the first position of that key', () => {
    const out = mergeDuplicateKeys([e('a', 1), e('b', 2), e('a', 3), e('c', 4), e('b', 5), e('a', 6)]);
    expect(out.entries).toEqual([e('a', 6), e('b', 5), e('c', 4)]);
    expect(out.merged).toBe(3);
  });

  it('handles an empty batch and a batch of one key', () => {
    expect(mergeDuplicateKeys([])).toEqual({ entries: [], merged: 0 });
    expect(mergeDuplicateKeys([e('k', 1), e('k', 2), e('k', 3)])).toEqual({ entries: [e('k', 3)], merged: 2 });
  });
});
