import { describe, expect, it } from 'vitest';
import { loadBounds, type BoundsStore } from './windowState';

const store = (v: unknown): BoundsStore => ({ get: () => v, set: () => undefined });
const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window bounds', () => {
  it('restores saved bounds that are on a display', () => {
    expect(loadBounds(store({ x: 100, y: 50, width: 1000, height: 700, maximized: true }), displays)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
  });
  it('drops the position of a window on a display that is gone, keeping its size', () => {
    expect(loadBounds(store({ x: 4000, y: 50, width: 1000, height: 700 }), displays)).toEqual({ width: 1000, height: 700, maximized: false });
  });
  it('falls back to defaults for missing or nonsense values', () => {
    expect(loadBounds(store(undefined), displays)).toEqual({ width: 1280, height: 800 });
    expect(loadBounds(store({ width: 'big', height: 10 }), displays)).toEqual({ width: 1280, height: 800 });
    expect(loadBounds(store({ width: 1e9, height: 700 }), displays)).toEqual({ width: 1280, height: 800 });
  });
});
