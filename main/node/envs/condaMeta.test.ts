import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv, pythonEnv } from '../../../scripts/test/condaFixture';
import { tempDirs } from '../../../scripts/test/tempDir';
import { channelName, parseDistName, parseHistory, pipPackages, quickInfo, readRecords, requestedSpecs, treeSize } from './condaMeta';

const dirs = tempDirs('lathe-conda-');
const tmp = dirs.make;
afterEach(dirs.cleanup);

describe('conda-meta reading', () => {
  it('splits dist names whose package names contain dashes', () => {
    expect(parseDistName('scikit-learn-1.5.0-py311h_0.json')).toEqual({ name: 'scikit-learn', version: '1.5.0', build: 'py311h_0' });
    expect(parseDistName('_libgcc_mutex-0.1-conda_forge.json')).toEqual({ name: '_libgcc_mutex', version: '0.1', build: 'conda_forge' });
    expect(parseDistName('history')).toBeUndefined();
  });

  it('names channels as people say them', () => {
    expect(channelName('https://conda.anaconda.org/conda-forge/linux-64')).toBe('conda-forge');
    expect(channelName('https://repo.anaconda.com/pkgs/main/noarch')).toBe('defaults');
    expect(channelName('conda-forge/noarch')).toBe('conda-forge');
    expect(channelName('file:///srv/channel/linux-64')).toBe('file:///srv/channel');
    expect(channelName('https://mirror.example.com/conda/bioconda/linux-64')).toBe('https://mirror.example.com/conda/bioconda');
  });

  it('reads the quick facts, packages (conda and pip) and history of an env', async () => {
    const p = pythonEnv(join(tmp(), 'iris'), { more: [{ name: 'scikit-learn', version: '1.5.0', build: 'py311h_0' }], pip: [{ name: 'lathe_extra', version: '0.3.1' }] });
    const q = await quickInfo(p);
    expect(q).toMatchObject({ python: '3.11.9', hasIpykernel: true, hasJupyterServer: false, packageCount: 4 });
    expect(q.modifiedAt).toMatch(/^\d{4}-/);
    const { records, problems } = await readRecords(p);
    expect(problems).toEqual([]);
    expect(records.map((r) => r.name)).toEqual(['ipykernel', 'pip', 'python', 'scikit-learn']);
    // Conda's own dist-infos (INSTALLER=conda) are not pip packages.
    expect(await pipPackages(p)).toEqual([{ name: 'lathe_extra', version: '0.3.1', build: 'pypi_0', channel: 'pypi', source: 'pip' }]);
  });

  it('finds ipykernel and jupyter_server installed by pip only', async () => {
    const p = makeEnv(join(tmp(), 'e'), { packages: [{ name: 'python', version: '3.12.1' }], pip: [{ name: 'ipykernel', version: '6.29.0' }, { name: 'jupyter_server', version: '2.14.0' }] });
    expect(await quickInfo(p)).toMatchObject({ hasIpykernel: true, hasJupyterServer: true });
  });

  it('reports a corrupt record by file name and keeps reading the rest', async () => {
    const p = pythonEnv(join(tmp(), 'bad'));
    writeFileSync(join(p, 'conda-meta', 'numpy-1.26.4-py311_0.json'), '{"name": "numpy", "vers');
    const { records, problems } = await readRecords(p);
    expect(records).toHaveLength(3);
    expect(problems).toEqual([expect.stringContaining('conda-meta/numpy-1.26.4-py311_0.json is corrupt')]);
  });

  it('refuses a folder that is not an env with a clear error', async () => {
    const d = tmp();
    await expect(quickInfo(d)).rejects.toMatchObject({ code: 'ENV_NOT_FOUND', message: expect.stringContaining('no conda-meta folder') });
  });

  it('parses history revisions, old and new formats, and what was requested', () => {
    const h = parseHistory(
      [
        '==> 2024-01-01 10:00:00 <==',
        '# cmd: /opt/conda/bin/conda create -n x python=3.11 numpy',
        '+conda-forge/linux-64::python-3.11.0-h_0',
        '+numpy-1.26.0-py311_0',
        "# update specs: ['python=3.11', 'numpy']",
        '==> 2024-02-01 10:00:00 <==',
        '# cmd: conda install -n x "numpy>=1.26.4" scipy',
        '-numpy-1.26.0-py311_0',
        '+numpy-1.26.4-py311_0',
        '+scipy-1.12.0-py311_0',
        '# update specs: ["numpy>=1.26.4", \'conda-forge::scipy\']',
        '==> 2024-03-01 10:00:00 <==',
        '# cmd: conda remove -n x scipy',
        '-scipy-1.12.0-py311_0',
        "# remove specs: ['scipy']",
      ].join('\n'),
    );
    expect(h.map((r) => r.rev)).toEqual([0, 1, 2]);
    expect(h[1]).toMatchObject({ date: '2024-02-01 10:00:00', added: ['numpy-1.26.4-py311_0', 'scipy-1.12.0-py311_0'], removed: ['numpy-1.26.0-py311_0'], requested: ['numpy>=1.26.4', 'conda-forge::scipy'] });
    expect(requestedSpecs(h)).toEqual(['python=3.11', 'numpy>=1.26.4']);
  });

  it('measures size counting hard-linked files once', async () => {
    const d = tmp();
    mkdirSync(join(d, 'a'));
    writeFileSync(join(d, 'a', 'f'), Buffer.alloc(1000));
    writeFileSync(join(d, 'g'), Buffer.alloc(500));
    const { linkSync } = await import('node:fs');
    linkSync(join(d, 'a', 'f'), join(d, 'h'));
    expect(await treeSize(d)).toBe(1500);
  });
});
