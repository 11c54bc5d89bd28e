import { describe, expect, it } from 'vitest';
import { backoffDelay, exponentialSchedule } from './backoff';

describe('backoff', () => {
  it('walks a schedule and stays on its last entry', () => {
    const s = [500, 2000, 5000];
    expect([1, 2, 3, 4, 10].map((a) => backoffDelay(s, a))).toEqual([500, 2000, 5000, 5000, 5000]);
    expect(backoffDelay(s, 0)).toBe(500);
    expect(backoffDelay([], 3)).toBe(0);
  });

  it('doubles up to the cap', () => {
    expect(exponentialSchedule(200, 5000)).toEqual([200, 400, 800, 1600, 3200, 5000]);
    expect(exponentialSchedule(100, 100)).toEqual([100]);
  });
});
