import { useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { VariableInfo } from '../../../main/common/kernels';
import type { NotebookSession } from './useNotebookSession';

/**
 * The kernel's globals (name, type, shape, value), refreshed when the view opens and after each cell run.
 * Not on every idle: the query itself makes the kernel busy then idle, which would poll forever.
 */
export function VariablesView({ session }: { session: NotebookSession }) {
  const [vars, setVars] = useState<VariableInfo[]>([]);
  const [error, setError] = useState<string>();
  const { kernelStatus, variables, runsDone } = session;
  const started = kernelStatus !== 'none';
  useEffect(() => {
    if (!started) return;
    variables().then(
      (v) => (setVars(v), setError(undefined)),
      (err) => setError(isAppError(err) ? err.message : String(err)),
    );
  }, [started, runsDone, variables]);
  return (
    <aside className="variables" aria-label="Variables">
      <h3>Variables</h3>
      {error && <p className="error">{error}</p>}
      {!error && !vars.length && <p className="muted">{kernelStatus === 'none' ? 'Run a cell to start the kernel.' : 'No variables yet.'}</p>}
      {vars.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Shape</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {vars.map((v) => (
              <tr key={v.name}>
                <td>{v.name}</td>
                <td>{v.type}</td>
                <td>{v.shape ?? ''}</td>
                <td className="summary" title={v.summary}>
                  {v.summary}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </aside>
  );
}
