import { useCallback, useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { CreateTerminalOptions, TerminalInfo } from '../../../main/common/terminal';
import { useEvent, type Services } from '../../platform/services';

/** The core's terminals, the active one, and actions on them. Reattaches to existing terminals after a reload. */
export function useTerminals(services: Services) {
  const [terminals, setTerminals] = useState<TerminalInfo[]>([]);
  const [activeId, setActiveId] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();

  const refresh = useCallback(async () => {
    try {
      const list = await services.terminal.list();
      setTerminals(list);
      setActiveId((cur) => (cur && list.some((t) => t.id === cur) ? cur : list.at(-1)?.id));
    } catch {
      // Not connected yet; the connection event triggers another refresh.
    }
  }, [services]);

  useEffect(() => {
    void refresh();
  });
  useEvent(services.connection.onDidChangeState, (s) => s === 'connected' && void refresh());
  useEvent(services.terminal.onDidChangeTerminals, (list) => {
    setTerminals(list);
    setActiveId((cur) => (cur && list.some((t) => t.id === cur) ? cur : list.at(-1)?.id));
  });

  const create = useCallback(
    async (cwd?: string, extra: Pick<CreateTerminalOptions, 'env' | 'title'> = {}) => {
      setError(undefined);
      try {
        const t = await services.terminal.create({ cwd: cwd?.trim() || undefined, cols: 80, rows: 24, ...extra });
        setTerminals((cur) => (cur.some((x) => x.id === t.id) ? cur : [...cur, t]));
        setActiveId(t.id);
        return t;
      } catch (err) {
        setError(isAppError(err) ? err.message : String(err));
        return undefined;
      }
    },
    [services],
  );

  const kill = useCallback(
    async (id: string) => {
      try {
        await services.terminal.kill(id);
      } catch (err) {
        setError(isAppError(err) ? err.message : String(err));
      }
    },
    [services],
  );

  return { terminals, activeId, setActiveId, create, kill, error };
}

/** What useTerminals returns. */
export type TerminalsModel = ReturnType<typeof useTerminals>;
