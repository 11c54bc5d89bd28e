import { useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { VariableInfo } from '../../../main/common/kernels';
import type { NotebookSession } from './useNotebookSession';

/** The kernel's globals (name, type, shape, value), refreshed each time the kernel goes idle. */
export function VariablesView({ session }: { session: NotebookSession }) {
  const [vars, setVars] = useState<VariableInfo[]>([]);
  const [error, setError] = useState<string>();
  const { kernelStatus, variables } = session;
  useEffect(() => {
    if (kernelStatus !== 'idle') return;
    variables().then(
      (v) => (setVars(v), setError(undefined)),
      (err) => setError(isAppError(err) ? err.message : String(err)),
    );
  }, [kernelStatus, variables]);
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
