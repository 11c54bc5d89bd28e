import type { FileEntry } from '../../../main/common/files';

/** What the explorer knows of one folder: its entries once listed, or why listing failed. */
export type FolderState = { entries: FileEntry[]; omitted: number } | { error: string } | 'loading';

/** One visible row of the tree. */
export interface TreeRow {
  entry: FileEntry;
  /** 1 for the workspace's top level. */
  level: number;
  /** Position among its siblings (1-based) and how many there are: ARIA's posinset/setsize, since rows are virtual. */
  pos: number;
  size: number;
  expanded?: boolean;
  /** Set on the row right after an expanded folder's last child when that folder could not be listed. */
  note?: string;
}

/** The rows on screen for the folders listed so far and the ones expanded, depth first, as VS Code's explorer shows them. */
export function visibleRows(folders: ReadonlyMap<string, FolderState>, expanded: ReadonlySet<string>, root = ''): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (dir: string, level: number) => {
    const state = folders.get(dir);
    if (!state || state === 'loading' || 'error' in state) return;
    const n = state.entries.length;
    state.entries.forEach((entry, i) => {
      const open = entry.kind === 'dir' && expanded.has(entry.path);
      rows.push({ entry, level, pos: i + 1, size: n, ...(entry.kind === 'dir' ? { expanded: open } : {}) });
      if (open) walk(entry.path, level + 1);
    });
  };
  walk(root, 1);
  return rows;
}

/** The folder a new file or a drop goes into, for a selected row: the row itself if it is a folder, else its folder. */
export function targetFolder(entry: FileEntry | undefined): string {
  if (!entry) return '';
  if (entry.kind === 'dir') return entry.path;
  const i = entry.path.lastIndexOf('/');
  return i < 0 ? '' : entry.path.slice(0, i);
}

/** A file name a user typed: refused (with why) if empty, `.`/`..`, or holding a slash at either end or a control character. */
export function checkNewName(name: string): string | undefined {
  const n = name.trim();
  if (!n) return 'Give a name.';
  if (n === '.' || n === '..' || n.split('/').some((p) => p === '..' || p === '.')) return '"." and ".." are not names; give a file or folder name.';
  if (n.startsWith('/') || n.endsWith('/')) return 'A name may not start or end with "/".';
  if (/[\u0000-\u001f\\]/.test(n)) return 'A name may not hold a backslash or a control character.';
  return undefined;
}
