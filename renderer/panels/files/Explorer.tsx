import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { NameBox, Row, rowId } from './ExplorerRow';
import { File, FilePlus, FolderPlus, Folder, ListCollapse, RefreshCw } from 'lucide-react';
import { isAppError } from '../../../main/common/errors';
import { baseName, joinPath, parentPath, type FileEntry, type TrashedItem } from '../../../main/common/files';
import type { Services } from '../../platform/services';
import { useEvent } from '../../platform/services';
import { checkNewName, targetFolder, visibleRows, type FolderState } from './explorerTree';
import { uploadFiles } from './upload';
import { ContextMenu, type MenuItem } from './ContextMenu';
import { downloadFile } from './download';

const ROW_PX = 22;
const EXPANDED_KEY = 'lathe.explorer.expanded';

/** What the explorer tells the workbench. */
export interface ExplorerHost {
  /** Open a file; `preview` for a single click (the tab is replaced by the next preview). */
  onOpen(path: string, preview: boolean): void;
  /** A file or folder moved or was renamed (open tabs follow it). */
  onMoved(from: string, to: string): void;
  /** The open tab's path, shown selected. */
  activePath?: string;
}

type Editing = { mode: 'rename'; path: string } | { mode: 'new'; dir: string; kind: 'file' | 'dir' };

/**
 * The workspace as an ARIA tree, as VS Code's explorer: folders list lazily and refresh when they change on disk; rows
 * are virtual (a 10,000-entry folder renders only what is on screen); create, rename, move by drag and drop, delete
 * to a trash with undo, upload by dropping files from the desktop. Keyboard: arrows, Home/End, Enter, F2, Delete,
 * Ctrl+Z (undo the last delete).
 */
