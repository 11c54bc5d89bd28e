import { useEffect, useRef, useState } from 'react';

/** One entry of a context menu; `null` draws a separator. */
export type MenuItem = { label: string; keys?: string; disabled?: boolean; run(): void } | null;

/**
 * A context menu as VS Code's: opened by a right click, Shift+F10 or the menu key; arrows move, Enter runs, Escape
 * or a click elsewhere closes, and the focus goes back to where it was.
 */
export function ContextMenu({ x, y, label, items, onClose }: { x: number; y: number; label: string; items: MenuItem[]; onClose(): void }) {
  const menu = useRef<HTMLUListElement>(null);
  const usable = items.map((it, i) => (it && !it.disabled ? i : -1)).filter((i) => i >= 0);
  const [active, setActive] = useState(usable[0] ?? -1);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    menu.current?.focus();
    const away = (e: MouseEvent) => !menu.current?.contains(e.target as Node) && close.current();
    window.addEventListener('mousedown', away, true);
    return () => {
      window.removeEventListener('mousedown', away, true);
      // Back where it was, unless the chosen action moved it (a rename box, say).
      if (document.activeElement === document.body || document.activeElement === null) before?.focus?.();
    };
  }, []);
  // Kept on screen.
  const left = Math.min(x, window.innerWidth - 220);
  const top = Math.min(y, window.innerHeight - items.length * 26 - 12);
  const run = (i: number) => {
    const it = items[i];
    if (!it || it.disabled) return;
    onClose();
    it.run();
  };
  return (
    <ul
      ref={menu}
      role="menu"
      aria-label={label}
      tabIndex={-1}
      className="context-menu"
      style={{ left, top }}
      aria-activedescendant={active >= 0 ? `menu-item-${active}` : undefined}
      onKeyDown={(e) => {
        const at = usable.indexOf(active);
        if (e.key === 'ArrowDown') setActive(usable[(at + 1) % usable.length] ?? -1);
        else if (e.key === 'ArrowUp') setActive(usable[(at - 1 + usable.length) % usable.length] ?? -1);
        else if (e.key === 'Home') setActive(usable[0] ?? -1);
        else if (e.key === 'End') setActive(usable.at(-1) ?? -1);
        else if (e.key === 'Enter' || e.key === ' ') run(active);
        else if (e.key === 'Escape' || e.key === 'Tab') onClose();
        else return;
        e.preventDefault();
        e.stopPropagation();
      }}
    >
      {items.map((it, i) =>
        it ? (
          <li key={i} id={`menu-item-${i}`} role="menuitem" aria-disabled={it.disabled || undefined} className={i === active ? 'active' : ''} onMouseEnter={() => !it.disabled && setActive(i)} onClick={() => run(i)}>
            <span>{it.label}</span>
            {it.keys && <kbd>{it.keys}</kbd>}
          </li>
        ) : (
          <li key={i} role="separator" className="separator" />
        ),
      )}
    </ul>
  );
}
