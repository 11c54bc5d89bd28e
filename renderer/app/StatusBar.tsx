import type { ConnectionState } from '../platform/connection';

const LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  unauthorised: 'Not authorised',
};

/** Connection state, core version and theme, always visible at the bottom. */
export function StatusBar({ state, version, theme, onToggleTheme, python }: { state: ConnectionState; version?: string; theme: string; onToggleTheme: () => void; python?: { path: string; version?: string } }) {
  return (
    <footer className="statusbar" aria-label="Status bar">
      <span role="status" aria-label="Connection" className={`conn conn-${state}`}>
        ● {LABEL[state]}
      </span>
      <span aria-label="Core version">{version ? `Lathe core ${version}` : ''}</span>
      <span className="spacer" />
      {python && (
        <span aria-label="Python" title={`Notebooks and script jobs run ${python.path}`}>
          Python {python.version ?? ''} <span className="muted">{python.path}</span>
        </span>
      )}
      <button aria-label={`Theme: ${theme}. Switch theme`} onClick={onToggleTheme}>
        {theme === 'dark' ? '☾ Dark' : '☀ Light'}
      </button>
    </footer>
  );
}
