import { useCallback, useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { EnvList } from '../../../main/common/envs';
import { useEvent, type Services } from '../../platform/services';

/** The env list (cached first, then refreshed by the core), the selected env, and list-level actions. */
export function useEnvs(services: Services, active: boolean) {
  const [list, setList] = useState<EnvList | undefined>();
  const [selected, setSelected] = useState<string | undefined>(() => sessionStorage.getItem('lathe.env') ?? undefined);
  const [error, setError] = useState<string | undefined>();

  const load = useCallback(
    async (refresh = false) => {
      setError(undefined);
      try {
        setList(await services.envs.list({ refresh }));
      } catch (err) {
        setError(isAppError(err) ? err.message : String(err));
      }
    },
    [services],
  );
  // Discovery costs the core a scan: run it when the panel is first shown, not on every page load.
  useEffect(() => {
    if (active && !list) void load();
  }, [active, list, load]);
  useEvent(services.envs.onDidChange, (l) => setList(l));
  useEvent(services.connection.onDidChangeState, (s) => s === 'connected' && active && void load());

  const select = useCallback((prefix: string | undefined) => {
    setSelected(prefix);
    if (prefix) sessionStorage.setItem('lathe.env', prefix);
    else sessionStorage.removeItem('lathe.env');
  }, []);

  const setDefault = useCallback(
    async (exe: string) => {
      try {
        setList(await services.envs.setDefault(exe));
      } catch (err) {
        setError(isAppError(err) ? err.message : String(err));
      }
    },
    [services],
  );

  return { list, selected, select, refresh: () => load(true), setDefault, error };
}

/** What useEnvs returns. */
export type EnvsModel = ReturnType<typeof useEnvs>;

export { formatBytes } from '../../../main/common/format';
