import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelEvent } from '../main/common/kernels';
import { tempDir } from '../scripts/test/tempDir';
import { findJupyterServer } from './findJupyter';
import { JupyterServerSupervisor } from './jupyterServer';
import { KernelService } from './kernelService';
import { activationEnv, latheJupyterPath, removeEnvKernelSpec, writeEnvKernelSpec } from './kernelspecs';

// A stand-in environment: a prefix laid out like a conda env whose bin/python links to the system Python
// (which has ipykernel), so a real kernel starts from it and reports what it sees.
let dir: ReturnType<typeof tempDir>;
let service: KernelService;
const prefix = () => join(dir.path, 'envs', 'iris');

beforeAll(async () => {
  dir = tempDir();
  mkdirSync(join(prefix(), 'bin'), { recursive: true });
  symlinkSync('/usr/bin/python3', join(prefix(), 'bin', 'python'));
  writeEnvKernelSpec(dir.path, {
    name: 'lathe-env-iris',
    displayName: 'Python (iris)',
    python: join(prefix(), 'bin', 'python'),
    env: activationEnv(prefix(), 'iris', '/usr/bin:/bin', { IRIS_DATA: '/data/iris' }),
  });
  const supervisor = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: join(dir.path, 'rt'), rootDir: dir.path, jupyterPath: [latheJupyterPath(dir.path)] });
  service = new KernelService(supervisor, { warn: () => undefined });
}, 60_000);
afterAll(async () => {
  await service.shutdownAll();
  dir.remove();
});

describe('environment kernelspecs', () => {
  it('appear among the server kernelspecs', async () => {
    expect(await service.specs()).toContainEqual({ name: 'lathe-env-iris', displayName: 'Python (iris)', language: 'python', server: 'local', serverName: 'This machine' });
  });

  it("start a kernel with the env's python and activation variables", async () => {
    const k = await service.start({ spec: 'lathe-env-iris' });
    const out: string[] = [];
    service.onDidKernelEvent({ kernelId: k.id })((e: KernelEvent) => e.type === 'output' && e.output.output_type === 'stream' && out.push(e.output.text));
    await service.execute(k.id, { execId: 'env:1', code: "import os, sys; print(sys.executable, os.environ['CONDA_PREFIX'], os.environ['CONDA_DEFAULT_ENV'], os.environ['IRIS_DATA'], os.environ['PATH'].split(':')[0])" });
    await new Promise((r) => setTimeout(r, 100));
    expect(out.join('')).toBe(`${join(prefix(), 'bin', 'python')} ${prefix()} iris /data/iris ${join(prefix(), 'bin')}\n`);
    await service.shutdown(k.id);
  });

  it('refuses bad names and removes specs it wrote', () => {
    expect(() => writeEnvKernelSpec(dir.path, { name: '../escape', displayName: 'x', python: 'python', env: {} })).toThrow(/not valid/);
    const d = writeEnvKernelSpec(dir.path, { name: 'tmp-spec', displayName: 'T', python: '/usr/bin/python3', env: {} });
    expect(JSON.parse(readFileSync(join(d, 'kernel.json'), 'utf8')).argv).toEqual(['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}']);
    removeEnvKernelSpec(dir.path, 'tmp-spec');
    expect(() => readFileSync(join(d, 'kernel.json'))).toThrow();
  });
});
