import { useState } from 'react';
import type { Settings } from '../../../main/common/settings';
import type { Services } from '../../platform/services';
import { getDesktopHost } from '../../platform/desktopBridge';
import { TerminalView } from './TerminalView';
import type { TerminalsModel } from './useTerminals';

/** The terminal side bar: a working-directory chooser, the new-terminal button and the list of terminals. */
export function TerminalSideBar({ model }: { model: TerminalsModel }) {
  const [cwd, setCwd] = useState('');
  const desktop = getDesktopHost();
  return (
    <div className="side-section">
      <form
        className="new-terminal"
        onSubmit={(e) => {
          e.preventDefault();
          void model.create(cwd);
        }}
      >
        <label htmlFor="terminal-cwd">Working directory</label>
        <div className="row">
          <input id="terminal-cwd" type="text" placeholder="home folder" value={cwd} onChange={(e) => setCwd(e.target.value)} spellCheck={false} />
          {desktop && (
            <button type="button" aria-label="Browse for working directory" onClick={() => void desktop.pickDirectory('Working directory').then((d) => d && setCwd(d))}>
              …
            </button>
          )}
        </div>
        <button type="submit">New terminal</button>
      </form>
      {model.error && (
        <p role="alert" className="error">
          {model.error}
        </p>
      )}
      <ul aria-label="Terminals" className="terminal-list">
        {model.terminals.map((t) => (
          <li key={t.id} className={t.id === model.activeId ? 'active' : ''}>
            <button aria-label={`Show terminal ${t.title} (${t.id})`} aria-current={t.id === model.activeId} onClick={() => model.setActiveId(t.id)}>
              {t.title} <span className="muted">{t.id}</span>
              {t.exit && <span className="muted"> (exited {t.exit.code})</span>}
            </button>
            <button aria-label={`Kill terminal ${t.id}`} title="Kill" onClick={() => void model.kill(t.id)}>
              ✕
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The terminal editor area: every terminal stays mounted (so its stream and scrollback stay live), one is shown. */
export function TerminalPanel({ model, services, settings }: { model: TerminalsModel; services: Services; settings: Settings }) {
  if (!model.terminals.length) {
    return (
      <div className="empty">
        <p>No terminals. Start one with “New terminal” or the command palette (Ctrl+Shift+P).</p>
      </div>
    );
  }
  return (
    <div className="terminals">
      {model.terminals.map((t) => (
        <TerminalView
          key={t.id}
          id={t.id}
          title={t.title}
          service={services.terminal}
          visible={t.id === model.activeId}
          theme={settings.theme}
          fontSize={settings.terminal.fontSize}
          scrollback={settings.terminal.scrollback}
        />
      ))}
    </div>
  );
}
