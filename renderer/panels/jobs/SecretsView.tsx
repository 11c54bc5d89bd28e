import { useEffect, useState } from 'react';
import { isAppError } from '../../../main/common/errors';
import type { ISecretService, SecretInfo } from '../../../main/common/secrets';

/**
 * The user's secrets, by name: jobs ask for them with `secrets: [NAME]` and get them as environment variables at
 * run time. Values go in and never come back out (the list shows names, sizes and dates only).
 */
export function SecretsView({ secrets }: { secrets: ISecretService }) {
  const [list, setList] = useState<SecretInfo[]>([]);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    void secrets.list().then(setList, (err: Error) => setError(err.message));
    const d = secrets.onDidChange(setList);
    return () => d.dispose();
  }, [secrets]);
  const run = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(isAppError(err) ? err.message : String(err));
      return false;
    }
  };
  return (
    <details className="secrets">
      <summary>Secrets</summary>
      <ul aria-label="Secrets" className="server-list">
        {list.map((s) => (
          <li key={s.name}>
            <code>{s.name}</code> <span className="muted small">{s.length} chars</span>
            <button type="button" aria-label={`Delete secret ${s.name}`} onClick={() => void run(() => secrets.delete(s.name))}>
              Delete
            </button>
          </li>
        ))}
        {!list.length && <li className="muted small">None yet.</li>}
      </ul>
      <form
        aria-label="Add a secret"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => secrets.set(name.trim(), value)).then((ok) => {
            if (!ok) return;
            setName('');
            setValue('');
          });
        }}
      >
        <input aria-label="Secret name" placeholder="API_TOKEN" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} autoComplete="off" />
        <input aria-label="Secret value" type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
        <button type="submit" disabled={!name.trim()}>
          Save secret
        </button>
        <p className="muted small">Encrypted on disk; a job gets it as an environment variable when it lists it under secrets.</p>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </details>
  );
}
