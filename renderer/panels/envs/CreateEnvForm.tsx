import { useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { PublishedEnv } from '../../../main/common/envs';
import type { EnvOperationDraft } from '../../../main/common/envs';
import type { Services } from '../../platform/services';
import { EnvOperationView } from './EnvOperationView';

const split = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** New env: from a name, python version, packages and channels, or from a pasted environment.yml. */
export function CreateEnvForm({ services, onClose, onCreated }: { services: Services; onClose: () => void; onCreated: (prefix?: string) => void }) {
  const [mode, setMode] = useState<'specs' | 'file' | 'registry'>('specs');
  const [name, setName] = useState('');
  const [python, setPython] = useState('3.12');
  const [packages, setPackages] = useState('ipykernel');
  const [channels, setChannels] = useState('');
  const [file, setFile] = useState('');
  const [offline, setOffline] = useState(false);
  const common = { ...(split(channels).length ? { channels: split(channels) } : {}), ...(offline ? { offline: true } : {}) };
  const operation: EnvOperationDraft | undefined =
    mode === 'specs'
      ? name
        ? { op: 'create', name, packages: [...(python ? [`python=${python}`] : []), ...split(packages)], ...common }
        : undefined
      : file.trim()
        ? { op: 'createFromFile', ...(name ? { name } : {}), file, ...common }
        : undefined;
  return (
    <div className="env-create" role="form" aria-label="New environment">
      <header className="env-header">
        <h2>New environment</h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="row" role="radiogroup" aria-label="Create from">
        <label className="check">
          <input type="radio" checked={mode === 'specs'} onChange={() => setMode('specs')} /> Packages
        </label>
        <label className="check">
          <input type="radio" checked={mode === 'file'} onChange={() => setMode('file')} /> environment.yml
        </label>
        <label className="check">
          <input type="radio" checked={mode === 'registry'} onChange={() => setMode('registry')} /> Published env
        </label>
      </div>
      {mode === 'registry' && <RegistryList services={services} onInstalled={onCreated} />}
      {mode !== 'registry' && (
        <>
      <label className="stack">
        Name{mode === 'file' && <span className="muted"> (optional: the file's name is used otherwise)</span>}
        <input aria-label="Environment name" value={name} onChange={(e) => setName(e.target.value.trim())} spellCheck={false} />
      </label>
      {mode === 'specs' ? (
        <>
          <label className="stack">
            Python version
            <input aria-label="Python version" value={python} onChange={(e) => setPython(e.target.value.trim())} />
          </label>
          <label className="stack">
            Packages
            <input aria-label="Packages to install" value={packages} onChange={(e) => setPackages(e.target.value)} spellCheck={false} />
          </label>
        </>
      ) : (
        <label className="stack">
          environment.yml
          <textarea aria-label="environment.yml" rows={10} value={file} onChange={(e) => setFile(e.target.value)} spellCheck={false} />
        </label>
      )}
      <label className="stack">
        Extra channels <span className="muted">(names or file:// URLs; the settings' channels are always added)</span>
        <input aria-label="Channels" value={channels} onChange={(e) => setChannels(e.target.value)} spellCheck={false} />
      </label>
      <label className="check">
        <input type="checkbox" checked={offline} onChange={(e) => setOffline(e.target.checked)} /> Offline (use only cached packages and local channels)
      </label>
      <EnvOperationView services={services} operation={operation} applyLabel="Create" onDone={(r) => onCreated(r.prefix)} />
        </>
      )}
    </div>
  );
}

let nextOp = 1;

/** The registry's envs, each installable under a name (its sha256 is checked first). */
function RegistryList({ services, onInstalled }: { services: Services; onInstalled: (prefix?: string) => void }) {
  const [list, setList] = useState<PublishedEnv[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    services.envs.listPublished().then(setList, (err: unknown) => setError(isAppError(err) ? err.message : String(err)));
  }, [services]);
  const install = async (e: PublishedEnv) => {
    const ref = `${e.slug}@${e.version}`;
    setBusy(ref);
    setError(undefined);
    try {
      const r = await services.envs.installPublished({ opId: `ui-install-${nextOp++}`, ref, name: names[ref] || e.slug });
      onInstalled(r.prefix);
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    } finally {
      setBusy(undefined);
    }
  };
  if (!list) return <p className="muted">{error ?? 'Reading the registry…'}</p>;
  return (
    <div className="stack">
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {list.length === 0 && <p className="muted">Nothing is published yet. Publish an env from its Share tab.</p>}
      <table className="pkg-table" aria-label="Published environments">
        <thead>
          <tr>
            <th>Env</th>
            <th>Python</th>
            <th>Size</th>
            <th>sha256</th>
            <th>Install as</th>
          </tr>
        </thead>
        <tbody>
          {list.map((e) => {
            const ref = `${e.slug}@${e.version}`;
            return (
              <tr key={e.sha256}>
                <td>{ref}</td>
                <td>{e.python ?? '—'}</td>
                <td>{(e.archiveBytes / 1e6).toFixed(1)} MB</td>
                <td>
                  <code>{e.sha256.slice(0, 12)}</code>
                </td>
                <td>
                  <input aria-label={`Install ${ref} as`} value={names[ref] ?? e.slug} onChange={(ev) => setNames({ ...names, [ref]: ev.target.value.trim() })} size={14} />{' '}
                  <button type="button" disabled={!!busy} onClick={() => void install(e)}>
                    {busy === ref ? 'Installing…' : `Install ${ref}`}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
