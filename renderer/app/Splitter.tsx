import { useRef } from 'react';

/** A vertical splitter: drag with the mouse, or focus it and use the arrow keys (10 px, 50 with Shift). */
export function Splitter({ value, min, max, label, onChange, onCommit }: { value: number; min: number; max: number; label: string; onChange: (v: number) => void; onCommit: (v: number) => void }) {
  const start = useRef<{ x: number; v: number } | undefined>(undefined);
  const clamp = (v: number) => Math.max(min, Math.min(max, Math.round(v)));
  return (
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      className="splitter"
      onPointerDown={(e) => {
        start.current = { x: e.clientX, v: value };
        (e.target as HTMLElement).setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => start.current && onChange(clamp(start.current.v + e.clientX - start.current.x))}
      onPointerUp={(e) => {
        if (!start.current) return;
        const v = clamp(start.current.v + e.clientX - start.current.x);
        start.current = undefined;
        onCommit(v);
      }}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 50 : 10;
        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
        e.preventDefault();
        const v = clamp(value + (e.key === 'ArrowRight' ? step : -step));
        onChange(v);
        onCommit(v);
      }}
    />
  );
}
