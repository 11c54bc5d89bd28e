import type { ISecretService } from '../../../main/common/secrets';
import { SecretsView } from './SecretsView';
import { useMemo, useState } from 'react';
import type { RunStatus } from '../../../main/common/jobs';
import { duration, type RunsModel } from './useRuns';

const STATUSES: (RunStatus | 'all')[] = ['all', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'];

/** Runs, filtered by status, name, target or GPU; a button for a new job. */
export function JobsSideBar({ model, onNew, secrets }: { model: RunsModel; onNew: () => void; secrets: ISecretService }) {
  const [status, setStatus] = useState<RunStatus | 'all'>('all');
  const [q, setQ] = useState('');
  const runs = useMemo(
    () => (model.runs ?? []).filter((r) => (status === 'all' || r.status === status) && (!q || r.name.includes(q) || r.target.includes(q) || r.gpus.some((g) => g === q))),
    [model.runs, status, q],
  );
  return (
    <div className="side-section env-side">
      <button type="button" onClick={onNew}>
        New job
      </button>
      <div className="row">
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value as RunStatus | 'all')}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input type="search" aria-label="Filter runs" placeholder="name, target or GPU" value={q} onChange={(e) => setQ(e.target.value.trim())} />
      </div>
      {model.error && (
        <p role="alert" className="error">
          {model.error}
        </p>
      )}
      <ul aria-label="Runs" className="env-list">
        {runs.map((r) => (
          <li key={r.id}>
            <button type="button" aria-label={`Run ${r.name} ${r.id}`} aria-current={r.id === model.selected} className={r.id === model.selected ? 'active' : ''} onClick={() => model.select(r.id)}>
              <span className="env-name">{r.name}</span>
              <span className={`muted run-${r.status}`}>
                {r.status} · {r.target}
                {r.gpus.length ? ` · GPU ${r.gpus.join(',')}` : ''} {duration(r)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <SecretsView secrets={secrets} />
    </div>
  );
}
