import { shellLine } from './shellLine';
import { useCallback, useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { RunDetail, RunInfo } from '../../../main/common/jobs';
import { useEvent, type Services } from '../../platform/services';
import { LogView } from './LogView';
import { MetricCharts } from './MetricCharts';
import { duration } from './useRuns';

/** One run: status and actions, lineage, charts (optionally against another run), logs. */
export function RunView({ services, runId, runs, onSelect }: { services: Services; runId: string; runs: RunInfo[]; onSelect: (id: string) => void }) {
  const [run, setRun] = useState<RunDetail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [compare, setCompare] = useState<string[]>([]);
  const load = useCallback(
    () =>
      services.jobs.get(runId).then(
        (r) => {
          setError(undefined); // a failure before (the connection was down) is over
          setRun(r);
        },
        (err: unknown) => setError(isAppError(err) ? err.message : String(err)),
      ),
    [services.jobs, runId],
  );
  useEffect(() => {
    setRun(undefined);
    setCompare([]);
    // Listen first, then read: a run that ends between the read and the subscription (a short job does, now that
    // jobs start at once) would otherwise show "running" for good. Both go over one ordered connection.
    const d = services.jobs.onDidChangeRun((r) => r.id === runId && void load());
    void load();
    return () => d.dispose();
  }, [services.jobs, runId, load]);
  // Events sent while the connection was down are gone: read the run again when it is back.
  useEvent(services.connection.onDidChangeState, (st) => st === 'connected' && void load());
  if (error) return <p role="alert" className="error empty">{error}</p>;
  if (!run) return <div className="empty">Loading run {runId}…</div>;
  const live = run.status === 'queued' || run.status === 'running';
  const act = (fn: () => Promise<RunInfo>) => void fn().then((r) => r.id !== runId && onSelect(r.id), (err: unknown) => setError(isAppError(err) ? err.message : String(err)));
  const g = run.lineage?.git;
  return (
    <div className="env-detail run-view" aria-label={`Run ${run.name}`}>
      <header className="env-header">
        <h2>{run.name}</h2>
        <span className="muted">{run.id}</span>
        <span role="status" aria-label="Run status" className={`run-${run.status}`}>
          {run.status}
          {run.reason ? ` (${run.reason})` : ''}
        </span>
        <span className="spacer" />
        {live && (
          <button type="button" onClick={() => act(() => services.jobs.cancel(runId))}>
            Cancel run
          </button>
        )}
        {!live && (
          <button type="button" onClick={() => act(() => services.jobs.rerun(runId))}>
            Rerun
          </button>
        )}
      </header>
      <section className="lineage" aria-label="Lineage">
        <div>
          <strong>command</strong> <code>{run.lineage ? shellLine(run.lineage.command) : '—'}</code>
        </div>
        <div>
          <strong>git</strong> {g ? `${g.remote ?? g.root} ${g.branch ?? ''} ${g.commit?.slice(0, 12) ?? '(no commit)'}${g.dirty ? ` dirty (diff ${g.diffSha256?.slice(0, 12)})` : ''}` : 'not a repository'}
        </div>
        <div>
          <strong>env</strong> {run.lineage?.env?.prefix ? `${run.lineage.env.name} (${run.lineage.env.prefix}) spec sha256 ${run.lineage.env.explicitSha256?.slice(0, 12) ?? '—'}` : 'python3 on PATH'}
        </div>
        <div>
          <strong>host</strong> {run.lineage?.host ?? '—'} · <strong>GPUs</strong> {run.gpus.join(',') || 'none'} · <strong>duration</strong> {duration(run)} · <strong>attempt</strong> {run.attempt}
          {run.exitCode !== undefined ? ` · exit ${run.exitCode}` : ''}
        </div>
        {Object.keys(run.params).length > 0 && (
          <div>
            <strong>params</strong> <code>{JSON.stringify(run.params)}</code>
          </div>
        )}
        {run.artifacts.length > 0 && (
          <div>
            <strong>artifacts</strong> {run.artifacts.join(', ')}
          </div>
        )}
      </section>
      {runs.some((r) => r.id !== runId) && (
        <div className="row">
          <label>
            Compare with{' '}
            <select aria-label="Compare with runs" multiple size={Math.min(4, Math.max(2, runs.length - 1))} value={compare} onChange={(e) => setCompare([...e.target.selectedOptions].map((o) => o.value).slice(0, 4))}>
              {runs
                .filter((r) => r.id !== runId)
                .map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name} {r.id}
                  </option>
                ))}
            </select>
          </label>
        </div>
      )}
      <MetricCharts services={services} runId={runId} compareIds={compare} />
      <LogView services={services} runId={runId} />
    </div>
  );
}
