import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeInstallation, pythonEnv } from '../../../scripts/test/condaFixture';
import { tempDirs } from '../../../scripts/test/tempDir';
import { buildArgs, compareVersions, flavourOf, planFromOutput, runTool, type ToolProgress, type ToolRef } from './condaCli';

const dirs = tempDirs('lathe-cli-');
const tmp = dirs.make;
afterEach(dirs.cleanup);

function install(tool: 'conda' | 'mamba' | 'micromamba', version?: string): { t: ToolRef; root: string; env: NodeJS.ProcessEnv } {
  const root = join(tmp(), 'root');
  const exe = makeInstallation(root, tool, { version });
  // The stand-in appends conda's environments.txt under HOME: keep it inside the test folder.
  return { t: { tool, exe, version: version ?? (tool === 'micromamba' ? '1.5.8' : '24.1.2') }, root, env: { ...process.env, HOME: join(root, '..') } };
}

describe('conda CLI dialects', () => {
  it('speaks conda to conda and mamba 1, libmamba to micromamba and mamba 2', () => {
    expect(flavourOf({ tool: 'conda', exe: 'conda' })).toBe('conda');
    expect(flavourOf({ tool: 'mamba', exe: 'mamba', version: '1.5.8' })).toBe('conda');
    expect(flavourOf({ tool: 'mamba', exe: 'mamba', version: '2.0.5' })).toBe('libmamba');
    expect(flavourOf({ tool: 'micromamba', exe: 'micromamba' })).toBe('libmamba');
  });

  it('builds each dialect its own flags', () => {
    const conda: ToolRef = { tool: 'conda', exe: '/c/bin/conda', version: '24.1.2' };
    const oldConda: ToolRef = { tool: 'conda', exe: '/c/bin/conda', version: '4.14.0' };
    const mm: ToolRef = { tool: 'micromamba', exe: '/m/micromamba' };
    expect(buildArgs(conda, { kind: 'create', target: { name: 'x' }, packages: ['numpy'] }, { dryRun: true, channels: ['conda-forge'], overrideChannels: true, offline: true })).toEqual(['create', '--yes', '--json', '--dry-run', '-n', 'x', '-c', 'conda-forge', '--override-channels', '--offline', 'numpy']);
    expect(buildArgs(conda, { kind: 'createFromFile', target: { name: 'x' }, file: '/t/env.yml' })).toEqual(['env', 'create', '--json', '-n', 'x', '-f', '/t/env.yml']);
    expect(buildArgs(mm, { kind: 'createFromFile', target: { name: 'x' }, file: '/t/env.yml' })).toEqual(['create', '--yes', '--json', '-n', 'x', '-f', '/t/env.yml']);
    // An explicit lock file is linked as listed (no channels); an environment.yml's channels come first in a planned create.
    expect(buildArgs(conda, { kind: 'createExplicit', target: { name: 'x' }, file: '/t/lock.txt' }, { channels: ['defaults'] })).toEqual(['create', '--yes', '--json', '-n', 'x', '--file', '/t/lock.txt']);
    expect(buildArgs(mm, { kind: 'createExplicit', target: { name: 'x' }, file: '/t/lock.txt' })).toEqual(['create', '--yes', '--json', '-n', 'x', '-f', '/t/lock.txt']);
    expect(buildArgs(conda, { kind: 'create', target: { name: 'x' }, packages: ['a'], channels: ['bioconda', 'nodefaults'] }, { channels: ['conda-forge'] })).toEqual(['create', '--yes', '--json', '-n', 'x', '-c', 'bioconda', '--override-channels', '-c', 'conda-forge', 'a']);
    expect(buildArgs(conda, { kind: 'removeEnv', prefix: '/e' })).toEqual(['env', 'remove', '--json', '--yes', '-p', '/e']);
    expect(buildArgs(oldConda, { kind: 'removeEnv', prefix: '/e' })).toEqual(['env', 'remove', '--json', '-p', '/e']);
    expect(buildArgs(conda, { kind: 'rollback', prefix: '/e', revision: 2 })).toEqual(['install', '--yes', '--json', '-p', '/e', '--revision', '2']);
    expect(() => buildArgs(mm, { kind: 'rollback', prefix: '/e', revision: 2 })).toThrow(/cannot roll back/);
  });

  it('orders versions as conda does for upgrade/downgrade', () => {
    expect(compareVersions('1.26.4', '1.26.0')).toBeGreaterThan(0);
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0rc1', '2.0.0')).toBeLessThan(0);
    expect(compareVersions('3.11.9', '3.11.9')).toBe(0);
  });

  it('groups a dry run into install, upgrade, downgrade and remove', () => {
    const plan = planFromOutput({
      actions: {
        LINK: [
          { name: 'numpy', version: '2.0.0', build_string: 'py311_0', channel: 'conda-forge' },
          { name: 'scipy', version: '1.13.0', build_string: 'py311_0', channel: 'conda-forge' },
          { name: 'libfoo', version: '1.0', build_string: 'h1', channel: 'conda-forge' },
        ],
        UNLINK: [
          { name: 'numpy', version: '1.26.4', build_string: 'py311_0', channel: 'conda-forge' },
          { name: 'libfoo', version: '2.0', build_string: 'h1', channel: 'conda-forge' },
          'conda-forge::six-1.16.0-pyh_0',
        ],
        PREFIX: '/e',
      },
      success: true,
    });
    expect(plan.install.map((p) => p.name)).toEqual(['scipy']);
    expect(plan.upgrade).toEqual([{ name: 'numpy', from: '1.26.4-py311_0', to: '2.0.0-py311_0', channel: 'conda-forge' }]);
    expect(plan.downgrade.map((p) => p.name)).toEqual(['libfoo']);
    expect(plan.remove).toEqual([{ name: 'six', from: '1.16.0-pyh_0', channel: 'conda-forge' }]);
    expect(plan.nothingToDo).toBe(false);
    expect(planFromOutput({ message: 'All requested packages already installed.', success: true })).toMatchObject({ nothingToDo: true, message: 'All requested packages already installed.' });
  });
});

