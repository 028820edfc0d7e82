import { describe, expect, it } from 'vitest';
import { describeLayout, threadLayout } from '../../../src/engine/pool.js';

describe('threadLayout: --threads ranges at once on at most one worker thread per core', () => {
  it('gives each range its own thread up to the cap', () => {
    expect(threadLayout(1, 2)).toEqual({ workerThreads: 1, tasksPerThread: 1 });
    expect(threadLayout(2, 2)).toEqual({ workerThreads: 2, tasksPerThread: 1 });
    expect(threadLayout(8, 16)).toEqual({ workerThreads: 8, tasksPerThread: 1 });
  });

  it('runs several ranges on each thread above the cap, never fewer in all than asked', () => {
    expect(threadLayout(16, 2)).toEqual({ workerThreads: 2, tasksPerThread: 8 });
    expect(threadLayout(5, 2)).toEqual({ workerThreads: 2, tasksPerThread: 3 });
    expect(threadLayout(3, 1)).toEqual({ workerThreads: 1, tasksPerThread: 3 });
    for (const ranges of [1, 3, 7, 16, 33]) {
      for (const cap of [1, 2, 4, 8]) {
        const { workerThreads, tasksPerThread } = threadLayout(ranges, cap);
        expect(workerThreads).toBeLessThanOrEqual(cap);
        expect(workerThreads * tasksPerThread).toBeGreaterThanOrEqual(ranges);
        expect(workerThreads * (tasksPerThread - 1)).toBeLessThan(ranges);
      }
    }
  });

  it('says how in the start line', () => {
    expect(describeLayout(2, 1)).toBe('on 2 threads');
    expect(describeLayout(1, 1)).toBe('on 1 thread');
    expect(describeLayout(2, 8)).toBe('16 at once on 2 threads');
  });
});
