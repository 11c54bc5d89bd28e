import { useCallback, useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { RunInfo } from '../../../main/common/jobs';
import { useEvent, type Services } from '../../platform/services';

/** The runs list, kept current by the core's run events, and the selected run. */
export function useRuns(services: Services, active: boolean) {
  const [runs, setRuns] = useState<RunInfo[] | undefined>();
  const [selected, setSelected] = useState<string | undefined>(() => sessionStorage.getItem('lathe.run') ?? undefined);
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(async () => {
    try {
      setRuns(await services.jobs.list({ limit: 500 }));
      setError(undefined); // a failure before (the connection was down) is over
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    }
  }, [services]);
  // Subscribed before the list is read (effects run in this order, over one ordered connection): a change the list
  // misses comes as an event after it; one that comes before it is already in it.
  useEvent(services.jobs.onDidChangeRun, (r) => setRuns((cur) => (cur ? [r, ...cur.filter((x) => x.id !== r.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)) : cur)));
  useEffect(() => {
    if (active) void load();
  });
  useEvent(services.connection.onDidChangeState, (s) => s === 'connected' && active && void load());
  const select = useCallback((id: string | undefined) => {
    setSelected(id);
    if (id) sessionStorage.setItem('lathe.run', id);
    else sessionStorage.removeItem('lathe.run');
  }, []);
  return { runs, selected, select, error };
}

/** What useRuns returns. */
export type RunsModel = ReturnType<typeof useRuns>;

/** A run's duration as people read it. */
export function duration(r: RunInfo): string {
  if (!r.startedAt) return '';
  const ms = (r.endedAt ? Date.parse(r.endedAt) : Date.now()) - Date.parse(r.startedAt);
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
