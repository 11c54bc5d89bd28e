import { useMemo, useState } from 'react';
import { useServices } from '../../platform/services';
import type { EnvsModel } from './useEnvs';
import { formatBytes } from './useEnvs';

/** The env list: search, a Jupyter filter, the default tool, refresh, and a button for a new env. */
export function EnvSideBar({ model, onCreate, python }: { model: EnvsModel; onCreate: () => void; python?: { path: string; version?: string } }) {
  const [query, setQuery] = useState('');
  const [kernelsOnly, setKernelsOnly] = useState(false);
  const list = model.list;
  const envs = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (list?.envs ?? []).filter((e) => (!kernelsOnly || e.hasIpykernel) && (!q || e.name.toLowerCase().includes(q) || e.prefix.toLowerCase().includes(q)));
  }, [list, query, kernelsOnly]);
  return (
    <div className="side-section env-side">
      <div className="row">
        <button type="button" onClick={onCreate}>
          New environment
        </button>
        <button type="button" aria-label="Refresh environments" title="Scan again" onClick={() => void model.refresh()}>
          ⟳
        </button>
      </div>
      <input type="search" aria-label="Search environments" placeholder="Search by name or path" value={query} onChange={(e) => setQuery(e.target.value)} spellCheck={false} />
      <label className="check">
        <input type="checkbox" checked={kernelsOnly} onChange={(e) => setKernelsOnly(e.target.checked)} /> Only envs with a Jupyter kernel
      </label>
      {model.error && (
        <p role="alert" className="error">
          {model.error}
        </p>
      )}
      {!list && !model.error && <p className="muted">Looking for conda environments…</p>}
      {list && list.installations.length === 0 && (
        <p role="note" className="muted">
          No conda, mamba or micromamba found. Install Miniforge (conda-forge.org/download) or set CONDA_EXE, then refresh.
        </p>
      )}
      {list && list.installations.length === 0 && python && (
        <p role="note" aria-label="Python in use">
          {`Notebooks and script jobs run Python ${python.version ?? ''} at ${python.path} (the Python that runs Jupyter).`}
        </p>
      )}
      {list && list.installations.length > 0 && (
        <label className="stack">
          Tool for changes
          <select aria-label="Tool for changes" value={list.defaultExe} onChange={(e) => void model.setDefault(e.target.value)}>
            {list.installations.map((i) => (
              <option key={i.exe} value={i.exe}>
                {i.tool} {i.version ?? ''} — {i.exe}
              </option>
            ))}
          </select>
        </label>
      )}
      <EnvSettings />
      <ul aria-label="Environments" className="env-list">
        {envs.map((e) => (
          <li key={e.prefix}>
            <button type="button" aria-label={`Environment ${e.name}`} aria-current={e.prefix === model.selected} className={e.prefix === model.selected ? 'active' : ''} title={e.prefix} onClick={() => model.select(e.prefix)}>
              <span className="env-name">{e.name}</span>
              <span className="muted">
                {e.python ? `py ${e.python}` : 'no python'}
                {e.hasIpykernel ? ' · kernel' : ''} · {formatBytes(e.sizeBytes)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {list?.refreshing && <p className="muted">Refreshing…</p>}
    </div>
  );
}

/** Channels, offline mode and the registry folder: the settings every env change and publish use. */
function EnvSettings() {
  const services = useServices();
  const [open, setOpen] = useState(false);
  const [channels, setChannels] = useState('');
  const [override, setOverride] = useState(false);
  const [offline, setOffline] = useState(false);
  const [registry, setRegistry] = useState('');
  const [s3Endpoint, setS3Endpoint] = useState('');
  const [s3Region, setS3Region] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  /** The stored values have arrived: until then the fields are read-only, or a late answer would overwrite typing. */
  const [loaded, setLoaded] = useState(false);
  const load = () =>
    void services.settings.get().then((s) => {
      setLoaded(true);
      setChannels(s.envs.channels.join(' '));
      setOverride(s.envs.overrideChannels);
      setOffline(s.envs.offline);
      setRegistry(s.envs.registry ?? '');
      setS3Endpoint(s.envs.s3Endpoint ?? '');
      setS3Region(s.envs.s3Region ?? '');
    });
  const save = async () => {
    setError(undefined);
    setSaved(false);
    try {
      await services.settings.update({ envs: { channels: channels.split(/[\s,]+/).filter(Boolean), overrideChannels: override, offline, ...(registry ? { registry } : {}), ...(s3Endpoint ? { s3Endpoint } : {}), ...(s3Region ? { s3Region } : {}) } });
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <details
      className="env-settings"
      open={open}
      onToggle={(e) => {
        const o = (e.target as HTMLDetailsElement).open;
        setOpen(o);
        if (o) {
          setLoaded(false);
          load();
        }
      }}
    >
      <summary>Channels and registry</summary>
      <fieldset disabled={!loaded} aria-busy={!loaded} className="plain-fieldset">
        <label className="stack">
          Channels, in priority order
          <input aria-label="Channels for every change" placeholder="conda-forge file:///srv/channel" value={channels} onChange={(e) => setChannels(e.target.value)} spellCheck={false} />
        </label>
        <label className="check">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} /> Only these channels
        </label>
        <label className="check">
          <input type="checkbox" aria-label="Offline" checked={offline} onChange={(e) => setOffline(e.target.checked)} /> Offline
        </label>
        <label className="stack">
          Registry: a folder, a team Lathe server&apos;s URL (secret REGISTRY_TOKEN) or s3://bucket/prefix (secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
          <input aria-label="Registry" placeholder="(the data dir's env-registry)" value={registry} onChange={(e) => setRegistry(e.target.value.trim())} spellCheck={false} />
        </label>
        {registry.startsWith('s3://') && (
          <>
            <label className="stack">
              S3 endpoint (MinIO, Ceph…; empty for AWS)
              <input aria-label="S3 endpoint" placeholder="https://minio.example.com:9000" value={s3Endpoint} onChange={(e) => setS3Endpoint(e.target.value.trim())} spellCheck={false} />
            </label>
            <label className="stack">
              S3 region
              <input aria-label="S3 region" placeholder="us-east-1" value={s3Region} onChange={(e) => setS3Region(e.target.value.trim())} spellCheck={false} />
            </label>
          </>
        )}
        <button type="button" onClick={() => void save()}>
          Save
        </button>
      </fieldset>
      {saved && <span role="status"> Saved</span>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </details>
  );
}
