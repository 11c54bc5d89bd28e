import { useEffect, useId, useRef, useState } from 'react';
import { loadMonaco } from '../../shared/monaco';
import { isAppError } from '../../../main/common/errors';
import type { KernelSpecInfo } from '../../../main/common/kernels';
import type { Services } from '../../platform/services';
import { NotebookEditor } from './NotebookEditor';
import { JupyterServersView } from './JupyterServersView';
import { VariablesView } from './VariablesView';
import { useNotebookSession } from './useNotebookSession';

/** The notebooks side bar: open or create a notebook by its path in the workspace. */
export function NotebookSideBar({ services, onOpen }: { services: Services; onOpen(path: string): void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<string>();
  const withName = () => {
    const p = path.trim();
    return p.endsWith('.ipynb') ? p : `${p}.ipynb`;
  };
  return (
    <div className="side-section">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setError(undefined);
          onOpen(withName());
        }}
      >
        <label htmlFor="notebook-path">Notebook path (in the workspace)</label>
        <input id="notebook-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="analysis.ipynb" spellCheck={false} />
        <div className="row">
          <button type="submit" disabled={!path.trim()}>
            Open
          </button>
          <button
            type="button"
            disabled={!path.trim()}
            onClick={() => {
              setError(undefined);
              services.notebookFiles.create(withName()).then(
                (nb) => onOpen(nb.path),
                (err) => setError(isAppError(err) ? err.message : String(err)),
              );
            }}
          >
            New notebook
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <JupyterServersView services={services} />
    </div>
  );
}

/** What a notebook tells the tab it is in (the workbench's editor area). */
export interface NotebookHost {
  onDirtyChange(dirty: boolean): void;
  registerSave(save: () => Promise<boolean>): void;
}

