import { useEffect, useRef, type DragEvent } from 'react';
import { ChevronDown, ChevronRight, File, FileCode2, Folder, FolderOpen, Link2Off, NotebookPen } from 'lucide-react';
import type { TreeRow } from './explorerTree';

/** The DOM id of a row (aria-activedescendant points at it). */
export function rowId(path: string): string {
  return `tree-${encodeURIComponent(path).replace(/%/g, '_')}`;
}

/** One row of the explorer tree: a treeitem named by its file name, draggable, a drop target if a folder. */
export function Row(props: {
  row: TreeRow;
  top: number;
  focused: boolean;
  selected: boolean;
  dropTarget: boolean;
  renaming: boolean;
  onClick(): void;
  onDoubleClick(): void;
  onCommitRename(v: string): void;
  onCancelRename(): void;
  dropProps: { onDragOver(e: DragEvent): void; onDrop(e: DragEvent): void };
}) {
  const { row, top } = props;
  const e = row.entry;
  const Icon = e.kind === 'dir' ? (row.expanded ? FolderOpen : Folder) : e.kind === 'broken' ? Link2Off : e.name.endsWith('.ipynb') ? NotebookPen : /\.(py|r|jl|sh|sql|js|ts|json|ya?ml|toml)$/i.test(e.name) ? FileCode2 : File;
  return (
    <div
      id={rowId(e.path)}
      role="treeitem"
      aria-label={e.name}
      aria-level={row.level}
      aria-posinset={row.pos}
      aria-setsize={row.size}
      aria-expanded={e.kind === 'dir' ? !!row.expanded : undefined}
      aria-selected={props.selected}
      data-path={e.path}
      title={e.link ? `${e.path} (link)` : e.path}
      className={`tree-row${props.focused ? ' focused' : ''}${props.selected ? ' selected' : ''}${props.dropTarget ? ' drop-target' : ''}`}
      style={{ top, paddingLeft: row.level * 12 - 8 }}
      draggable={!props.renaming}
      onDragStart={(ev) => {
        ev.dataTransfer.setData('application/x-lathe-path', e.path);
        ev.dataTransfer.effectAllowed = 'move';
      }}
      {...props.dropProps}
      onClick={props.onClick}
      onDoubleClick={props.onDoubleClick}
    >
      <span className="twisty" aria-hidden>
        {e.kind === 'dir' ? row.expanded ? <ChevronDown size={14} /> : <ChevronRight size={14} /> : null}
      </span>
      <Icon size={14} aria-hidden className={`file-icon kind-${e.kind}`} />
      {props.renaming ? <NameBox label={`Rename ${e.name}`} initial={e.name} onCommit={props.onCommitRename} onCancel={props.onCancelRename} /> : <span className="name">{e.name}</span>}
    </div>
  );
}

/** The inline name box for a new entry or a rename: Enter commits, Escape cancels; the name without its extension is selected. */
export function NameBox({ label, initial, onCommit, onCancel }: { label: string; initial: string; onCommit(v: string): void; onCancel(): void }) {
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    const dot = initial.lastIndexOf('.');
    el.setSelectionRange(0, dot > 0 ? dot : initial.length);
  }, [initial]);
  const done = useRef(false);
  return (
    <input
      ref={box}
      aria-label={label}
      className="name-box"
      defaultValue={initial}
      spellCheck={false}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Enter') {
          done.current = true;
          onCommit(e.currentTarget.value);
          done.current = false;
        } else if (e.key === 'Escape') {
          done.current = true;
          onCancel();
        }
      }}
      // As in VS Code, clicking away keeps what was typed; an untouched box just closes.
      onBlur={(e) => {
        if (done.current) return;
        const v = e.currentTarget.value;
        if (v.trim() && v !== initial) onCommit(v);
        else onCancel();
      }}
    />
  );
}
