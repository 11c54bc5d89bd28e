import { useEffect, useState } from 'react';
import { BookOpen, FilePlus, FolderTree, NotebookPen, SquareTerminal, Workflow } from 'lucide-react';
import type { ServiceState } from '../../main/common/status';
import type { Services } from '../platform/services';

/**
 * The first thing a new user sees (and what an empty editor area shows): what Lathe is, how to start, the files opened
 * lately, and what this machine has or lacks, with the command that installs what is missing.
 */
export function Welcome(props: { services: Services; recent: string[]; onNewNotebook(): void; onNewFile(): void; onOpen(path: string): void; onTerminal(): void; onJobs(): void; onExplorer(): void }) {
  const [services, setServices] = useState<ServiceState[]>();
  useEffect(() => {
    void props.services.status.get().then(
      (s) => setServices(s.services),
      () => setServices([]),
    );
  }, [props.services]);
  const jupyter = services?.find((s) => s.name === 'kernels');
  return (
    <section className="welcome" aria-label="Welcome">
      <h1>Lathe</h1>
      <p className="muted">A workbench for the whole model lifecycle: notebooks on Jupyter kernels, conda environments, jobs with live logs and metrics, and a terminal — on this machine, offline if need be.</p>
      <div className="welcome-columns">
        <div>
          <h2>Start</h2>
          <ul className="welcome-actions">
            <li>
              <button className="link" onClick={props.onNewNotebook}>
                <NotebookPen size={16} aria-hidden /> New notebook
              </button>
            </li>
            <li>
              <button className="link" onClick={props.onNewFile}>
                <FilePlus size={16} aria-hidden /> New file
              </button>
            </li>
            <li>
              <button className="link" onClick={props.onExplorer}>
                <FolderTree size={16} aria-hidden /> Browse the workspace
              </button>
            </li>
            <li>
              <button className="link" onClick={props.onTerminal}>
                <SquareTerminal size={16} aria-hidden /> Open a terminal
              </button>
            </li>
            <li>
              <button className="link" onClick={props.onJobs}>
                <Workflow size={16} aria-hidden /> Run a script as a job
              </button>
            </li>
          </ul>
          <h2>Recent</h2>
          {props.recent.length ? (
            <ul className="welcome-recent" aria-label="Recent files">
              {props.recent.map((p) => (
                <li key={p}>
                  <button className="link" onClick={() => props.onOpen(p)}>
                    {p}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Files you open and close appear here.</p>
          )}
        </div>
        <div>
          <h2>This machine</h2>
          {!services ? (
            <p className="muted">Checking…</p>
          ) : (
            <ul className="welcome-health" aria-label="What is installed">
              {jupyter && (
                <li className={jupyter.state === 'ready' ? 'ok' : 'error'}>
                  {jupyter.state === 'ready' ? '✓ Jupyter Server: notebooks can run' : `✗ Jupyter Server is missing: ${jupyter.detail ?? ''}`}
                </li>
              )}
              {services
                .filter((s) => s.state !== 'ready' && s.name !== 'kernels')
                .map((s) => (
                  <li key={s.name} className="error">
                    ✗ {s.name}: {s.detail}
                  </li>
                ))}
              {services.every((s) => s.state === 'ready') && <li className="ok">✓ Every core service is ready</li>}
            </ul>
          )}
          <h2>Keys</h2>
          <ul className="welcome-keys">
            <li>
              <kbd>F1</kbd> or <kbd>Ctrl+Shift+P</kbd> every command
            </li>
            <li>
              <kbd>Ctrl+B</kbd> show or hide the side bar
            </li>
            <li>
              <kbd>Shift+Enter</kbd> run a cell and move on
            </li>
          </ul>
          <p>
            <BookOpen size={14} aria-hidden /> The README that came with Lathe explains setup, the CLI (<code>lathe</code>) and the server mode.
          </p>
        </div>
      </div>
    </section>
  );
}
