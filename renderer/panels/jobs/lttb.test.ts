import { describe, expect, it } from 'vitest';
import { lttb } from './lttb';

describe('lttb', () => {
  it('keeps the ends, the size asked for, x order, and a lone spike', () => {
    const data = Array.from({ length: 100_000 }, (_, i) => ({ x: i, y: Math.sin(i / 1000) }));
    data[54_321] = { x: 54_321, y: 50 };
    const d = lttb(data, 500);
    expect(d).toHaveLength(500);
    expect(d[0]).toBe(data[0]);
    expect(d.at(-1)).toBe(data.at(-1));
    expect(d.every((p, i) => i === 0 || p.x > d[i - 1]!.x)).toBe(true);
    expect(d).toContainEqual({ x: 54_321, y: 50 });
  });

  it('returns small series unchanged', () => {
    const data = [{ x: 0, y: 1 }, { x: 1, y: 2 }];
    expect(lttb(data, 500)).toBe(data);
  });
});