export function Explorer({ services, host }: { services: Services; host: ExplorerHost }) {
  const [folders, setFolders] = useState<Map<string, FolderState>>(() => new Map());
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(JSON.parse(sessionStorage.getItem(EXPANDED_KEY) ?? '[]') as string[]));
  const [focused, setFocused] = useState<string>();
  const [editing, setEditing] = useState<Editing>();
  const [message, setMessage] = useState<{ text: string; error?: boolean; undo?: TrashedItem }>();
  const [dropTarget, setDropTarget] = useState<string>();
  const [menu, setMenu] = useState<{ x: number; y: number; entry?: FileEntry }>();
  const [rootAbs, setRootAbs] = useState<string>();
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const list = useRef<HTMLDivElement>(null);
  const loaded = useRef(folders);
  loaded.current = folders;

  const load = useCallback(
    async (dir: string) => {
      if (!loaded.current.has(dir)) setFolders((m) => new Map(m).set(dir, 'loading'));
      try {
        const l = await services.files.list(dir);
        if (dir === '') setRootAbs(l.absPath);
        setFolders((m) => new Map(m).set(dir, { entries: l.entries, omitted: l.omitted }));
      } catch (err) {
        setFolders((m) => new Map(m).set(dir, { error: isAppError(err) ? err.message : String(err) }));
      }
    },
    [services],
  );

  const loadAll = () => {
    void load('');
    for (const d of expanded) void load(d);
  };
  // Listed on mount once connected, and again after every reconnect (the core may have restarted meanwhile).
  useEffect(() => {
    if (services.connection.state === 'connected') loadAll();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [services]);
  useEvent(services.connection.onDidChangeState, (s) => s === 'connected' && loadAll());
  useEvent(services.files.onDidChange, (c) => {
    if (loaded.current.has(c.path)) void load(c.path);
  });
  useEffect(() => sessionStorage.setItem(EXPANDED_KEY, JSON.stringify([...expanded])), [expanded]);

  const rows = useMemo(() => visibleRows(folders, expanded), [folders, expanded]);
  const root = folders.get('');
  const focusedIndex = rows.findIndex((r) => r.entry.path === focused);
  const focusedRow = focusedIndex >= 0 ? rows[focusedIndex] : undefined;

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 400));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // The focused row is always rendered and on screen (aria-activedescendant needs it in the DOM).
  useEffect(() => {
    const el = list.current;
    if (!el || focusedIndex < 0) return;
    const top = focusedIndex * ROW_PX;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_PX > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_PX - el.clientHeight;
  }, [focusedIndex]);

  // The active tab's file is shown selected, its folders opened (VS Code's "reveal").
  useEffect(() => {
    const p = host.activePath;
    if (!p) return;
    setFocused(p);
    const parents: string[] = [];
    for (let d = parentPath(p); d; d = parentPath(d)) parents.push(d);
    if (parents.some((d) => !expanded.has(d))) {
      setExpanded((s) => new Set([...s, ...parents]));
      for (const d of parents) if (!loaded.current.has(d)) void load(d);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [host.activePath]);

  const toggle = (entry: FileEntry, open?: boolean) => {
    if (entry.kind !== 'dir') return;
    const isOpen = expanded.has(entry.path);
    const next = open ?? !isOpen;
    if (next === isOpen) return;
    setExpanded((s) => {
      const n = new Set(s);
      if (next) n.add(entry.path);
      else n.delete(entry.path);
      return n;
    });
    if (next) void load(entry.path);
    else void services.files.unwatch(entry.path).catch(() => undefined);
  };

  const fail = (err: unknown) => setMessage({ text: isAppError(err) ? err.message : String(err), error: true });

  const activate = (entry: FileEntry, preview: boolean) => {
    setFocused(entry.path);
    if (entry.kind === 'dir') toggle(entry);
    else if (entry.kind === 'broken') setMessage({ text: `${entry.name} is a link that points nowhere or outside the workspace, so it cannot be opened.`, error: true });
    else host.onOpen(entry.path, preview);
  };

  const remove = async (entry: FileEntry) => {
    try {
      const item = await services.files.trash(entry.path);
      setMessage({ text: `Moved ${entry.name} to the trash.`, undo: item });
    } catch (err) {
      fail(err);
    }
  };

  const undo = async (item: TrashedItem) => {
    try {
      await services.files.restore(item.id);
      setMessage({ text: `Restored ${baseName(item.path)}.` });
      setFocused(item.path);
    } catch (err) {
      fail(err);
    }
  };

  const move = async (from: string, toDir: string) => {
    const to = joinPath(toDir, baseName(from));
    if (to === from || parentPath(from) === toDir) return;
    try {
      await services.files.move(from, to);
      host.onMoved(from, to);
      setFocused(to);
    } catch (err) {
      fail(err);
    }
  };

  const commitEdit = async (value: string) => {
    const e = editing;
    if (!e) return;
    const problem = checkNewName(value);
    if (problem) return setMessage({ text: problem, error: true });
    try {
      if (e.mode === 'rename') {
        const to = joinPath(parentPath(e.path), value.trim());
        if (to !== e.path) {
          await services.files.move(e.path, to);
          host.onMoved(e.path, to);
        }
        setFocused(to);
      } else {
        const created = await services.files.create(joinPath(e.dir, value.trim()), e.kind);
        setFocused(created.path);
        if (created.kind === 'file') host.onOpen(created.path, false);
      }
      setEditing(undefined);
      setMessage(undefined);
    } catch (err) {
      fail(err);
    }
  };

  const startNew = (kind: 'file' | 'dir') => {
    const dir = targetFolder(focusedRow?.entry);
    if (dir) toggle({ name: baseName(dir), path: dir, kind: 'dir', link: false }, true);
    setEditing({ mode: 'new', dir, kind });
  };

  const copy = (text: string) =>
    navigator.clipboard.writeText(text).then(
      () => setMessage({ text: `Copied ${text}` }),
      () => setMessage({ text: `Could not use the clipboard; the path is ${text}`, error: true }),
    );
  const menuItems = (entry: FileEntry | undefined): MenuItem[] => {
    const inDir = targetFolder(entry);
    const newIn = (kind: 'file' | 'dir') => () => {
      if (inDir) toggle({ name: baseName(inDir), path: inDir, kind: 'dir', link: false }, true);
      setEditing({ mode: 'new', dir: inDir, kind });
    };
    if (!entry) return [{ label: 'New File…', run: newIn('file') }, { label: 'New Folder…', run: newIn('dir') }, null, { label: 'Copy Path', run: () => rootAbs && void copy(rootAbs), disabled: !rootAbs }];
    const abs = rootAbs ? `${rootAbs}/${entry.path}` : undefined;
    return [
      ...(entry.kind === 'file' ? [{ label: 'Open', keys: 'Enter', run: () => activate(entry, false) }, null] : []),
      { label: 'New File…', run: newIn('file') },
      { label: 'New Folder…', run: newIn('dir') },
      null,
      { label: 'Rename…', keys: 'F2', run: () => setEditing({ mode: 'rename', path: entry.path }) },
      { label: 'Delete', keys: 'Delete', run: () => void remove(entry) },
      null,
      { label: 'Copy Path', run: () => abs && void copy(abs), disabled: !abs },
      { label: 'Copy Relative Path', run: () => void copy(entry.path) },
      ...(entry.kind === 'file'
        ? [
            null,
            {
              label: 'Download',
              run: () =>
                void downloadFile(services, entry.path, (p) => setMessage({ text: `Downloading ${entry.name}… ${Math.round(p * 100)}%` })).then(
                  () => setMessage({ text: `Downloaded ${entry.name}.` }),
                  fail,
                ),
            },
          ]
        : []),
    ];
  };
  const openMenuAtFocus = () => {
    const rect = list.current?.getBoundingClientRect();
    if (!rect) return;
    const y = focusedIndex >= 0 ? rect.top + (focusedIndex + 1) * ROW_PX - (list.current?.scrollTop ?? 0) : rect.top + 8;
    setMenu({ x: rect.left + 24, y, entry: focusedRow?.entry });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (editing) return;
    if ((e.shiftKey && e.key === 'F10') || e.key === 'ContextMenu') {
      e.preventDefault();
      return openMenuAtFocus();
    }
    const r = focusedRow;
    const go = (i: number) => {
      const row = rows[Math.max(0, Math.min(rows.length - 1, i))];
      if (row) setFocused(row.entry.path);
    };
    const keys: Record<string, () => void> = {
      ArrowDown: () => go(focusedIndex + 1),
      ArrowUp: () => go(focusedIndex < 0 ? 0 : focusedIndex - 1),
      Home: () => go(0),
      End: () => go(rows.length - 1),
      PageDown: () => go(focusedIndex + Math.floor(height / ROW_PX)),
      PageUp: () => go(focusedIndex - Math.floor(height / ROW_PX)),
      ArrowRight: () => {
        if (!r || r.entry.kind !== 'dir') return;
        if (!r.expanded) toggle(r.entry, true);
        else go(focusedIndex + 1);
      },
      ArrowLeft: () => {
        if (!r) return;
        if (r.expanded) toggle(r.entry, false);
        else if (r.level > 1) setFocused(parentPath(r.entry.path));
      },
      Enter: () => r && activate(r.entry, false),
      ' ': () => r && activate(r.entry, true),
      F2: () => r && setEditing({ mode: 'rename', path: r.entry.path }),
      Delete: () => r && void remove(r.entry),
    };
    const z = (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z';
    const f = z ? () => message?.undo && void undo(message.undo) : keys[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  };

  const onDrop = async (e: DragEvent, dir: string) => {
    e.preventDefault();
    setDropTarget(undefined);
    const from = e.dataTransfer.getData('application/x-lathe-path');
    if (from) return void move(from, dir);
    if (e.dataTransfer.files.length) {
      try {
        const done = await uploadFiles(services, dir, [...e.dataTransfer.files], (text) => setMessage({ text }));
        setMessage({ text: `Uploaded ${done.length} file${done.length === 1 ? '' : 's'} to ${dir || 'the workspace'}.` });
      } catch (err) {
        fail(err);
      }
    }
  };
  const dropProps = (dir: string) => ({
    onDragOver: (e: DragEvent) => {
      if (![...e.dataTransfer.types].some((t) => t === 'Files' || t === 'application/x-lathe-path')) return;
      e.preventDefault();
      e.stopPropagation();
      e.dataTransfer.dropEffect = e.dataTransfer.types.includes('Files') ? 'copy' : 'move';
      setDropTarget(dir);
    },
    onDrop: (e: DragEvent) => {
      e.stopPropagation();
      void onDrop(e, dir);
    },
  });

  // Virtual rows: only those on screen (plus a margin) are in the DOM; the new-entry box sits at the top of its folder.
  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - 10);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_PX) + 10);
  const shown = rows.slice(first, last);
  if (focusedIndex >= 0 && (focusedIndex < first || focusedIndex >= last)) shown.push(rows[focusedIndex]!);
  const newAt = editing?.mode === 'new' ? (editing.dir === '' ? 0 : rows.findIndex((r) => r.entry.path === editing.dir) + 1) : -1;
  const newLevel = editing?.mode === 'new' ? (editing.dir === '' ? 1 : (rows[newAt - 1]?.level ?? 0) + 1) : 1;

  return (
    <div className="explorer" {...dropProps('')} onDragLeave={() => setDropTarget(undefined)}>
      <div className="explorer-toolbar" role="toolbar" aria-label="Explorer actions">
        <button aria-label="New file" title="New file" onClick={() => startNew('file')}>
          <FilePlus size={16} aria-hidden />
        </button>
        <button aria-label="New folder" title="New folder" onClick={() => startNew('dir')}>
          <FolderPlus size={16} aria-hidden />
        </button>
        <button aria-label="Refresh explorer" title="Refresh" onClick={() => [...folders.keys()].forEach((d) => void load(d))}>
          <RefreshCw size={16} aria-hidden />
        </button>
        <button
          aria-label="Collapse folders"
          title="Collapse folders"
          onClick={() => {
            for (const d of expanded) void services.files.unwatch(d).catch(() => undefined);
            setExpanded(new Set());
          }}
        >
          <ListCollapse size={16} aria-hidden />
        </button>
      </div>
      {root && typeof root === 'object' && 'error' in root && (
        <p role="alert" className="error">
          {root.error}
        </p>
      )}
      <div
        ref={list}
        className={`explorer-tree${dropTarget === '' ? ' drop-target' : ''}`}
        role="tree"
        aria-label="Files"
        tabIndex={0}
        aria-activedescendant={focusedRow ? rowId(focusedRow.entry.path) : undefined}
        onKeyDown={onKeyDown}
        onFocus={() => !focused && rows[0] && setFocused(rows[0].entry.path)}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onContextMenu={(e) => {
          e.preventDefault();
          const row = (e.target as HTMLElement).closest<HTMLElement>('[role="treeitem"]');
          const entry = row ? rows.find((r) => r.entry.path === row.dataset.path)?.entry : undefined;
          if (entry) setFocused(entry.path);
          setMenu({ x: e.clientX, y: e.clientY, entry });
        }}
      >
        <div style={{ height: (rows.length + (newAt >= 0 ? 1 : 0)) * ROW_PX, position: 'relative' }}>
          {newAt >= 0 && editing?.mode === 'new' && (
            <div className="tree-row editing" style={{ top: newAt * ROW_PX, paddingLeft: newLevel * 12 }}>
              {editing.kind === 'dir' ? <Folder size={14} aria-hidden /> : <File size={14} aria-hidden />}
              <NameBox label={editing.kind === 'dir' ? 'New folder name' : 'New file name'} initial="" onCommit={(v) => void commitEdit(v)} onCancel={() => setEditing(undefined)} />
            </div>
          )}
          {shown.map((r) => {
            const i = rows.indexOf(r);
            const top = (i + (newAt >= 0 && i >= newAt ? 1 : 0)) * ROW_PX;
            return (
              <Row
                key={r.entry.path}
                row={r}
                top={top}
                focused={r.entry.path === focused}
                selected={r.entry.path === host.activePath}
                dropTarget={dropTarget === r.entry.path}
                renaming={editing?.mode === 'rename' && editing.path === r.entry.path}
                onClick={() => activate(r.entry, true)}
                onDoubleClick={() => r.entry.kind !== 'dir' && activate(r.entry, false)}
                onCommitRename={(v) => void commitEdit(v)}
                onCancelRename={() => setEditing(undefined)}
                dropProps={r.entry.kind === 'dir' ? dropProps(r.entry.path) : dropProps(parentPath(r.entry.path))}
              />
            );
          })}
        </div>
        {root && typeof root === 'object' && 'entries' in root && root.entries.length === 0 && !editing && <p className="explorer-empty">The workspace is empty. Create a file or a notebook, or drop files here to upload them.</p>}
        {[...folders].map(([dir, s]) => (typeof s === 'object' && 'omitted' in s && s.omitted > 0 ? <p key={dir} className="explorer-empty">{`${dir || 'The workspace'}: ${s.omitted} more entries are not shown (over 50,000 in one folder). Use a terminal to see them.`}</p> : null))}
      </div>
      {menu && <ContextMenu x={menu.x} y={menu.y} label={menu.entry ? `Actions for ${menu.entry.name}` : 'Workspace actions'} items={menuItems(menu.entry)} onClose={() => setMenu(undefined)} />}
      {message && (
        <div role={message.error ? 'alert' : 'status'} className={`explorer-message${message.error ? ' error' : ''}`}>
          {message.text}
          {message.undo && (
            <button className="link" onClick={() => void undo(message.undo!)}>
              Undo
            </button>
          )}
          <button aria-label="Dismiss" className="link" onClick={() => setMessage(undefined)}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