/** One open notebook: toolbar, messages and the cell editor. */
export function NotebookPanel({ services, path, theme, host, visible = true }: { services: Services; path: string; theme: 'dark' | 'light'; host?: NotebookHost; visible?: boolean }) {
  const session = useNotebookSession(services, path);
  const latestSave = useRef(session.save);
  latestSave.current = session.save;
  const latestHost = useRef(host);
  latestHost.current = host;
  useEffect(() => {
    latestHost.current?.registerSave(() => latestSave.current());
  }, []);
  useEffect(() => {
    latestHost.current?.onDirtyChange(session.dirty);
  }, [session.dirty]);
  // Coming back to the notebook's tab puts the focus back where it was: the cell being edited, else the cell list.
  const root = useRef<HTMLDivElement>(null);
  const wasVisible = useRef(visible);
  useEffect(() => {
    if (visible && !wasVisible.current) {
      requestAnimationFrame(() => {
        const el = root.current;
        const target = el?.querySelector<HTMLElement>('.cell-editor [role="textbox"]') ?? el?.querySelector<HTMLElement>('.cell-editor textarea') ?? el?.querySelector<HTMLElement>('.notebook-cells');
        target?.focus();
      });
    }
    wasVisible.current = visible;
  }, [visible]);
  // Fetch the editor while the notebook loads, so the first keystrokes of the first edit are not lost.
  useEffect(() => void loadMonaco().catch(() => undefined), []);
  const [answer, setAnswer] = useState('');
  const [active, setActive] = useState(0);
  const [showVariables, setShowVariables] = useState(false);
  const inputBox = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const focusBefore = useRef<Element | null>(null);
  // The prompt takes focus when it appears and gives it back (usually to the cell editor) once answered.
  useEffect(() => {
    if (!session.input) return;
    focusBefore.current = document.activeElement;
    inputBox.current?.focus();
  }, [session.input]);
  const answerPrompt = () => {
    void session.answerInput(answer);
    setAnswer('');
    const back = focusBefore.current;
    if (back instanceof HTMLElement && back.isConnected) requestAnimationFrame(() => back.focus());
  };
  return (
    <div className="notebook" ref={root}>
      <div className="notebook-toolbar" role="toolbar" aria-label="Notebook">
        <span className="notebook-title" aria-label="Notebook file">
          {path}
          {session.dirty && (
            <span className="dirty" aria-label="unsaved changes" title="Unsaved changes">
              {' ●'}
            </span>
          )}
        </span>
        <button onClick={() => void session.save()}>Save</button>
        <button onClick={() => session.doc && session.run(session.doc.cells.map((c) => c.key))}>Run all</button>
        <button onClick={() => session.doc && session.run(session.doc.cells.slice(0, active).map((c) => c.key))}>Run above</button>
        <button onClick={() => session.doc && session.run(session.doc.cells.slice(active).map((c) => c.key))}>Run below</button>
        <button onClick={() => void session.interrupt()}>Interrupt</button>
        <button onClick={() => void session.restart()}>Restart kernel</button>
        <button onClick={() => void session.restartAndRunAll()}>Restart and run all</button>
        <button onClick={() => session.clearOutputs()}>Clear outputs</button>
        <button aria-pressed={showVariables} onClick={() => setShowVariables((v) => !v)}>
          Variables
        </button>
        <span className="spacer" />
        <KernelPicker services={services} session={session} />
        <span role="status" aria-label="Kernel status" className={`kernel-${session.kernelStatus}`}>
          Kernel: {session.kernelStatus === 'none' ? 'not started' : session.kernelStatus}
        </span>
      </div>
      {session.notice && (
        <div role="status" className="banner">
          {session.notice}
        </div>
      )}
      {session.error && (
        <div role="alert" className="banner error">
          {session.error}
          {session.conflict && (
            <>
              {' '}
              <button onClick={() => void session.reload()}>Reload from disk</button> <button onClick={() => void session.save(true)}>Overwrite</button>
            </>
          )}
        </div>
      )}
      <div className="notebook-main">
        <NotebookEditor
          session={session}
          theme={theme}
          onActiveChange={setActive}
          // An input() prompt sits under the cell that asked, as in JupyterLab.
          below={(key) =>
            session.input?.cellKey === key && (
                <form
                  className="stdin-prompt"
                  // Keys typed here are the answer, not notebook commands (a, b, dd… in command mode).
                  onKeyDown={(e) => e.stopPropagation()}
                  onSubmit={(e) => {
                    e.preventDefault();
                    answerPrompt();
                  }}
                >
                  <label htmlFor={inputId}>{session.input.prompt || 'Input requested'}</label>
                  <input id={inputId} ref={inputBox} type={session.input.password ? 'password' : 'text'} value={answer} onChange={(e) => setAnswer(e.target.value)} />
                  <button type="submit">Send</button>
                </form>
            )
          }
        />
        {showVariables && <VariablesView session={session} />}
      </div>
    </div>
  );
}

/** Picks the notebook's kernel among every kernelspec every server offers, grouped by server. */
function KernelPicker({ services, session }: { services: Services; session: ReturnType<typeof useNotebookSession> }) {
  const [specs, setSpecs] = useState<KernelSpecInfo[]>([]);
  useEffect(() => {
    const load = () => services.kernels.specs().then(setSpecs, () => setSpecs([]));
    void load();
    // A server added, lost or back changes what is on offer.
    const d = services.kernels.onDidChangeRemoteServers(() => void load());
    return () => d.dispose();
  }, [services]);
  const name = ((session.doc?.rest.metadata as { kernelspec?: { name?: string } } | undefined)?.kernelspec?.name) ?? 'python3';
  const current = `${session.kernelServer ?? 'local'}\u0000${name}`;
  const groups = new Map<string, KernelSpecInfo[]>();
  for (const s of specs) groups.set(s.serverName, [...(groups.get(s.serverName) ?? []), s]);
  const key = (s: KernelSpecInfo) => `${s.server}\u0000${s.name}`;
  return (
    <label className="kernel-picker">
      Kernel{' '}
      <select
        aria-label="Kernel"
        value={current}
        onChange={(e) => {
          const spec = specs.find((s) => key(s) === e.target.value);
          if (spec) void session.changeKernel(spec);
        }}
      >
        {!specs.some((s) => key(s) === current) && <option value={current}>{name}</option>}
        {[...groups].map(([server, list]) => (
          <optgroup key={server} label={server}>
            {list.map((s) => (
              <option key={key(s)} value={key(s)}>
                {groups.size > 1 ? `${s.displayName} (${server})` : s.displayName}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}
