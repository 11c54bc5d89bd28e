import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { runCli } from './cli';
import { nbCommand } from './nbCommand';
import { writeEnvKernelSpec } from '../../kernels/kernelspecs';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

const PY = '/usr/bin/python3';
function makeNotebook(path: string, cells: { source: string; tags?: string[] }[]): void {
  const script = `
import sys, json, nbformat
from nbformat.v4 import new_notebook, new_code_cell
cells = json.loads(sys.argv[2])
nb = new_notebook(cells=[new_code_cell(c['source'], metadata={'tags': c['tags']} if c.get('tags') else {}) for c in cells])
nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
nbformat.write(nb, sys.argv[1])`;
  execFileSync(PY, ['-c', script, path, JSON.stringify(cells)]);
}
const validate = (file: string) => execFileSync(PY, ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', file]);
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { log: (s: string) => out.push(s), error: (s: string) => err.push(s) } };
};

describe('lathe nb run (real Jupyter kernel)', () => {
  it('injects parameters after the parameters cell, runs every cell and writes outputs that validate', async () => {
    dir = tempDir();
    makeNotebook(join(dir.path, 'train.ipynb'), [
      { source: 'epochs = 1\nname = "default"\nlr = 0.1', tags: ['parameters'] },
      { source: 'print(f"{name}: {epochs} epochs at lr={lr}")' },
      { source: "from IPython.display import display, clear_output\nh = display('v1', display_id=True)\nh.update('v2')" },
      { source: 'epochs * 2' },
    ]);
    const c = io();
    const code = await nbCommand(['run', 'train.ipynb', '-o', 'out/train-run.ipynb', '-p', 'epochs=3', '-p', 'name=iris', '-p', 'lr=0.5'], c.io, dir.path).catch((e: Error) => e);
    // The output folder does not exist yet: a clear error, nothing written.
    expect(code).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/folder out does not exist/) });
    const c2 = io();
    expect(await nbCommand(['run', 'train.ipynb', '-o', 'train-run.ipynb', '-p', 'epochs=3', '-p', 'name=iris', '-p', 'lr=0.5'], c2.io, dir.path)).toBe(0);
    expect(c2.out.join()).toMatch(/Ran 5 code cells; wrote train-run\.ipynb/);
    expect(c2.err.join('\n')).toMatch(/\[1\/5\] epochs = 1/);
    const nb = JSON.parse(readFileSync(join(dir.path, 'train-run.ipynb'), 'utf8'));
    expect(nb.cells[1].metadata.tags).toEqual(['injected-parameters']);
    expect(nb.cells[1].source.join('')).toBe('# Parameters\nepochs = 3\nname = "iris"\nlr = 0.5\n');
    expect(nb.cells[2].outputs[0].text.join('')).toBe('iris: 3 epochs at lr=0.5\n');
    expect(nb.cells[3].outputs).toEqual([expect.objectContaining({ output_type: 'display_data', data: { 'text/plain': ["'v2'"] } })]);
    expect(nb.cells[4].outputs[0]).toMatchObject({ output_type: 'execute_result', data: { 'text/plain': ['6'] } });
    expect(nb.cells.map((x: { execution_count: number }) => x.execution_count)).toEqual([1, 2, 3, 4, 5]);
    validate(join(dir.path, 'train-run.ipynb'));
    // The input is untouched; running the output again replaces the injected cell rather than adding one.
    expect(JSON.parse(readFileSync(join(dir.path, 'train.ipynb'), 'utf8')).cells).toHaveLength(4);
    expect(await nbCommand(['run', 'train-run.ipynb', '-p', 'epochs=4'], io().io, dir.path)).toBe(0);
    const again = JSON.parse(readFileSync(join(dir.path, 'train-run.ipynb'), 'utf8'));
    expect(again.cells.filter((x: { metadata: { tags?: string[] } }) => x.metadata.tags?.includes('injected-parameters'))).toHaveLength(1);
    expect(again.cells.at(-1).outputs[0].data['text/plain']).toEqual(['8']);
    // A notebook outside the current folder runs too, as with papermill, and its kernel starts in its own folder.
    mkdirSync(join(dir.path, 'elsewhere'));
    makeNotebook(join(dir.path, 'where.ipynb'), [{ source: 'import os; print(os.getcwd())' }]);
    const c3 = io();
    expect(await nbCommand(['run', '../where.ipynb', '-o', '../where-run.ipynb'], c3.io, join(dir.path, 'elsewhere'))).toBe(0);
    expect(c3.out.join()).toBe(`Ran 1 code cell; wrote ${join(dir.path, 'where-run.ipynb')}`);
    expect(JSON.parse(readFileSync(join(dir.path, 'where-run.ipynb'), 'utf8')).cells[0].outputs[0].text.join('')).toBe(`${realpathSync(dir.path)}\n`);
  }, 120_000);

  it('exits 1 at the first failing cell and still writes the executed notebook with the error', async () => {
    dir = tempDir();
    makeNotebook(join(dir.path, 'bad.ipynb'), [{ source: 'x = 1' }, { source: '1/0' }, { source: 'print("never")' }]);
    // Through the CLI entry, paths resolve against the process's folder, where this notebook is not:
    const c = io();
    expect(await runCli(['nb', 'run', 'no-such-notebook.ipynb'], c.io)).toBe(1);
    expect(c.err.join()).toMatch(/No notebook at no-such-notebook\.ipynb/);
    const c2 = io();
    expect(await nbCommand(['run', 'bad.ipynb', '-o', 'bad-out.ipynb'], c2.io, dir.path)).toBe(1);
    expect(c2.err.join()).toMatch(/Cell 2 failed: ZeroDivisionError: division by zero/);
    const nb = JSON.parse(readFileSync(join(dir.path, 'bad-out.ipynb'), 'utf8'));
    expect(nb.cells[1].outputs[0]).toMatchObject({ output_type: 'error', ename: 'ZeroDivisionError' });
    expect(nb.cells[2].outputs).toEqual([]);
    validate(join(dir.path, 'bad-out.ipynb'));
  }, 120_000);

  it('finds the env kernels Lathe registered in its data dir, and names an unknown kernel without a traceback (issue 22)', async () => {
    dir = tempDir();
    const dataDir = join(dir.path, 'data');
    writeEnvKernelSpec(dataDir, { name: 'conda-demo', displayName: 'Python 3 (demo)', python: PY, env: { LATHE_MARK: 'from-env-kernel' }, envPrefix: join(dir.path, 'demo') });
    makeNotebook(join(dir.path, 'k.ipynb'), [{ source: 'import os\nprint(os.environ.get("LATHE_MARK"))' }]);
    const c = io();
    expect(await nbCommand(['run', 'k.ipynb', '-o', 'k-out.ipynb', '--kernel', 'conda-demo', '--data-dir', dataDir], c.io, dir.path)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir.path, 'k-out.ipynb'), 'utf8')).cells[0].outputs[0].text).toEqual(['from-env-kernel\n']);
    // LATHE_HOME finds the same data dir, as it does for the core.
    expect(await nbCommand(['run', 'k.ipynb', '-o', 'k2.ipynb', '--kernel', 'conda-demo'], io().io, dir.path, { ...process.env, LATHE_HOME: dataDir })).toBe(0);
    const err = await nbCommand(['run', 'k.ipynb', '--kernel', 'conda-nope', '--data-dir', dataDir], io().io, dir.path).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: "KERNEL_START_FAILED", message: expect.stringMatching(/"conda-nope" kernel on this machine: there is no kernelspec by that name\. Available kernels there: .*conda-demo/) });
    expect((err as Error).message).not.toMatch(/Traceback|File "/);
  }, 120_000);

  it('reports a kernel that dies mid-run, writes the notebook up to that cell, and leaves no process or folder behind (issue 23)', async () => {
    dir = tempDir();
    makeNotebook(join(dir.path, 'die.ipynb'), [{ source: 'print("before")' }, { source: 'import os, time\nprint("dying", flush=True)\ntime.sleep(0.5)\nos._exit(1)' }, { source: 'print("never")' }]);
    const mine = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('lathe-nb-');
      } catch {
        return false;
      }
    });
    const before = new Set(mine());
    const runtimes = () => readdirSync(tmpdir()).filter((f) => f.startsWith('lathe-nb-'));
    const tmpBefore = new Set(runtimes());
    const c = io();
    expect(await nbCommand(['run', 'die.ipynb', '-o', 'die-out.ipynb'], c.io, dir.path)).toBe(1);
    expect(c.err.join('\n')).toMatch(/The kernel died while running cell 2 .*The executed notebook, up to that cell, is in die-out\.ipynb/);
    expect(c.err.join('\n')).not.toMatch(/Traceback|Kernel connection disconnected/);
    const nb = JSON.parse(readFileSync(join(dir.path, 'die-out.ipynb'), 'utf8'));
    expect(nb.cells[0].outputs[0].text).toEqual(['before\n']);
    expect(nb.cells[1].outputs[0].text).toEqual(['dying\n']);
    expect(nb.cells[2].outputs).toEqual([]);
    validate(join(dir.path, 'die-out.ipynb'));
    await waitFor(() => mine().every((p) => before.has(p)), 'the Jupyter server and kernels it started to be gone', 15_000);
    expect(runtimes().filter((f) => !tmpBefore.has(f))).toEqual([]);
  }, 120_000);

  it('refuses bad usage and paths outside the folder', async () => {
    dir = tempDir();
    await expect(nbCommand(['run'], io().io, dir.path)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(nbCommand(['run', 'a.ipynb', '-p', 'oops'], io().io, dir.path)).rejects.toMatchObject({ message: expect.stringMatching(/NAME=VALUE/) });
    // Any notebook the user names is theirs to run (as with papermill); one that is not there is said plainly.
    await expect(nbCommand(['run', '../no-such-notebook.ipynb'], io().io, dir.path)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(nbCommand(['walk'], io().io, dir.path)).rejects.toMatchObject({ code: 'USAGE' });
    const c = io();
    expect(await runCli(['nb', 'run'], c.io)).toBe(2);
    expect(c.err.join()).toMatch(/no input notebook/);
  });
});
