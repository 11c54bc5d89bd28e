import { useMemo, useState } from 'react';
import type { EnvsModel } from './useEnvs';
import { formatBytes } from './useEnvs';

/** The env list: search, a Jupyter filter, the default tool, refresh, and a button for a new env. */
export function EnvSideBar({ model, onCreate }: { model: EnvsModel; onCreate: () => void }) {
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