describe('running the tool (against a stand-in that replays conda)', () => {
  it('separates NUL-delimited fetch progress from the final JSON', async () => {
    const { t, root, env } = install('conda');
    const progress: ToolProgress[] = [];
    const out = await runTool(t, buildArgs(t, { kind: 'create', target: { name: 'p' }, packages: ['python=3.11', 'numpy'] }), { env, onProgress: (p) => progress.push(p) });
    expect(out.json).toMatchObject({ success: true, prefix: join(root, 'envs', 'p') });
    expect(planFromOutput(out.json).install.map((p) => p.name)).toEqual(['numpy', 'python']);
    expect(progress.filter((p) => p.kind === 'fetch').map((p) => p.fraction)).toEqual([0.5, 1, 0.5, 1]);
  });

  it('explains PackagesNotFoundError with the packages and channels', async () => {
    const { t, env } = install('conda');
    const err = await runTool(t, buildArgs(t, { kind: 'create', target: { name: 'q' }, packages: ['does-not-exist-pkg'] }, { channels: ['bioconda'] }), { env }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENV_PACKAGES_NOT_FOUND', detail: { packages: ['does-not-exist-pkg'], channels: ['bioconda'] } });
    expect((err as Error).message).toMatch(/^Not found in bioconda: does-not-exist-pkg\. Check the spelling/);
  });

  it('explains UnsatisfiableError with the conflicting chains', async () => {
    const { t, env } = install('conda');
    const err = await runTool(t, buildArgs(t, { kind: 'create', target: { name: 'q' }, packages: ['conflict-a', 'conflict-b'] }), { env }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENV_CONFLICT', detail: { unsatisfiable: ['conflict-a → libfoo 1.*', 'conflict-b → libfoo 2.*'] } });
    expect((err as Error).message).toContain('cannot be installed together: conflict-a → libfoo 1.*; conflict-b → libfoo 2.*');
  });

  it('treats "All requested packages already installed." as success, and plain-text env remove as success', async () => {
    const { t, root, env } = install('conda');
    const prefix = pythonEnv(join(root, 'envs', 'x'));
    const out = await runTool(t, buildArgs(t, { kind: 'install', prefix, packages: ['python=3.11.9'] }), { env });
    expect(planFromOutput(out.json)).toMatchObject({ nothingToDo: true });
    const rm = await runTool(t, buildArgs(t, { kind: 'removeEnv', prefix }), { env });
    expect(rm.json).toBeUndefined();
    expect(rm.text).toContain(`Remove all packages in environment ${prefix}`);
  });

  it('is rejected by micromamba for conda-only flags, which is why Lathe never sends them', async () => {
    const { t, env } = install('micromamba');
    const err = await runTool(t, ['create', '--yes', '--json', '-n', 'z', '--clone', 'x'], { env }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONDA_FAILED', message: expect.stringContaining('unrecognized arguments: --clone') });
    const ok = await runTool(t, buildArgs(t, { kind: 'create', target: { name: 'z' }, packages: ['python'] }), { env });
    expect(ok.json).toMatchObject({ success: true });
  });

  it('stops the tool on cancel (SIGINT, as Ctrl+C) and conda rolls back', async () => {
    const { t, root, env } = install('conda');
    const ac = new AbortController();
    const progress: ToolProgress[] = [];
    const run = runTool(t, buildArgs(t, { kind: 'create', target: { name: 'slow' }, packages: ['slow-pkg'] }), { env, signal: ac.signal, onProgress: (p) => (progress.push(p), p.kind === 'fetch' && ac.abort()) });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(progress.length).toBeGreaterThan(0);
    expect(() => readFileSync(join(root, 'envs', 'slow', 'conda-meta', 'history'))).toThrow();
  });

  it('says what to install when the executable is missing', async () => {
    const err = await runTool({ tool: 'conda', exe: join(tmp(), 'nope', 'conda') }, ['info', '--json']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONDA_NOT_FOUND', message: expect.stringContaining('Install conda, mamba or micromamba') });
  });
});
