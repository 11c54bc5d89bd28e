import { useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { JobSpecInput } from '../../../main/common/jobs';
import type { Services } from '../../platform/services';

/** Splits a command line into argv: spaces separate, quotes group, backslash escapes. */
export function splitCommand(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (cur || has) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (cur || has) out.push(cur);
  return out;
}

/** The job form: the same spec a YAML file holds, built field by field; the core checks it and names a bad field. */
export function SubmitJobForm({ services, onSubmitted, onClose }: { services: Services; onSubmitted: (id: string) => void; onClose: () => void }) {
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const [workdir, setWorkdir] = useState('');
  const [env, setEnv] = useState('');
  const [params, setParams] = useState('');
  const [gpus, setGpus] = useState('');
  const [timeout, setTimeoutText] = useState('');
  const [retries, setRetries] = useState('0');
  const [image, setImage] = useState('');
  const [engine, setEngine] = useState('');
  const [secretNames, setSecretNames] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async () => {
    setError(undefined);
    try {
      const p: Record<string, string | number> = {};
      for (const kv of params.split(/\s+/).filter(Boolean)) {
        const [k, ...v] = kv.split('=');
        const val = v.join('=');
        p[k!] = val !== '' && !Number.isNaN(Number(val)) ? Number(val) : val;
      }
      const spec: JobSpecInput = {
        name,
        command: splitCommand(command),
        ...(workdir ? { workdir } : {}),
        ...(env ? { env: { conda: env } } : {}),
        ...(Object.keys(p).length ? { params: p } : {}),
        ...(gpus ? { resources: { gpus: /^\d+$/.test(gpus) ? Number(gpus) : gpus.split(',') } } : {}),
        ...(timeout ? { timeout } : {}),
        retries: Number(retries) || 0,
        ...(secretNames.trim() ? { secrets: secretNames.split(/[\s,]+/).filter(Boolean) } : {}),
        ...(image ? { target: { docker: { image, ...(engine ? { host: engine } : {}) } } } : {}),
      };
      const run = await services.jobs.submit(spec);
      onSubmitted(run.id);
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
    }
  };
  return (
    <div className="env-create" role="form" aria-label="New job">
      <header className="env-header">
        <h2>New job</h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <label className="stack">
        Name
        <input aria-label="Job name" value={name} onChange={(e) => setName(e.target.value.trim())} />
      </label>
      <label className="stack">
        Command
        <input aria-label="Command" placeholder='python train.py --epochs 20' value={command} onChange={(e) => setCommand(e.target.value)} spellCheck={false} />
      </label>
      <label className="stack">
        Working directory <span className="muted">(on the core's machine; relative to your home folder)</span>
        <input aria-label="Working directory" value={workdir} onChange={(e) => setWorkdir(e.target.value.trim())} spellCheck={false} />
      </label>
      <label className="stack">
        Conda environment <span className="muted">(name or prefix; empty = python3 on PATH)</span>
        <input aria-label="Conda environment" value={env} onChange={(e) => setEnv(e.target.value.trim())} />
      </label>
      <label className="stack">
        Parameters <span className="muted">(key=value …, in LATHE_PARAMS)</span>
        <input aria-label="Parameters" value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} />
      </label>
      <div className="row">
        <label>
          Container image <input aria-label="Container image" placeholder="empty = a local process" value={image} onChange={(e) => setImage(e.target.value.trim())} size={24} />
        </label>
        <label>
          Engine <input aria-label="Container engine" placeholder="unix:///run/podman/podman.sock" value={engine} onChange={(e) => setEngine(e.target.value.trim())} size={30} />
        </label>
      </div>
      <div className="row">
        <label>
          GPUs <input aria-label="GPUs" placeholder="0, 1 or ids" value={gpus} onChange={(e) => setGpus(e.target.value.trim())} size={8} />
        </label>
        <label>
          Timeout <input aria-label="Timeout" placeholder="30m" value={timeout} onChange={(e) => setTimeoutText(e.target.value.trim())} size={6} />
        </label>
        <label>
          Retries <input aria-label="Retries" value={retries} onChange={(e) => setRetries(e.target.value.trim())} size={3} />
        </label>
      </div>
      <label className="stack">
        Secrets (names, from the side bar&apos;s Secrets; given as environment variables)
        <input aria-label="Secrets for the job" placeholder="API_TOKEN HF_TOKEN" value={secretNames} onChange={(e) => setSecretNames(e.target.value)} spellCheck={false} />
      </label>
      <button type="button" onClick={() => void submit()}>
        Submit
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
