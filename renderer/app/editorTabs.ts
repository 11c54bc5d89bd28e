/** What kind of editor a tab holds. */
export type EditorKind = 'notebook' | 'text' | 'settings' | 'image';

/** One open editor. A tab is identified by its workspace path: a file is open at most once. */
export interface EditorTab {
  path: string;
  kind: EditorKind;
  /** A preview tab (single click in the explorer) is replaced by the next preview; editing or a double click pins it. */
  preview: boolean;
}

/** The open tabs of the editor area, in order, the active one, and the tabs closed most recently (to reopen). */
export interface TabsState {
  tabs: EditorTab[];
  active?: string;
  closed: string[];
}

/** How many closed tabs "reopen closed tab" remembers. */
const CLOSED_KEPT = 20;

/** The editor kind for a file. */
export function kindFor(path: string): EditorKind {
  if (path === 'lathe:settings') return 'settings';
  if (/\.(png|jpe?g|gif|webp|bmp|svg|ico)$/i.test(path)) return 'image';
  return path.toLowerCase().endsWith('.ipynb') ? 'notebook' : 'text';
}

/** Opens a file: activates it if open (pinning it unless opened as a preview), else adds it after the active tab, replacing the preview tab if this is one too. */
export function openTab(state: TabsState, path: string, preview = false): TabsState {
  const existing = state.tabs.find((t) => t.path === path);
  if (existing) {
    const tabs = preview || !existing.preview ? state.tabs : state.tabs.map((t) => (t.path === path ? { ...t, preview: false } : t));
    return { ...state, tabs, active: path };
  }
  const tab: EditorTab = { path, kind: kindFor(path), preview };
  const previewAt = preview ? state.tabs.findIndex((t) => t.preview) : -1;
  let tabs: EditorTab[];
  if (previewAt >= 0) {
    tabs = state.tabs.slice();
    tabs[previewAt] = tab;
  } else {
    const at = state.active ? state.tabs.findIndex((t) => t.path === state.active) + 1 : state.tabs.length;
    tabs = [...state.tabs.slice(0, at), tab, ...state.tabs.slice(at)];
  }
  return { ...state, tabs, active: path };
}

/** Makes a preview tab a normal one. */
export function pinTab(state: TabsState, path: string): TabsState {
  if (!state.tabs.some((t) => t.path === path && t.preview)) return state;
  return { ...state, tabs: state.tabs.map((t) => (t.path === path ? { ...t, preview: false } : t)) };
}

/** Closes a tab; the neighbour to its right (else left) becomes active, as in VS Code. */
export function closeTab(state: TabsState, path: string): TabsState {
  const i = state.tabs.findIndex((t) => t.path === path);
  if (i < 0) return state;
  const tabs = state.tabs.filter((t) => t.path !== path);
  const active = state.active === path ? (tabs[i] ?? tabs[i - 1])?.path : state.active;
  return { tabs, active, closed: [path, ...state.closed.filter((p) => p !== path)].slice(0, CLOSED_KEPT) };
}

/** Reopens the tab closed last (if any). */
export function reopenClosed(state: TabsState): TabsState {
  const [path, ...rest] = state.closed;
  if (!path) return state;
  return { ...openTab({ ...state, closed: rest }, path) };
}

/** A file or folder was renamed or moved: tabs under the old path follow it. */
export function renameTabs(state: TabsState, from: string, to: string): TabsState {
  const move = (p: string) => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
  return {
    tabs: state.tabs.map((t) => ({ ...t, path: move(t.path), kind: kindFor(move(t.path)) })),
    active: state.active && move(state.active),
    closed: state.closed.map(move),
  };
}

/** The tab `step` places after (or before) the active one, wrapping around (Ctrl+Tab, Ctrl+PageDown). */
export function cycleTab(state: TabsState, step: number): TabsState {
  if (!state.tabs.length) return state;
  const i = Math.max(0, state.tabs.findIndex((t) => t.path === state.active));
  return { ...state, active: state.tabs[(i + step + state.tabs.length * 4) % state.tabs.length]!.path };
}

/** Tab titles: the file name, with the folder added where two open files share a name (as VS Code does). */
export function tabTitles(tabs: readonly EditorTab[]): Map<string, string> {
  const name = (p: string) => (p === 'lathe:settings' ? 'Settings' : p.slice(p.lastIndexOf('/') + 1));
  const counts = new Map<string, number>();
  for (const t of tabs) counts.set(name(t.path), (counts.get(name(t.path)) ?? 0) + 1);
  return new Map(
    tabs.map((t) => {
      const n = name(t.path);
      const dir = t.path.slice(0, Math.max(0, t.path.lastIndexOf('/')));
      return [t.path, counts.get(n)! > 1 ? `${n} — ${dir || './'}` : n];
    }),
  );
}
