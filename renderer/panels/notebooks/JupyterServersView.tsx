import { useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { JupyterServerStatus, RemoteServerInfo } from '../../../main/common/kernels';
import type { Services } from '../../platform/services';

const STATE_TEXT: Record<RemoteServerInfo['state'], string> = { unknown: 'checking…', connected: 'connected', unreachable: 'unreachable, retrying', rejected: 'token rejected' };

/**
 * The Jupyter servers kernels can run on: this machine's (supervised by the core) and the remote ones the user
 * added by URL and token. States update live: a server that drops says so, and says so again when it is back.
 */
export function JupyterServersView({ services }: { services: Services }) {
  const [local, setLocal] = useState<JupyterServerStatus>();
  const [remotes, setRemotes] = useState<RemoteServerInfo[]>([]);
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    void services.kernels.server().then(setLocal, () => undefined);
    void services.kernels.remoteServers().then(setRemotes, () => undefined);
    const a = services.kernels.onDidChangeServer(setLocal);
    const b = services.kernels.onDidChangeRemoteServers(setRemotes);
    return () => (a.dispose(), b.dispose());
  }, [services]);
  const add = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await services.kernels.addServer({ url: url.trim(), ...(token ? { token } : {}), ...(name.trim() ? { name: name.trim() } : {}) });
      setUrl('');
      setToken('');
      setName('');
      setRemotes(await services.kernels.remoteServers());
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="jupyter-servers" aria-label="Jupyter servers">
      <h3 className="sidebar-title">Jupyter servers</h3>
      <ul className="server-list">
        <li>
          <strong>This machine</strong> <span className="muted">{local ? describeLocal(local) : '…'}</span>
        </li>
        {remotes.map((r) => (
          <li key={r.id} aria-label={`Server ${r.name}`}>
            <strong title={r.url}>{r.name}</strong>{' '}
            <span role="status" aria-label={`${r.name} state`} className={r.state === 'connected' ? 'muted' : 'error'}>
              {STATE_TEXT[r.state]}
            </span>
            {r.detail && <div className={r.state === 'connected' ? 'muted small' : 'error small'}>{r.detail}</div>}
            <button type="button" aria-label={`Remove server ${r.name}`} onClick={() => void services.kernels.removeServer(r.id).catch((err: Error) => setError(err.message))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <details>
        <summary>Add a server</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label className="stack">
            URL
            <input aria-label="Server URL" placeholder="https://hub.example.com/user/NAME/ or http://host:8888/?token=…" value={url} onChange={(e) => setUrl(e.target.value)} spellCheck={false} />
          </label>
          <label className="stack">
            Token (unless in the URL)
            <input aria-label="Server token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
          </label>
          <label className="stack">
            Name (optional)
            <input aria-label="Server name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="submit" disabled={!url.trim() || busy}>
            {busy ? 'Checking…' : 'Add server'}
          </button>
          <p className="muted small">The token is kept encrypted in the core&apos;s secret store, never in settings.</p>
        </form>
      </details>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

function describeLocal(s: JupyterServerStatus): string {
  switch (s.state) {
    case 'running':
      return 'running';
    case 'restarting':
      return `restarting (${s.reason})`;
    case 'failed':
      return `failed: ${s.reason}`;
    default:
      return s.state === 'stopped' ? 'starts on first use' : s.state;
  }
}
