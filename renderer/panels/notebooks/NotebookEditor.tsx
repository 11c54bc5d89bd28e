import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ElidedOutputs } from './outputs/OutputArea';
import { CellView } from './CellView';
import { convertCell, deleteCell, insertCell, moveCell, newCell, restoreCell, updateCell, type CellModel } from './notebookModel';
import type { NotebookSession } from './useNotebookSession';

/**
 * The cell list and Jupyter's keyboard model. Command mode (Esc): arrows/J/K move, A/B insert, D D deletes,
 * Z undoes a delete, M/Y/R convert, C/X/V copy/cut/paste, I I interrupts, 0 0 restarts, Enter edits.
 * Both modes: Shift+Enter runs and advances, Ctrl+Enter runs, Alt+Enter runs and inserts below, Ctrl+S saves.
 */
export function NotebookEditor({ session, theme, onActiveChange, below }: { session: NotebookSession; theme: 'dark' | 'light'; onActiveChange?: (index: number) => void; below?: (cellKey: string) => ReactNode }) {
  const { doc, setDoc, run } = session;
  const [active, setActive] = useState(0);
  const [editing, setEditing] = useState(false);
  const [collapsed, setCollapsed] = useState<Record<string, { input?: boolean; output?: boolean }>>({});
  const deleted = useRef<{ index: number; cell: CellModel }[]>([]);
  const clipboard = useRef<CellModel | undefined>(undefined);
  const lastKey = useRef<{ key: string; at: number }>({ key: '', at: 0 });
  const container = useRef<HTMLDivElement>(null);
  const dragFrom = useRef<number | undefined>(undefined);
  const cells = doc?.cells ?? [];
  const count = cells.length;

  useEffect(() => {
    if (active >= count && count) setActive(count - 1);
  }, [active, count]);

  const select = useCallback((i: number, edit: boolean) => {
    setActive(i);
    setEditing(edit);
  }, []);

  // Synchronous, before the cell editor unmounts: a key pressed right after Esc must land in command mode.
  const focusList = () => container.current?.focus();

  const runActive = useCallback(
    (mode: 'stay' | 'advance' | 'insert') => {
      const cell = doc?.cells[active];
      if (!cell) return;
      if (cell.type === 'code') run([cell.key]);
      setEditing(false);
      if (mode === 'stay') return focusList();
      if (mode === 'insert' || active === count - 1) {
        setDoc((d) => insertCell(d, active + 1));
        setActive(active + 1);
        setEditing(true);
        return;
      }
      setActive(active + 1);
      focusList();
    },
    [doc, active, count, run, setDoc],
  );

  const keys = { onRun: runActive, onEscape: () => (setEditing(false), focusList()) };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 's') {
      e.preventDefault();
      void session.save();
      return;
    }
    if (editing) return; // The cell editor handles its own keys.
    if (e.key === 'Enter') {
      e.preventDefault();
      if (e.shiftKey) runActive('advance');
      else if (mod) runActive('stay');
      else if (e.altKey) runActive('insert');
      else if (doc?.cells[active]?.type !== 'unknown') setEditing(true);
      return;
    }
    if (mod || e.altKey) return;
    const k = e.key;
    const twice = lastKey.current.key === k && Date.now() - lastKey.current.at < 600;
    lastKey.current = { key: k, at: Date.now() };
    const cell = cells[active];
    const act = (): boolean => {
      switch (k) {
        case 'ArrowUp':
        case 'k':
          setActive((a) => Math.max(0, a - 1));
          return true;
        case 'ArrowDown':
        case 'j':
          setActive((a) => Math.min(count - 1, a + 1));
          return true;
        case 'a':
          setDoc((d) => insertCell(d, active));
          return true;
        case 'b':
          setDoc((d) => insertCell(d, active + 1));
          setActive(active + 1);
          return true;
        case 'd':
          if (twice && cell) {
            const [next, removed] = deleteCell(doc!, active);
            if (removed) deleted.current.push({ index: active, cell: removed });
            setDoc(() => next);
            lastKey.current = { key: '', at: 0 };
          }
          return true;
        case 'z': {
          const last = deleted.current.pop();
          if (last) setDoc((d) => restoreCell(d, last.index, last.cell));
          return true;
        }
        case 'm':
        case 'y':
        case 'r':
          if (cell && cell.type !== 'unknown') setDoc((d) => updateCell(d, cell.key, (c) => convertCell(c, k === 'm' ? 'markdown' : k === 'y' ? 'code' : 'raw')));
          return true;
        case 'c':
          clipboard.current = cell;
          return true;
        case 'x':
          if (cell) {
            clipboard.current = cell;
            setDoc((d) => deleteCell(d, active)[0]);
          }
          return true;
        case 'v':
          if (clipboard.current) {
            const copy = { ...newCell(clipboard.current.type), source: clipboard.current.source, outputs: clipboard.current.outputs, outputsChanged: true };
            setDoc((d) => ({ ...d, cells: [...d.cells.slice(0, active + 1), copy, ...d.cells.slice(active + 1)] }));
            setActive(active + 1);
          }
          return true;
        case 'i':
          if (twice) void session.interrupt();
          return true;
        case '0':
          if (twice) void session.restart();
          return true;
        default:
          return false;
      }
    };
    if (act()) e.preventDefault();
  };

  useEffect(() => {
    container.current?.querySelector(`[data-cell-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
    onActiveChange?.(active);
  }, [active, onActiveChange]);

  if (!doc) return null;
  return (
    <ElidedOutputs.Provider value={session.elided}>
      <div
        ref={container}
        className="notebook-cells"
        role="list"
        aria-label={`Cells (${editing ? 'edit' : 'command'} mode)`}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onDragOver={(e) => e.preventDefault()}
      >
        {cells.map((cell, i) => (
          <div
            key={cell.key}
            role="listitem"
            draggable={!editing}
            onDragStart={() => (dragFrom.current = i)}
            onDrop={() => {
              if (dragFrom.current !== undefined) setDoc((d) => moveCell(d, dragFrom.current!, i));
              dragFrom.current = undefined;
            }}
          >
            <CellView
              cell={cell}
              index={i}
              active={i === active}
              editing={editing && i === active}
              theme={theme}
              collapsed={collapsed[cell.key] ?? {}}
              onSelect={select}
              onChange={(key, source) => setDoc((d) => updateCell(d, key, (c) => ({ ...c, source })))}
              onToggle={(key, part) => setCollapsed((c) => ({ ...c, [key]: { ...c[key], [part]: !c[key]?.[part] } }))}
              keys={keys}
            />
            {below?.(cell.key)}
          </div>
        ))}
      </div>
    </ElidedOutputs.Provider>
  );
}
