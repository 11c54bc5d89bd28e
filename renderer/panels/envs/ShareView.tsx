import { useRef, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { EnvDetail, EnvProgress } from '../../../main/common/envs';
import type { Services } from '../../platform/services';
import { formatBytes } from './useEnvs';

let nextOp = 1;

/** Runs one long archive call with a progress bar and Cancel; shows its result or error. */
function useArchiveRun(services: Services) {
  const [busy, setBusy] = useState(false);
  const [fraction, setFraction] = useState<number | undefined>();
  const [result, setResult] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const abort = useRef<AbortController | undefined>(undefined);
  const run = async (fn: (opId: string, signal: AbortSignal) => Promise<string>) => {
    const opId = `ui-share-${Date.now().toString(36)}-${nextOp++}`;
    const ac = new AbortController();
    abort.current = ac;
    setBusy(true);
    setResult(undefined);
    setError(undefined);
    setFraction(0);
    const sub = services.envs.onDidProgress({ opId })((p: EnvProgress) => p.kind === 'progress' && setFraction(p.fraction));
    try {
      setResult(await fn(opId, ac.signal));
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    } finally {
      sub.dispose();
      setBusy(false);
      setFraction(undefined);
    }
  };
  const view = (
    <>
      {busy && (
        <div className="row">
          <progress max={1} value={fraction ?? 0} aria-label="Archive progress" />
          <button type="button" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        </div>
      )}
      {result && (
        <p role="status" className="ok">
          {result}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </>
  );
  return { busy, run, view };
}

/** Pack the env into an archive on the core's machine, or publish it to the env registry. */
export function ShareView({ services, env }: { services: Services; env: EnvDetail }) {
  const [output, setOutput] = useState(`${env.prefix.replace(/[\\/][^\\/]+$/, '')}/${env.name}.tar.gz`);
  const [version, setVersion] = useState('1.0.0');
  const pack = useArchiveRun(services);
  const publish = useArchiveRun(services);
  return (
    <div className="stack">
      <section aria-label="Pack">
        <h3>Pack into an archive</h3>
        <p className="muted">A relocatable archive in conda-pack's layout: unpack it anywhere with Lathe, or with tar and bin/conda-unpack.</p>
        <div className="row">
          <input aria-label="Archive path" value={output} onChange={(e) => setOutput(e.target.value)} spellCheck={false} size={60} />
          <button
            type="button"
            disabled={pack.busy}
            onClick={() =>
              void pack.run(async (opId, signal) => {
                const r = await services.envs.pack({ opId, env: env.prefix, output }, { signal });
                return `Packed ${formatBytes(r.archiveBytes)} to ${r.file} (sha256 ${r.sha256.slice(0, 16)}…)`;
              })
            }
          >
            Pack
          </button>
        </div>
        {pack.view}
      </section>
      <section aria-label="Publish">
        <h3>Publish to the env registry</h3>
        <div className="row">
          <label>
            Version <input aria-label="Publish version" value={version} onChange={(e) => setVersion(e.target.value.trim())} />
          </label>
          <button
            type="button"
            disabled={publish.busy || !version}
            onClick={() =>
              void publish.run(async (opId, signal) => {
                const r = await services.envs.publish({ opId, env: env.prefix, version }, { signal });
                return `Published ${r.slug}@${r.version} (sha256 ${r.sha256.slice(0, 16)}…)`;
              })
            }
          >
            Publish
          </button>
        </div>
        {publish.view}
      </section>
    </div>
  );
}
