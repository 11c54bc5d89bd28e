import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KernelEvent } from '../../common/kernels';
import { findJupyterServer } from '../../../kernels/findJupyter';
import { JupyterServerSupervisor } from '../../../kernels/jupyterServer';
import { KernelService } from '../../../kernels/kernelService';
import { latheJupyterPath } from '../../../kernels/kernelspecs';
import { makeInstallation, pythonEnv } from '../../../scripts/test/condaFixture';
import { tempDir } from '../../../scripts/test/tempDir';
import { Logger } from '../../base/node/logger';
import { SettingsService } from '../settings/settingsService';
import { openDatabase } from '../../base/node/database';
import { wireEnvService } from './envWiring';
import { envMigrations } from './envCache';
import { archiveMigrations } from './archiveStore';
import { coreMigrations } from '../../base/node/migrations';

// Integration: an env in conda's layout whose bin/python is Debian's python3 (it has ipykernel), found by
// discovery, given a kernelspec, and run by a real jupyter-server: the kernel must see the env activated.
const dir = tempDir('lathe-envkernel-');
const cleanups: (() => unknown)[] = [() => dir.remove()];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('an env kernel on a real Jupyter server', () => {
  it('runs with the env python, its bin first on PATH, CONDA_PREFIX and activate.d variables', async () => {
    const home = join(dir.path, 'home');
    const root = join(home, 'miniforge3');
    makeInstallation(root, 'conda');
    const prefix = pythonEnv(join(root, 'envs', 'ds'), { realPython: '/usr/bin/python3', activateD: { 'x.sh': 'export LATHE_ACTIVATED="yes in $CONDA_DEFAULT_ENV"\n' } });
    const dataDir = join(dir.path, 'data');
    const db = openDatabase(dataDir, [...coreMigrations, ...envMigrations, ...archiveMigrations]);
    const log = new Logger({ console: null });
    const settings = new SettingsService({ dataDir }, log);
    // The core itself runs with base active: the kernel must not inherit base's bin.
    const env = { PATH: `${join(root, 'bin')}:/usr/local/bin:/usr/bin:/bin`, HOME: home, CONDA_PREFIX: root };
    const envs = wireEnvService({ dataDir, scan: { env, home, platform: 'linux', isRoot: false } }, db, settings, log);
    cleanups.push(() => db.close(), () => envs.dispose());
    const list = await envs.list();
    expect(list.envs.find((e) => e.name === 'ds')?.kernelName).toBe('conda-ds');

    const supervisor = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: join(dataDir, 'jupyter'), jupyterPath: [latheJupyterPath(dataDir)], rootDir: dir.path });
    const kernels = new KernelService(supervisor, { warn: () => undefined });
    cleanups.push(() => kernels.shutdownAll());
    const specs = await kernels.specs();
    expect(specs).toContainEqual(expect.objectContaining({ name: 'conda-ds', displayName: 'Python 3.11.9 (ds)' }));
    const k = await kernels.start({ spec: 'conda-ds' });
    const events: KernelEvent[] = [];
    kernels.onDidKernelEvent({ kernelId: k.id })((e) => events.push(e));
    await kernels.execute(k.id, { execId: 'x1', code: "import os, shutil; print(os.environ['CONDA_PREFIX'], shutil.which('python'), os.environ['PATH'].split(':')[0], os.environ['LATHE_ACTIVATED'], sep='|')" });
    await new Promise((r) => setTimeout(r, 100));
    const out = events.flatMap((e) => (e.type === 'output' && e.output.output_type === 'stream' ? [e.output.text] : [])).join('');
    expect(out.trim().split('|')).toEqual([prefix, join(prefix, 'bin', 'python'), join(prefix, 'bin'), 'yes in ds']);
    expect(out).not.toContain(join(root, 'bin'));
  }, 120_000);
});
