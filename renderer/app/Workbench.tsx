import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, Database, FolderTree, GitBranch, NotebookPen, Package, Rocket, Settings2, SquareTerminal, Workflow, type LucideIcon } from 'lucide-react';
import { SETTINGS_TAB } from './SettingsEditor';
import { SettingsSchema, type Settings, type SettingsPatch } from '../../main/common/settings';
import { isAppError } from '../../main/common/errors';
import { NotBuiltPanel } from '../panels/placeholder/NotBuiltPanel';
import { NotebookSideBar } from '../panels/notebooks/NotebookPanel';
import { TerminalPanel, TerminalSideBar } from '../panels/terminal/TerminalPanel';
import { useTerminals } from '../panels/terminal/useTerminals';
import { EnvPanel } from '../panels/envs/EnvPanel';
import { EnvSideBar } from '../panels/envs/EnvSideBar';
import { useEnvs } from '../panels/envs/useEnvs';
import { JobsPanel } from '../panels/jobs/JobsPanel';
import { JobsSideBar } from '../panels/jobs/JobsSideBar';
import { useRuns } from '../panels/jobs/useRuns';
import { Explorer } from '../panels/files/Explorer';
import type { EnvDetail } from '../../main/common/envs';
import { CommandPalette } from './CommandPalette';
import type { Command } from './commands';
import { EDITOR_VIEWS, PANELS, type PanelId } from './panels';
import { useEvent, useEventValue, useServices } from '../platform/services';
import { Splitter } from './Splitter';
import { StatusBar } from './StatusBar';
import { EditorArea } from './EditorArea';
import { Welcome } from './Welcome';
import { closeTab, cycleTab, kindFor, openTab, pinTab, renameTabs, reopenClosed, type TabsState } from './editorTabs';
import { untitledName } from './untitled';

const DEFAULTS: Settings = SettingsSchema.parse({});
const ICONS: Record<PanelId, LucideIcon> = {
  explorer: FolderTree,
  notebooks: NotebookPen,
  environments: Package,
  datasets: Database,
  jobs: Workflow,
  models: Box,
  deployments: Rocket,
  terminal: SquareTerminal,
  git: GitBranch,
};

