import { describe, expect, it } from 'vitest';
import { planPopulateTasks } from '../../src/populate/task.js';

describe('planPopulateTasks', () => {
  it('covers [0, rows) exactly once with contiguous tasks', () => {
    for (const [rows, chunk] of [[0, 10], [1, 10], [10, 10], [11, 10], [100_003, 5000]] as const) {
      const tasks = planPopulateTasks(rows, chunk);
      let expected = 0;
      for (const t of tasks) {
        expect(t.start).toBe(expected);
        expect(t.end - t.start).toBeGreaterThan(0);
        expect(t.end - t.start).toBeLessThanOrEqual(chunk);
        expected = t.end;
      }
      expect(expected).toBe(rows);
      expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
    }
  });

  it('rejects negative or fractional sizes', () => {
    expect(() => planPopulateTasks(-1, 10)).toThrow(RangeError);
    expect(() => planPopulateTasks(1.5, 10)).toThrow(RangeError);
    expect(() => planPopulateTasks(10, 0)).toThrow(RangeError);
  });
});
