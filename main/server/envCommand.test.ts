import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeInstallation } from '../../scripts/test/condaFixture';
import { tempDir } from '../../scripts/test/tempDir';
import { capture } from '../../scripts/test/capture';
import { runCli } from './cli';
import { startCore } from './serverMain';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

describe('lathe env (against a core whose user has a stand-in conda)', () => {
  it('creates, lists, shows, plans, exports and reports errors through a running core', async () => {
    dir = tempDir();
    const home = join(dir.path, 'home');
    mkdirSync(home);
    const exe = makeInstallation(join(home, 'miniforge3'), 'conda');
    const standinLog = join(dir.path, 'standin.log');
    const core = await startCore({ dataDir: join(dir.path, 'data'), localSocket: false, logConsole: null, home, userEnv: { PATH: '/usr/bin:/bin', HOME: home, STANDIN_LOG: standinLog } });
    const cli = async (...args: string[]) => {
      const c = capture();
      const code = await runCli(['env', ...args, '--url', core.url], c.io, { LATHE_TOKEN: core.token });
      return { code, out: c.out.join('\n'), err: c.err.join('\n') };
    };
    try {
      const made = await cli('create', 'demo', 'python=3.11', 'ipykernel');
      expect(made).toMatchObject({ code: 0, out: expect.stringContaining('Install:\n  ipykernel 1.0.0-h0_0 (conda-forge)') });
      expect(made.err).toContain('fetched python-3.11');
      expect(made.err).toContain(`$ conda create --yes --json -n demo`);

      const list = await cli('list', '--json');
      const l = JSON.parse(list.out) as { envs: { name: string; kernelName?: string }[]; defaultExe: string };
      expect(l.defaultExe).toBe(exe);
      expect(l.envs.find((e) => e.name === 'demo')).toMatchObject({ kernelName: 'conda-demo' });
      expect((await cli('list')).out).toMatch(/demo\s+3\.11\s+kernel/);

      const show = JSON.parse((await cli('show', 'demo', '--json')).out) as { packages: { name: string }[]; activation: Record<string, string> };
      expect(show.packages.map((p) => p.name)).toEqual(['ipykernel', 'python']);
      expect(show.activation.CONDA_DEFAULT_ENV).toBe('demo');

      const plan = await cli('pkg', 'install', 'demo', 'numpy=2.1', '--dry-run');
      expect(plan).toMatchObject({ code: 0, out: 'Install:\n  numpy 2.1-h0_0 (conda-forge)' });

      // Every MatchSpec form conda takes reaches it as it is, one argv element each (issue 22: `<`/`>` were refused).
      const specs = ['libdemo>=2', 'pkg>=1,<2', 'conda-forge::tool=1.2=*_0', "extra[version='>=1.5']", 'spaced >=3'];
      const many = await cli('pkg', 'install', 'demo', ...specs, '--dry-run');
      expect(many).toMatchObject({ code: 0, out: expect.stringContaining('libdemo 2-h0_0') });
      expect(many.out).toContain('extra 1.5-h0_0');
      const calls = readFileSync(standinLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { args: string[] });
      expect(calls.at(-1)!.args).toEqual(expect.arrayContaining(specs));
      const refused = await cli('pkg', 'install', 'demo', 'numpy[foo=1]', '--dry-run');
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/"numpy\[foo=1\]" is not a conda package spec: "foo" is not a MatchSpec key/);

      const file = join(dir.path, 'demo.txt');
      expect((await cli('export', 'demo', '--explicit', '-o', file)).code).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('@EXPLICIT');

      const missing = await cli('create', 'bad', 'does-not-exist-x');
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/Not found in conda-forge: does-not-exist-x/);

      const yml = join(dir.path, 'env.yml');
      writeFileSync(yml, 'name: y\ndependencies:\n - a\n  - b: [\n');
      const badFile = await cli('create', '--file', yml);
      expect(badFile.code).toBe(1);
      expect(badFile.err).toMatch(/environment\.yml is not valid YAML at line \d+/);

      // pack → unpack elsewhere → publish → install from the registry
      const archive = join(dir.path, 'demo.tar.gz');
      const packed = await cli('pack', 'demo', '-o', archive, '--version', '0.1');
      expect(packed).toMatchObject({ code: 0, out: expect.stringMatching(/demo\.tar\.gz\nsha256:[0-9a-f]{64}/) });
      const moved = join(dir.path, 'moved', 'demo2');
      expect((await cli('unpack', archive, moved)).out).toContain(`Unpacked to ${moved}`);
      expect((await cli('publish', 'demo', '--version', '0.1', '--format', 'tar.gz')).out).toMatch(/^Published demo@0\.1 sha256:/);
      expect((await cli('published')).out).toMatch(/^demo@0\.1\s+sha256:/);
      expect((await cli('install', 'demo@0.1', '--name', 'demo-from-registry')).code).toBe(0);
      const names = (JSON.parse((await cli('list', '--json')).out) as { envs: { name: string }[] }).envs.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['demo', 'demo2', 'demo-from-registry']));
      expect((await cli('publish', 'demo', '--format', 'zip')).code).toBe(2);

      expect((await cli('rollback', 'demo', 'x')).code).toBe(2);
      expect((await cli('show', 'nope')).err).toMatch(/No env named "nope"/);
    } finally {
      await core.dispose();
    }
  });

  it('against conda 23.7: each download is reported once, archive progress says real sizes, and every env operation is in core.log (issue 22)', async () => {
    dir = tempDir();
    const home = join(dir.path, 'home');
    mkdirSync(home);
    makeInstallation(join(home, 'miniforge3'), 'conda', { version: '23.7.4' });
    const dataDir = join(dir.path, 'data');
    const core = await startCore({ dataDir, localSocket: false, logConsole: null, home, userEnv: { PATH: '/usr/bin:/bin', HOME: home } });
    const cli = async (...args: string[]) => {
      const c = capture();
      const code = await runCli(['env', ...args, '--url', core.url], c.io, { LATHE_TOKEN: core.token });
      return { code, out: c.out.join('\n'), err: c.err.join('\n') };
    };
    try {
      const made = await cli('create', 'demo', 'python=3.11', 'libdemo>=2');
      expect(made.code).toBe(0);
      const fetched = made.err.split('\n').filter((l) => l.startsWith('fetched '));
      expect(fetched.sort()).toEqual(['fetched libdemo-2', 'fetched python-3.11']);
      const archive = join(dir.path, 'demo.tar.gz');
      const packed = await cli('pack', 'demo', '-o', archive);
      expect(packed.code).toBe(0);
      expect(packed.err).not.toMatch(/0 of 0 MB/);
      expect(packed.err).toMatch(/100% \(\d+(\.\d+)? (B|KB) of \d+(\.\d+)? (B|KB)\)/);
      expect((await cli('remove', 'demo')).code).toBe(0);
    } finally {
      await core.dispose();
    }
    const log = readFileSync(join(dataDir, 'logs', 'core.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; command?: string; durationMs?: number });
    const ops = log.filter((l) => /^env (create|remove|pack)/.test(l.msg));
    expect(ops.map((l) => l.msg)).toEqual(['env create: ok', expect.stringMatching(/^env pack demo to .*demo\.tar\.gz: ok$/), 'env remove: ok']);
    expect(ops[0]!.command).toMatch(/bin\/conda create --yes --json -n demo .*python=3\.11 libdemo>=2$/);
    expect(ops.every((l) => typeof l.durationMs === 'number')).toBe(true);
    expect(readFileSync(join(dataDir, 'logs', 'core.log'), 'utf8')).not.toContain(core.token);
  });
});
