import { useCallback, useEffect, useMemo, useState } from 'react';
import { SettingsSchema, type Settings, type SettingsPatch } from '../../main/common/settings';
import { NotBuiltPanel } from '../panels/placeholder/NotBuiltPanel';
import { NotebookPanel, NotebookSideBar } from '../panels/notebooks/NotebookPanel';
import { TerminalPanel, TerminalSideBar } from '../panels/terminal/TerminalPanel';
import { useTerminals } from '../panels/terminal/useTerminals';
import { EnvPanel } from '../panels/envs/EnvPanel';
import { EnvSideBar } from '../panels/envs/EnvSideBar';
import { useEnvs } from '../panels/envs/useEnvs';
import { JobsPanel } from '../panels/jobs/JobsPanel';
import { JobsSideBar } from '../panels/jobs/JobsSideBar';
import { useRuns } from '../panels/jobs/useRuns';
import type { EnvDetail } from '../../main/common/envs';
import { CommandPalette } from './CommandPalette';
import type { Command } from './commands';
import { PANELS, type PanelId } from './panels';
import { useEvent, useEventValue, useServices } from '../platform/services';
import { Splitter } from './Splitter';
import { StatusBar } from './StatusBar';

const DEFAULTS: Settings = SettingsSchema.parse({});

/** The workbench shell: activity bar, side bar, editor area, status bar and command palette. */
export function Workbench() {
  const services = useServices();
  const state = useEventValue(services.connection.onDidChangeState, () => services.connection.state);
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const [version, setVersion] = useState<string>();
  const [panel, setPanel] = useState<PanelId>(() => (sessionStorage.getItem('lathe.panel') as PanelId | null) ?? 'terminal');
  const [sidebarWidth, setSidebarWidth] = useState(DEFAULTS.layout.sidebarWidth);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const terminals = useTerminals(services);
  const envs = useEnvs(services, panel === 'environments');
  const [creatingEnv, setCreatingEnv] = useState(false);
  const runs = useRuns(services, panel === 'jobs');
  const [creatingJob, setCreatingJob] = useState(false);
  const openEnvTerminal = useCallback(
    async (env: EnvDetail) => {
      // The foundation's env hook: the shell starts with the env's activation variables.
      const t = await terminals.create(undefined, { env: env.activation, title: `${env.name} (env)` });
      if (t) setPanel('terminal');
    },
    [terminals],
  );
  const [notebook, setNotebook] = useState<string | undefined>(() => sessionStorage.getItem('lathe.notebook') ?? undefined);
  useEffect(() => (notebook ? sessionStorage.setItem('lathe.notebook', notebook) : undefined), [notebook]);

  useEffect(() => {
    if (state !== 'connected') return;
    void services.settings.get().then((s) => {
      setSettings(s);
      setSidebarWidth(s.layout.sidebarWidth);
    });
    void services.status.get().then((s) => setVersion(s.version));
  }, [state, services]);
  useEvent(services.settings.onDidChange, (s) => {
    setSettings(s);
    setSidebarWidth(s.layout.sidebarWidth);
  });
  useEffect(() => {
    document.documentElement.dataset.theme = settings.theme;
  }, [settings.theme]);
  useEffect(() => sessionStorage.setItem('lathe.panel', panel), [panel]);

  const update = useCallback((patch: SettingsPatch) => void services.settings.update(patch).then(setSettings), [services]);
  const toggleTheme = useCallback(() => update({ theme: settings.theme === 'dark' ? 'light' : 'dark' }), [update, settings.theme]);

  const commands = useMemo<Command[]>(
    () => [
      { id: 'theme.toggle', title: 'Theme: Toggle Dark/Light', run: toggleTheme },
      { id: 'theme.dark', title: 'Theme: Dark', run: () => update({ theme: 'dark' }) },
      { id: 'theme.light', title: 'Theme: Light', run: () => update({ theme: 'light' }) },
      {
        id: 'terminal.new',
        title: 'Terminal: New Terminal',
        run: async () => {
          setPanel('terminal');
          await terminals.create();
        },
      },
      ...(terminals.activeId ? [{ id: 'terminal.kill', title: 'Terminal: Kill Active Terminal', run: () => terminals.kill(terminals.activeId!) }] : []),
      ...PANELS.map((p) => ({ id: `view.${p.id}`, title: `View: Show ${p.title}`, run: () => setPanel(p.id) })),
    ],
    [toggleTheme, update, terminals],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.code === 'KeyP') {
        e.preventDefault();
        e.stopPropagation();
        setPaletteOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const current = PANELS.find((p) => p.id === panel) ?? PANELS[0];
  if (state === 'unauthorised') {
    return (
      <main className="empty" role="alert" aria-label="Not authorised">
        <h1>Not authorised</h1>
        <p>This page's session is no longer valid for the Lathe core (it may have restarted with a new token). Open the URL with the token that `lathe serve` printed.</p>
      </main>
    );
  }
  return (
    <div className="workbench">
      <div className="main-row">
        <nav className="activitybar" aria-label="Activity bar">
          {PANELS.map((p) => (
            <button key={p.id} aria-label={p.title} title={p.title} aria-pressed={p.id === panel} className={p.id === panel ? 'active' : ''} onClick={() => setPanel(p.id)}>
              <span aria-hidden="true" className="monogram">
                {p.icon}
              </span>
            </button>
          ))}
        </nav>
        <aside className="sidebar" aria-label={`${current.title} side bar`} style={{ width: sidebarWidth }}>
          <h2 className="sidebar-title">{current.title}</h2>
          {current.id === 'terminal' && <TerminalSideBar model={terminals} />}
          {current.id === 'notebooks' && <NotebookSideBar services={services} onOpen={setNotebook} />}
          {current.id === 'environments' && <EnvSideBar model={envs} onCreate={() => setCreatingEnv(true)} />}
          {current.id === 'jobs' && <JobsSideBar model={runs} onNew={() => setCreatingJob(true)} secrets={services.secrets} />}
        </aside>
        <Splitter value={sidebarWidth} min={120} max={800} label="Resize side bar" onChange={setSidebarWidth} onCommit={(v) => update({ layout: { sidebarWidth: v } })} />
        <main className="editor" aria-label={current.title}>
          <div hidden={current.id !== 'terminal'} className="fill">
            <TerminalPanel model={terminals} services={services} settings={settings} />
          </div>
          <div hidden={current.id !== 'notebooks'} className="fill">
            {notebook ? <NotebookPanel key={notebook} services={services} path={notebook} theme={settings.theme} /> : <div className="empty">Open or create a notebook from the side bar.</div>}
          </div>
          {current.id === 'environments' && <EnvPanel services={services} model={envs} creating={creatingEnv} onCloseCreate={() => setCreatingEnv(false)} onOpenTerminal={(e) => void openEnvTerminal(e)} />}
          {current.id === 'jobs' && <JobsPanel services={services} model={runs} creating={creatingJob} onCloseCreate={() => setCreatingJob(false)} />}
          {!['terminal', 'notebooks', 'environments', 'jobs'].includes(current.id) && <NotBuiltPanel title={current.title} />}
        </main>
      </div>
      <StatusBar state={state} version={version} theme={settings.theme} onToggleTheme={toggleTheme} />
      {paletteOpen && <CommandPalette commands={commands} onClose={() => setPaletteOpen(false)} />}
    </div>
  );
}
