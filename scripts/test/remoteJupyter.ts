import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJupyterServer } from '../../kernels/findJupyter';
import { JupyterServerSupervisor } from '../../kernels/jupyterServer';

/**
 * A second real jupyter-server standing in for a remote one (no other host is reachable in CI): served under a
 * JupyterHub-style path such as /user/alice/, with its own token and, optionally, a marker in its environment so a
 * test can tell which server a kernel runs on.
 */
export async function startRemoteJupyter(baseUrl: string, env: Record<string, string> = {}): Promise<{ url: string; token: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lathe-remote-jupyter-'));
  const server = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: join(dir, 'rt'), rootDir: dir, baseUrl, env: { ...process.env, ...env } });
  const info = await server.start();
  return {
    ...info,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
