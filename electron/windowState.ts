/** A window's saved geometry. */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

/** Where bounds are kept (electron-store in the app, a map in tests). */
export interface BoundsStore {
  get(key: 'windowBounds'): unknown;
  set(key: 'windowBounds', value: WindowBounds): void;
}

const DEFAULT: WindowBounds = { width: 1280, height: 800 };

/** Reads saved bounds, falling back to defaults for missing or nonsense values, and keeps the window on a visible display. */
export function loadBounds(store: BoundsStore, displays: { x: number; y: number; width: number; height: number }[]): WindowBounds {
  const b = store.get('windowBounds') as Partial<WindowBounds> | undefined;
  const num = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
  if (!b || !num(b.width, 400, 20000) || !num(b.height, 300, 20000)) return { ...DEFAULT };
  const out: WindowBounds = { width: b.width!, height: b.height!, maximized: b.maximized === true };
  if (num(b.x, -20000, 20000) && num(b.y, -20000, 20000)) {
    const visible = displays.some((d) => b.x! + 50 > d.x && b.x! < d.x + d.width - 50 && b.y! >= d.y && b.y! < d.y + d.height - 50);
    if (visible) Object.assign(out, { x: b.x, y: b.y });
  }
  return out;
}
