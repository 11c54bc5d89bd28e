/**
 * Environment variables only the core may see: its own token and the secret store's key. Every process the core
 * starts for the user (shells, kernels' server, jobs) gets its environment without them.
 */
export function isCoreOnlyEnv(name: string): boolean {
  return name === 'LATHE_TOKEN' || name.startsWith('LATHE_STORE_KEY') || name.startsWith('LATHE_SECRET_');
}

/** A copy of `env` without the core-only variables (and without unset entries). */
export function withoutCoreSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !isCoreOnlyEnv(k)) out[k] = v;
  return out;
}
