import { useCallback, useEffect, useMemo, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { EnvDetail, ExportFormat } from '../../../main/common/envs';
import { useEvent, type Services } from '../../platform/services';
import { CreateEnvForm } from './CreateEnvForm';
import { ShareView } from './ShareView';
import { EnvOperationView } from './EnvOperationView';
import { formatBytes, type EnvsModel } from './useEnvs';

type Tab = 'packages' | 'history' | 'install' | 'export' | 'share' | 'manage';

/** The env area: the create form, or the selected env with its packages, history, installs, exports and management. */
export function EnvPanel({ services, model, creating, onCloseCreate, onOpenTerminal }: { services: Services; model: EnvsModel; creating: boolean; onCloseCreate: () => void; onOpenTerminal: (env: EnvDetail) => void }) {
  if (creating) return <CreateEnvForm services={services} onClose={onCloseCreate} onCreated={(prefix) => {
        if (prefix) model.select(prefix);
        onCloseCreate();
      }} />;
  if (!model.selected) return <div className="empty">Pick an environment in the side bar, or create a new one.</div>;
  return <EnvDetailView key={model.selected} services={services} prefix={model.selected} onOpenTerminal={onOpenTerminal} onRemoved={() => model.select(undefined)} />;
}

function EnvDetailView({ services, prefix, onOpenTerminal, onRemoved }: { services: Services; prefix: string; onOpenTerminal: (env: EnvDetail) => void; onRemoved: () => void }) {
  const [env, setEnv] = useState<EnvDetail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>('packages');
  const load = useCallback(
    () => services.envs.show(prefix).then(setEnv, (err: unknown) => setError(isAppError(err) ? err.message : String(err))),
    [services.envs, prefix],
  );
  useEffect(() => {
    void load();
  }, [load]);
  // A change anywhere (an install from the CLI, a watcher) may be this env's: read it again.
  useEvent(services.envs.onDidChange, (l) => {
    const s = l.envs.find((e) => e.prefix === prefix);
    if (!s) return;
    if (!env || s.modifiedAt !== env.modifiedAt || s.sizeBytes !== env.sizeBytes) void load();
  });

  if (error) return <p role="alert" className="error empty">{error}</p>;
  if (!env) return <div className="empty">Reading {prefix}…</div>;
  return (
    <div className="env-detail" aria-label={`Environment ${env.name}`}>
      <header className="env-header">
        <h2>{env.name}</h2>
        <span className="muted">{env.prefix}</span>
        <span className="spacer" />
        <button type="button" onClick={() => onOpenTerminal(env)}>
          Open terminal here
        </button>
      </header>
      <p className="env-facts">
        Python {env.python ?? '—'} · {env.packages.length} packages · {formatBytes(env.sizeBytes)} · {env.hasIpykernel ? `kernel ${env.kernelName ?? ''}` : 'no ipykernel (not a notebook kernel)'}
        {env.owner && <span className="muted"> · managed by {env.owner}</span>}
      </p>
      {env.problem && (
        <p role="alert" className="error">
          {env.problem}
        </p>
      )}
      <div role="tablist" aria-label="Environment views" className="tabs">
        {(['packages', 'history', 'install', 'export', 'share', 'manage'] as Tab[]).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      <div role="tabpanel" className="tab-body">
        {tab === 'packages' && <PackageTable env={env} />}
        {tab === 'history' && <HistoryView services={services} env={env} onChanged={load} />}
        {tab === 'install' && <InstallView services={services} env={env} onChanged={load} />}
        {tab === 'export' && <ExportView services={services} env={env} />}
        {tab === 'share' && <ShareView services={services} env={env} />}
        {tab === 'manage' && <ManageView services={services} env={env} onRemoved={onRemoved} />}
      </div>
    </div>
  );
}

function PackageTable({ env }: { env: EnvDetail }) {
  const [q, setQ] = useState('');
  const rows = useMemo(() => env.packages.filter((p) => !q || p.name.toLowerCase().includes(q.toLowerCase())), [env, q]);
  return (
    <>
      <input type="search" aria-label="Search packages" placeholder="Filter packages" value={q} onChange={(e) => setQ(e.target.value)} />
      <table className="pkg-table" aria-label="Packages">
        <thead>
          <tr>
            <th>Name</th>
            <th>Version</th>
            <th>Build</th>
            <th>Channel</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={`${p.source}:${p.name}`}>
              <td>{p.name}</td>
              <td>{p.version}</td>
              <td>{p.build}</td>
              <td>{p.source === 'pip' ? 'pip (pypi)' : p.channel}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function HistoryView({ services, env, onChanged }: { services: Services; env: EnvDetail; onChanged: () => void }) {
  const [rev, setRev] = useState<number | undefined>();
  return (
    <>
      <ol className="history" aria-label="Revisions" start={0}>
        {[...env.history].reverse().map((r) => (
          <li key={r.rev}>
            <div>
              <strong>rev {r.rev}</strong> <span className="muted">{r.date}</span> {r.requested.length > 0 && <span>asked for {r.requested.join(', ')}</span>}
              {r.removedSpecs.length > 0 && <span> removed {r.removedSpecs.join(', ')}</span>}
            </div>
            <div className="muted">
              +{r.added.length} −{r.removed.length} {r.command && <code>{r.command}</code>}
            </div>
            {r.rev < env.history.length - 1 && (
              <button type="button" aria-label={`Roll back to revision ${r.rev}`} onClick={() => setRev(r.rev)}>
                Roll back to this
              </button>
            )}
          </li>
        ))}
      </ol>
      {rev !== undefined && (
        <section aria-label="Roll back">
          <h3>Roll back to revision {rev}</h3>
          <EnvOperationView services={services} operation={{ op: 'rollback', env: env.prefix, revision: rev }} applyLabel="Roll back" onDone={onChanged} />
        </section>
      )}
    </>
  );
}

const splitSpecs = (s: string) => s.split(/[\s,]+/).filter(Boolean);

function InstallView({ services, env, onChanged }: { services: Services; env: EnvDetail; onChanged: () => void }) {
  const [action, setAction] = useState<'install' | 'update' | 'uninstall'>('install');
  const [specs, setSpecs] = useState('');
  const packages = splitSpecs(specs);
  return (
    <div className="stack">
      <div className="row">
        <select aria-label="Package action" value={action} onChange={(e) => setAction(e.target.value as typeof action)}>
          <option value="install">Install</option>
          <option value="update">Update</option>
          <option value="uninstall">Remove</option>
        </select>
        <input aria-label="Packages" placeholder='numpy "scipy>=1.13"' value={specs} onChange={(e) => setSpecs(e.target.value)} spellCheck={false} />
      </div>
      <EnvOperationView services={services} operation={packages.length ? { op: action, env: env.prefix, packages } : undefined} applyLabel={action === 'uninstall' ? 'Remove packages' : action === 'update' ? 'Update' : 'Install'} onDone={onChanged} />
    </div>
  );
}

function ExportView({ services, env }: { services: Services; env: EnvDetail }) {
  const [format, setFormat] = useState<ExportFormat>('yaml');
  const [text, setText] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setText(undefined);
    setError(undefined);
    services.envs.export(env.prefix, format).then(setText, (err: unknown) => setError(isAppError(err) ? err.message : String(err)));
  }, [services, env, format]);
  const file = format === 'explicit' ? `${env.name}-explicit.txt` : 'environment.yml';
  return (
    <div className="stack">
      <div className="row">
        <select aria-label="Export format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          <option value="yaml">environment.yml (exact builds)</option>
          <option value="yaml-no-builds">environment.yml (versions only)</option>
          <option value="yaml-from-history">environment.yml (only what was asked for)</option>
          <option value="explicit">explicit spec (@EXPLICIT, URLs with hashes)</option>
        </select>
        {text && (
          <a className="button" download={file} href={URL.createObjectURL(new Blob([text], { type: 'text/plain' }))}>
            Download {file}
          </a>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {text && (
        <pre className="env-export" aria-label="Export">
          {text}
        </pre>
      )}
    </div>
  );
}

function ManageView({ services, env, onRemoved }: { services: Services; env: EnvDetail; onRemoved: () => void }) {
  const [cloneName, setCloneName] = useState(`${env.name}-copy`);
  const [newName, setNewName] = useState('');
  return (
    <div className="stack">
      <section aria-label="Clone">
        <h3>Clone</h3>
        <input aria-label="Clone name" value={cloneName} onChange={(e) => setCloneName(e.target.value.trim())} />
        <EnvOperationView services={services} operation={cloneName ? { op: 'clone', source: env.prefix, name: cloneName } : undefined} applyLabel="Clone" />
      </section>
      {!env.isBase && (
        <section aria-label="Rename">
          <h3>Rename</h3>
          <input aria-label="New name" value={newName} onChange={(e) => setNewName(e.target.value.trim())} />
          <EnvOperationView services={services} operation={newName ? { op: 'rename', env: env.prefix, newName } : undefined} applyLabel="Rename" onDone={onRemoved} />
        </section>
      )}
      {!env.isBase && (
        <section aria-label="Remove">
          <h3>Remove</h3>
          <p className="muted">Deletes {env.prefix} and everything in it.</p>
          <EnvOperationView services={services} operation={{ op: 'remove', env: env.prefix }} applyLabel="Remove environment" onDone={onRemoved} />
        </section>
      )}
    </div>
  );
}