/** The workbench shell: activity bar, side bar, editor area with tabs, status bar and command palette. */
export function Workbench() {
  const services = useServices();
  const state = useEventValue(services.connection.onDidChangeState, () => services.connection.state);
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const [version, setVersion] = useState<string>();
  const [python, setPython] = useState<{ path: string; version?: string }>();
  const [panel, setPanel] = useState<PanelId>(() => (sessionStorage.getItem('lathe.panel') as PanelId | null) ?? 'explorer');
  const [sidebarWidth, setSidebarWidth] = useState(DEFAULTS.layout.sidebarWidth);
  const [sidebarVisible, setSidebarVisible] = useState(true);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [notice, setNotice] = useState<string>();
  const terminals = useTerminals(services);
  const envs = useEnvs(services, panel === 'environments');
  const [creatingEnv, setCreatingEnv] = useState(false);
  const runs = useRuns(services, panel === 'jobs');
  const [creatingJob, setCreatingJob] = useState(false);
  const [tabs, setTabs] = useState<TabsState>({ tabs: [], closed: [] });
  const [dirty, setDirty] = useState<Set<string>>(() => new Set());
  const restored = useRef(false);
  const lastSavedTabs = useRef<string | undefined>(undefined);
  const closeRef = useRef<((path: string) => void) | undefined>(undefined);
  const saveRef = useRef<((path: string) => Promise<boolean>) | undefined>(undefined);

  const openEnvTerminal = useCallback(
    async (env: EnvDetail) => {
      // The foundation's env hook: the shell starts with the env's activation variables.
      const t = await terminals.create(undefined, { env: env.activation, title: `${env.name} (env)` });
      if (t) setPanel('terminal');
    },
    [terminals],
  );

  const applySettings = useCallback((s: Settings) => {
    setSettings(s);
    setSidebarWidth(s.layout.sidebarWidth);
    setSidebarVisible(s.layout.sidebarVisible);
    // Open tabs come back once per page load, from the core (they outlive a browser's storage on a new port).
    if (!restored.current) {
      restored.current = true;
      const paths = s.layout.tabs;
      const active = s.layout.activeTab && paths.includes(s.layout.activeTab) ? s.layout.activeTab : paths[0];
      lastSavedTabs.current = JSON.stringify([paths, active]);
      if (paths.length) setTabs({ tabs: paths.map((p) => ({ path: p, kind: kindFor(p), preview: false })), active, closed: [] });
    }
  }, []);
  useEffect(() => {
    if (state !== 'connected') return;
    void services.settings.get().then(applySettings);
    let retry: ReturnType<typeof setTimeout> | undefined;
    void services.status.get().then((s) => {
      setVersion(s.version);
      setPython(s.python);
      // The core finds the notebooks' Python on first use; ask again shortly if it was not known yet.
      if (!s.python) retry = setTimeout(() => void services.status.get().then((again) => setPython(again.python), () => undefined), 3000);
    });
    return () => clearTimeout(retry);
  }, [state, services, applySettings]);
  useEvent(services.settings.onDidChange, applySettings);
  useEffect(() => {
    document.documentElement.dataset.theme = settings.theme;
  }, [settings.theme]);
  useEffect(() => sessionStorage.setItem('lathe.panel', panel), [panel]);

  const update = useCallback((patch: SettingsPatch) => void services.settings.update(patch).then(setSettings), [services]);
  const toggleTheme = useCallback(() => update({ theme: settings.theme === 'dark' ? 'light' : 'dark' }), [update, settings.theme]);

  // Open tabs are saved (debounced) so a reload or a restart brings them back; previews are not kept.
  const tabsKey = JSON.stringify([tabs.tabs.filter((t) => !t.preview).map((t) => t.path), tabs.active]);
  useEffect(() => {
    if (!restored.current || state !== 'connected') return;
    if (lastSavedTabs.current === tabsKey) return;
    const t = setTimeout(() => {
      lastSavedTabs.current = tabsKey;
      const [paths, active] = JSON.parse(tabsKey) as [string[], string | undefined];
      void services.settings.update({ layout: { tabs: paths.slice(0, 100), activeTab: active && paths.includes(active) ? active : '' } }).catch(() => undefined);
    }, 300);
    return () => clearTimeout(t);
  }, [tabsKey, state, services]);

  const [focus, setFocus] = useState<{ path: string; n: number }>();
  const open = useCallback((path: string, preview = false) => {
    setTabs((s) => openTab(s, path, preview));
    if (!preview) setFocus((f) => ({ path, n: (f?.n ?? 0) + 1 }));
    setPanel((p) => (EDITOR_VIEWS.includes(p) ? p : 'explorer'));
  }, []);
  const setSidebar = useCallback(
    (v: boolean) => {
      setSidebarVisible(v);
      update({ layout: { sidebarVisible: v } });
    },
    [update],
  );
  const showPanel = useCallback(
    (id: PanelId) => {
      // As in VS Code, the active view's icon hides the side bar, and shows it again.
      if (id === panel) return setSidebar(!sidebarVisible);
      setPanel(id);
      if (!sidebarVisible) setSidebar(true);
    },
    [panel, sidebarVisible, setSidebar],
  );
  const createUntitled = useCallback(
    async (kind: 'notebook' | 'file') => {
      try {
        const listing = await services.files.list('');
        const name = untitledName(
          listing.entries.map((e) => e.name),
          kind === 'notebook' ? 'Untitled.ipynb' : 'untitled.txt',
        );
        if (kind === 'notebook') await services.notebookFiles.create(name);
        else await services.files.create(name, 'file');
        open(name);
      } catch (err) {
        setNotice(isAppError(err) ? err.message : String(err));
      }
    },
    [services, open],
  );

  const activeTab = tabs.active;
  const commands = useMemo<Command[]>(
    () => [
      { id: 'workbench.palette', title: 'Show All Commands', keys: 'F1', run: () => setPaletteOpen(true) },
      { id: 'theme.toggle', title: 'Theme: Toggle Dark/Light', run: toggleTheme },
      { id: 'theme.dark', title: 'Theme: Dark', run: () => update({ theme: 'dark' }) },
      { id: 'theme.light', title: 'Theme: Light', run: () => update({ theme: 'light' }) },
      { id: 'file.newNotebook', title: 'File: New Notebook', keys: 'Alt+Shift+N', run: () => createUntitled('notebook') },
      { id: 'file.newFile', title: 'File: New Text File', keys: 'Alt+N', run: () => createUntitled('file') },
      ...(activeTab
        ? [
            { id: 'file.save', title: 'File: Save', keys: 'Ctrl+S', run: () => void saveRef.current?.(activeTab) },
            { id: 'editor.close', title: 'View: Close Editor', keys: 'Alt+W', run: () => closeRef.current?.(activeTab) },
            { id: 'editor.next', title: 'View: Open Next Editor', keys: 'Alt+PageDown', run: () => setTabs((s) => cycleTab(s, 1)) },
            { id: 'editor.previous', title: 'View: Open Previous Editor', keys: 'Alt+PageUp', run: () => setTabs((s) => cycleTab(s, -1)) },
          ]
        : []),
      ...(tabs.closed.length ? [{ id: 'editor.reopen', title: 'View: Reopen Closed Editor', keys: 'Alt+Shift+T', run: () => setTabs((s) => reopenClosed(s)) }] : []),
      { id: 'workbench.settings', title: 'Preferences: Open Settings', keys: 'Ctrl+,', run: () => open(SETTINGS_TAB) },
      { id: 'view.toggleSidebar', title: 'View: Toggle Side Bar Visibility', keys: 'Ctrl+B', run: () => setSidebar(!sidebarVisible) },
      {
        id: 'terminal.new',
        title: 'Terminal: New Terminal',
        keys: 'Ctrl+Shift+`',
        run: async () => {
          setPanel('terminal');
          await terminals.create();
        },
      },
      ...(terminals.activeId ? [{ id: 'terminal.kill', title: 'Terminal: Kill Active Terminal', run: () => terminals.kill(terminals.activeId!) }] : []),
      ...PANELS.map((p) => ({ id: `view.${p.id}`, title: `View: Show ${p.title}`, ...(p.id === 'explorer' ? { keys: 'Ctrl+Shift+E' } : {}), run: () => setPanel(p.id) })),
    ],
    [toggleTheme, update, terminals, createUntitled, activeTab, tabs.closed.length, sidebarVisible, setSidebar, open],
  );
  const latestCommands = useRef(commands);
  latestCommands.current = commands;

  useEffect(() => {
    const run = (id: string) => void latestCommands.current.find((c) => c.id === id)?.run();
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      let id: string | undefined;
      if ((mod && e.shiftKey && e.code === 'KeyP') || (e.key === 'F1' && !mod && !e.altKey)) {
        e.preventDefault();
        e.stopPropagation();
        setPaletteOpen((o) => !o);
        return;
      }
      if (mod && !e.shiftKey && !e.altKey && e.code === 'KeyB') id = 'view.toggleSidebar';
      else if (mod && !e.shiftKey && !e.altKey && e.code === 'Comma') id = 'workbench.settings';
      else if (mod && e.shiftKey && e.code === 'KeyE') id = 'view.explorer';
      else if (mod && e.shiftKey && e.code === 'Backquote') id = 'terminal.new';
      else if (e.altKey && !mod && !e.shiftKey && e.code === 'KeyW') id = 'editor.close';
      else if (e.altKey && !mod && e.shiftKey && e.code === 'KeyT') id = 'editor.reopen';
      else if (e.altKey && !mod && e.shiftKey && e.code === 'KeyN') id = 'file.newNotebook';
      else if (e.altKey && !mod && !e.shiftKey && e.code === 'KeyN') id = 'file.newFile';
      else if (e.altKey && !mod && e.key === 'PageDown') id = 'editor.next';
      else if (e.altKey && !mod && e.key === 'PageUp') id = 'editor.previous';
      if (!id) return;
      e.preventDefault();
      e.stopPropagation();
      run(id);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const current = PANELS.find((p) => p.id === panel) ?? PANELS[0];
  const editorView = EDITOR_VIEWS.includes(current.id);
  if (state === 'unauthorised') {
    return (
      <main className="empty" role="alert" aria-label="Not authorised">
        <h1>Not authorised</h1>
        <p>This page's session is no longer valid for the Lathe core (it may have restarted with a new token). Open the URL with the token that `lathe serve` printed.</p>
      </main>
    );
  }
  const welcome = (
    <Welcome
      services={services}
      recent={tabs.closed.slice(0, 8)}
      onNewNotebook={() => void createUntitled('notebook')}
      onNewFile={() => void createUntitled('file')}
      onOpen={(p) => open(p)}
      onTerminal={() => void commands.find((c) => c.id === 'terminal.new')?.run()}
      onJobs={() => setPanel('jobs')}
      onExplorer={() => {
        setPanel('explorer');
        setSidebar(true);
      }}
    />
  );
  return (
    <div className="workbench">
      <div className="main-row">
        <nav className="activitybar" aria-label="Activity bar">
          {PANELS.map((p) => {
            const Icon = ICONS[p.id];
            return (
              <button key={p.id} aria-label={p.title} title={p.title} aria-pressed={p.id === panel} className={p.id === panel ? 'active' : ''} onClick={() => showPanel(p.id)}>
                <Icon size={22} strokeWidth={1.5} aria-hidden />
              </button>
            );
          })}
          <span className="spacer" />
          <button aria-label="Settings" title="Settings (Ctrl+,)" onClick={() => open(SETTINGS_TAB)}>
            <Settings2 size={22} strokeWidth={1.5} aria-hidden />
          </button>
        </nav>
        {sidebarVisible && (
          <>
            <aside className="sidebar" aria-label={`${current.title} side bar`} style={{ width: sidebarWidth }}>
              <h2 className="sidebar-title">{current.title}</h2>
              {current.id === 'explorer' && <Explorer services={services} host={{ onOpen: open, onMoved: (from, to) => setTabs((s) => renameTabs(s, from, to)), activePath: tabs.active }} />}
              {current.id === 'terminal' && <TerminalSideBar model={terminals} />}
              {current.id === 'notebooks' && <NotebookSideBar services={services} onOpen={(p) => open(p)} />}
              {current.id === 'environments' && <EnvSideBar model={envs} onCreate={() => setCreatingEnv(true)} python={python} />}
              {current.id === 'jobs' && <JobsSideBar model={runs} onNew={() => setCreatingJob(true)} secrets={services.secrets} />}
            </aside>
            <Splitter value={sidebarWidth} min={120} max={800} label="Resize side bar" onChange={setSidebarWidth} onCommit={(v) => update({ layout: { sidebarWidth: v } })} />
          </>
        )}
        <main className="editor" aria-label={editorView ? 'Editors' : current.title}>
          {notice && (
            <div role="alert" className="banner error">
              {notice} <button onClick={() => setNotice(undefined)}>Dismiss</button>
            </div>
          )}
          <div hidden={!editorView} className="fill">
            <EditorArea
              services={services}
              state={tabs}
              theme={settings.theme}
              settings={settings}
              dirty={dirty}
              onDirtyChange={(p, d) =>
                setDirty((s) => {
                  if (s.has(p) === d) return s;
                  const n = new Set(s);
                  if (d) n.add(p);
                  else n.delete(p);
                  return n;
                })
              }
              onActivate={(p) => setTabs((s) => ({ ...s, active: p }))}
              onClose={(p) => {
                setTabs((s) => closeTab(s, p));
                setDirty((s) => {
                  const n = new Set(s);
                  n.delete(p);
                  return n;
                });
              }}
              onPin={(p) => setTabs((s) => pinTab(s, p))}
              empty={welcome}
              closeRef={closeRef}
              saveRef={saveRef}
              focus={focus}
            />
          </div>
          <div hidden={current.id !== 'terminal'} className="fill">
            <TerminalPanel model={terminals} services={services} settings={settings} />
          </div>
          {current.id === 'environments' && <EnvPanel services={services} model={envs} creating={creatingEnv} onCloseCreate={() => setCreatingEnv(false)} onOpenTerminal={(e) => void openEnvTerminal(e)} />}
          {current.id === 'jobs' && <JobsPanel services={services} model={runs} creating={creatingJob} onCloseCreate={() => setCreatingJob(false)} />}
          {!current.ready && <NotBuiltPanel title={current.title} />}
        </main>
      </div>
      <StatusBar state={state} version={version} theme={settings.theme} onToggleTheme={toggleTheme} python={python} />
      {paletteOpen && <CommandPalette commands={commands} onClose={() => setPaletteOpen(false)} />}
    </div>
  );
}
