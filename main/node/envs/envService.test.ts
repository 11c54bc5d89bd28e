import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvChannel, type EnvList, type EnvProgress } from '../../common/envs';
import { createMemoryPortPair } from '../../common/memoryTransport';
import { RpcClient, createProxy } from '../../common/rpcClient';
import { RpcServer } from '../../common/rpcServer';
import { latheJupyterPath } from '../../../kernels/kernelspecs';
import { makeEnv, makeInstallation, pythonEnv } from '../../../scripts/test/condaFixture';
import { tempDir, waitFor } from '../../../scripts/test/tempDir';
import { Logger } from '../../base/node/logger';
import { SettingsService } from '../settings/settingsService';
import { openDatabase, type Db } from '../../base/node/database';
import type { EnvService } from './envService';
import { wireEnvService } from './envWiring';
import { envMigrations } from './envCache';
import { archiveMigrations } from './archiveStore';
import { coreMigrations } from '../../base/node/migrations';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A user's machine in a temp folder: a home with installations and envs, and Lathe's data dir. */
function world(opts: { tool?: 'conda' | 'micromamba'; isRoot?: boolean } = {}) {
  const d = tempDir('lathe-envs-');
  cleanups.push(d.remove);
  const home = join(d.path, 'home');
  mkdirSync(home, { recursive: true });
  const dataDir = join(d.path, 'data');
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: home };
  let exe: string | undefined;
  if (opts.tool === 'micromamba') {
    const root = join(home, 'micromamba');
    exe = makeInstallation(root, 'micromamba');
    env.MAMBA_EXE = exe;
    env.MAMBA_ROOT_PREFIX = root;
  } else if (opts.tool === 'conda') {
    exe = makeInstallation(join(home, 'miniforge3'), 'conda');
  }
  return { home, dataDir, env, exe, base: d.path, isRoot: opts.isRoot ?? false, homesDir: join(d.path, 'homes') };
}

function service(w: ReturnType<typeof world>, db?: Db): { svc: EnvService; db: Db; log: string[] } {
  const database = db ?? openDatabase(w.dataDir, [...coreMigrations, ...envMigrations, ...archiveMigrations]);
  const lines: string[] = [];
  const log = new Logger({ console: (l) => lines.push(l) });
  const settings = new SettingsService({ dataDir: w.dataDir }, log);
  const svc = wireEnvService({ dataDir: w.dataDir, scan: { env: w.env, home: w.home, platform: 'linux', isRoot: w.isRoot, homesDir: w.homesDir }, debounceMs: 50, minRescanMs: 0 }, database, settings, log);
  cleanups.push(() => {
    svc.dispose();
    settings.dispose();
    if (!db) database.close();
  });
  return { svc, db: database, log: lines };
}

const byName = (l: EnvList, name: string) => l.envs.find((e) => e.name === name);

describe('EnvService discovery', () => {
  it('finds envs from roots, envs dirs, .condarc, environments.txt (every user as root) and micromamba', async () => {
    const w = world({ tool: 'conda', isRoot: true });
    const root = join(w.home, 'miniforge3');
    pythonEnv(join(root, 'envs', 'iris'));
    makeEnv(join(root, 'envs', 'plain'), { packages: [{ name: 'zlib', version: '1.3.1' }] });
    // envs_dirs from ~/.condarc, with ~ expanded
    writeFileSync(join(w.home, '.condarc'), 'envs_dirs:\n  - ~/more-envs\nchannels: [conda-forge]\n');
    pythonEnv(join(w.home, 'more-envs', 'extra'), { python: '3.12.3' });
    // An env made with -p elsewhere, known only from environments.txt, made by this conda
    const proj = pythonEnv(join(w.base, 'projects', 'proj', '.env'), { madeBy: join(root, 'bin', 'conda') });
    mkdirSync(join(w.home, '.conda'), { recursive: true });
    writeFileSync(join(w.home, '.conda', 'environments.txt'), `${proj}\n${join(w.base, 'gone')}\n`);
    // Another user's env, seen because the core runs as root
    const other = pythonEnv(join(w.base, 'elsewhere', 'bob-env'));
    mkdirSync(join(w.homesDir, 'bob', '.conda'), { recursive: true });
    writeFileSync(join(w.homesDir, 'bob', '.conda', 'environments.txt'), other + '\n');
    // micromamba through MAMBA_EXE, with its own root
    const mmRoot = join(w.home, 'micromamba');
    w.env.MAMBA_EXE = makeInstallation(mmRoot, 'micromamba');
    w.env.MAMBA_ROOT_PREFIX = mmRoot;
    pythonEnv(join(mmRoot, 'envs', 'mm1'));

    const { svc } = service(w);
    const list = await svc.list();
    expect(list.installations.map((i) => [i.tool, i.source])).toEqual([
      ['micromamba', 'MAMBA_EXE'],
      ['conda', 'root ~/miniforge3'],
    ]);
    expect(list.envs.map((e) => e.name).sort()).toEqual(['.env', 'base', 'base', 'bob-env', 'extra', 'iris', 'mm1', 'plain']);
    expect(byName(list, 'iris')).toMatchObject({ prefix: join(root, 'envs', 'iris'), named: true, owner: w.exe, python: '3.11.9', hasIpykernel: true, packageCount: 3, kernelName: 'conda-iris' });
    expect(byName(list, 'plain')).toMatchObject({ hasIpykernel: false, packageCount: 1 });
    expect(byName(list, 'plain')!.python ?? byName(list, 'plain')!.kernelName).toBeUndefined();
    expect(byName(list, 'extra')).toMatchObject({ python: '3.12.3', named: true });
    expect(byName(list, 'mm1')).toMatchObject({ owner: w.env.MAMBA_EXE });
    expect(byName(list, '.env')).toMatchObject({ prefix: proj, named: false, owner: w.exe });
    expect(list.envs.filter((e) => e.isBase).map((e) => e.prefix).sort()).toEqual([mmRoot, root].sort());
    await svc.idle();
    // conda info --json ran once per installation in the background and is cached
    const again = await svc.list({ refresh: true });
    expect(again.installations.find((i) => i.tool === 'conda')).toMatchObject({ version: '24.1.2' });
    expect(again.installations.find((i) => i.tool === 'micromamba')).toMatchObject({ version: '1.5.8' });
    expect(byName(again, 'iris')!.sizeBytes).toBeGreaterThan(0);
  });

  it('keeps going past a broken .condarc and a corrupt record, and says so', async () => {
    const w = world({ tool: 'conda' });
    writeFileSync(join(w.home, '.condarc'), 'envs_dirs: [unclosed\n');
    const p = pythonEnv(join(w.home, 'miniforge3', 'envs', 'ok'));
    writeFileSync(join(p, 'conda-meta', 'numpy-1.0-0.json'), '{');
    const { svc, log } = service(w);
    const list = await svc.list();
    expect(byName(list, 'ok')).toBeDefined();
    expect(log.join('\n')).toMatch(/\.condarc is not valid YAML/);
    const detail = await svc.show('ok');
    expect(detail.problem).toMatch(/numpy-1\.0-0\.json is corrupt/);
    expect(detail.packages.map((x) => x.name)).toEqual(['ipykernel', 'pip', 'python']);
  });

  it('shows the cached list at once on the next launch, then refreshes in the background', async () => {
    const w = world({ tool: 'conda' });
    pythonEnv(join(w.home, 'miniforge3', 'envs', 'a'));
    const first = service(w);
    await first.svc.list();
    await first.svc.idle();
    first.svc.dispose();
    pythonEnv(join(w.home, 'miniforge3', 'envs', 'b'));
    const second = service(w, first.db);
    const changes: EnvList[] = [];
    second.svc.onDidChange((l) => changes.push(l));
    const cached = await second.svc.list();
    expect(cached.refreshing).toBe(true);
    expect(cached.envs.map((e) => e.name)).toEqual(['base', 'a']);
    expect(byName(cached, 'a')!.sizeBytes).toBeGreaterThan(0);
    const fresh = (await waitFor(() => changes.find((l) => byName(l, 'b')), 'the background refresh to find env b'))!;
    expect(fresh.refreshing).toBe(false);
  });

  it('watches envs dirs: a new env appears and a removed one goes, with its kernelspec', async () => {
    const w = world({ tool: 'conda' });
    const { svc } = service(w);
    await svc.list();
    const changes: EnvList[] = [];
    svc.onDidChange((l) => changes.push(l));
    const p = pythonEnv(join(w.home, 'miniforge3', 'envs', 'late'));
    const seen = (await waitFor(() => changes.find((l) => byName(l, 'late')), 'the watcher to find env late'))!;
    expect(byName(seen, 'late')!.kernelName).toBe('conda-late');
    const spec = join(latheJupyterPath(w.dataDir), 'kernels', 'conda-late', 'kernel.json');
    expect(existsSync(spec)).toBe(true);
    const from = changes.indexOf(seen);
    rmSync(p, { recursive: true });
    await waitFor(() => changes.slice(from).some((l) => !byName(l, 'late')), 'the watcher to drop env late');
    expect(existsSync(spec)).toBe(false);
  });

  it('writes a kernelspec that runs the env python with activation variables (activate.d and env config vars)', async () => {
    const w = world({ tool: 'conda' });
    w.env.CONDA_PREFIX = join(w.home, 'miniforge3');
    w.env.PATH = `${join(w.home, 'miniforge3', 'bin')}:/usr/bin:/bin`;
    const p = pythonEnv(join(w.home, 'miniforge3', 'envs', 'geo'), {
      activateD: { 'gdal.sh': 'export GDAL_DATA="$CONDA_PREFIX/share/gdal"\nexport PROJ_NETWORK=ON\n' },
      stateVars: { MY_SETTING: 'x1' },
    });
    const { svc } = service(w);
    await svc.list();
    const spec = JSON.parse(readFileSync(join(latheJupyterPath(w.dataDir), 'kernels', 'conda-geo', 'kernel.json'), 'utf8')) as { argv: string[]; env: Record<string, string>; display_name: string; metadata: unknown };
    expect(spec.argv.slice(0, 3)).toEqual([join(p, 'bin', 'python'), '-m', 'ipykernel_launcher']);
    expect(spec.display_name).toBe('Python 3.11.9 (geo)');
    expect(spec.metadata).toEqual({ lathe: { managed: true, env: p } });
    // The base env's bin (the core's active env) is gone from PATH; the env's bin is first.
    expect(spec.env.PATH).toBe(`${join(p, 'bin')}:/usr/bin:/bin`);
    expect(spec.env).toMatchObject({ CONDA_PREFIX: p, CONDA_DEFAULT_ENV: 'geo', GDAL_DATA: `${p}/share/gdal`, PROJ_NETWORK: 'ON', MY_SETTING: 'x1' });
    const detail = await svc.show(p);
    expect(detail.activation.GDAL_DATA).toBe(`${p}/share/gdal`);
  });

  it('resolves names and prefixes, with clear errors for unknown and ambiguous ones', async () => {
    const w = world({ tool: 'conda' });
    pythonEnv(join(w.home, 'miniforge3', 'envs', 'x'));
    writeFileSync(join(w.home, '.condarc'), 'envs_dirs: [~/other]\n');
    pythonEnv(join(w.home, 'other', 'x'));
    const { svc } = service(w);
    // The default installation's own env wins a name clash.
    expect((await svc.show('x')).prefix).toBe(join(w.home, 'miniforge3', 'envs', 'x'));
    await expect(svc.show('nope')).rejects.toMatchObject({ code: 'ENV_NOT_FOUND', message: expect.stringContaining('lathe env list') });
    await expect(svc.show(join(w.base, 'nothing'))).rejects.toMatchObject({ code: 'ENV_NOT_FOUND' });
  });
});

describe('EnvService changes (through a stand-in conda)', () => {
  function served(svc: EnvService) {
    const server = new RpcServer();
    server.serveChannel(EnvChannel, svc);
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    return createProxy(new RpcClient(a), EnvChannel);
  }

  it('plans, creates, installs, removes packages, rolls back, exports and removes an env over RPC', async () => {
    const w = world({ tool: 'conda' });
    const { svc } = service(w);
    const envs = served(svc);
    const progress: EnvProgress[] = [];
    envs.onDidProgress({ opId: 'op1' })((p) => progress.push(p));

    const plan = await envs.plan({ op: 'create', opId: 'op0', name: 'iris', packages: ['python=3.11', 'ipykernel', 'scikit-learn'] });
    expect(plan.install.map((p) => `${p.name} ${p.to}`)).toEqual(['ipykernel 1.0.0-h0_0', 'python 3.11-hab00c5b_0_cpython', 'scikit-learn 1.0.0-h0_0']);
    expect((await envs.list({ refresh: true })).envs.some((e) => e.name === 'iris')).toBe(false);

    const made = await envs.apply({ op: 'create', opId: 'op1', name: 'iris', packages: ['python=3.11', 'ipykernel', 'scikit-learn'] });
    const prefix = join(w.home, 'miniforge3', 'envs', 'iris');
    expect(made.prefix).toBe(prefix);
    expect(progress.filter((p) => p.kind === 'fetch').length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ opId: 'op1', kind: 'done', text: 'ok' });
    const list = await envs.list();
    expect(byName(list, 'iris')).toMatchObject({ python: '3.11', hasIpykernel: true, kernelName: 'conda-iris' });

    // a name that is taken is refused before conda runs
    await expect(envs.apply({ op: 'create', opId: 'op2', name: 'iris', packages: ['python'] })).rejects.toMatchObject({ code: 'ENV_EXISTS' });

    const up = await envs.plan({ op: 'install', opId: 'op3', env: 'iris', packages: ['scikit-learn=1.5.0'] });
    expect(up.upgrade).toEqual([{ name: 'scikit-learn', from: '1.0.0-h0_0', to: '1.5.0-h0_0', channel: 'conda-forge' }]);
    await envs.apply({ op: 'install', opId: 'op4', env: 'iris', packages: ['scikit-learn=1.5.0'] });
    expect((await envs.show('iris')).packages.find((p) => p.name === 'scikit-learn')?.version).toBe('1.5.0');
    const same = await envs.apply({ op: 'install', opId: 'op5', env: 'iris', packages: ['scikit-learn=1.5.0'] });
    expect(same.message).toBe('All requested packages already installed.');

    await envs.apply({ op: 'uninstall', opId: 'op6', env: prefix, packages: ['scikit-learn'] });
    const afterRm = await envs.show('iris');
    expect(afterRm.packages.map((p) => p.name)).toEqual(['ipykernel', 'python']);
    expect(afterRm.history.map((r) => r.rev)).toEqual([0, 1, 2]);

    const back = await envs.plan({ op: 'rollback', opId: 'op7', env: 'iris', revision: 1 });
    expect(back.install.map((p) => `${p.name} ${p.to}`)).toEqual(['scikit-learn 1.5.0-h0_0']);
    await envs.apply({ op: 'rollback', opId: 'op8', env: 'iris', revision: 1 });
    expect((await envs.show('iris')).packages.map((p) => p.name)).toContain('scikit-learn');

    const yml = await envs.export('iris', 'yaml-from-history');
    expect(yml).toContain('name: iris');
    // scikit-learn was removed by request, and a rollback asks for nothing: it is not a requested spec any more.
    expect(yml).toMatch(/dependencies:\n {2}- python=3\.11\n {2}- ipykernel\nprefix: /);
    const explicit = await envs.export('iris', 'explicit');
    expect(explicit).toMatch(/@EXPLICIT\n(https:\/\/conda\.anaconda\.org\/conda-forge\/linux-64\/\S+\.conda#0{32}\n){3}$/);

    const rmPlan = await envs.plan({ op: 'remove', opId: 'op9', env: 'iris' });
    expect(rmPlan.remove.length).toBe(3);
    await envs.apply({ op: 'remove', opId: 'op10', env: 'iris' });
    expect(existsSync(prefix)).toBe(false);
    expect(byName(await envs.list(), 'iris')).toBeUndefined();
    expect(existsSync(join(latheJupyterPath(w.dataDir), 'kernels', 'conda-iris'))).toBe(false);
    await expect(envs.apply({ op: 'remove', opId: 'op11', env: join(w.home, 'miniforge3') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('base env') });
  });

  it('creates from environment.yml, clones and renames; reports YAML errors by line', async () => {
    const w = world({ tool: 'conda' });
    const { svc } = service(w);
    const bad = await svc.plan({ op: 'createFromFile', opId: 'f0', file: 'name: x\ndependencies:\n  - python\n - numpy\n' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'ENV_FILE_INVALID', message: expect.stringMatching(/not valid YAML at line \d+, column \d+/) });
    const file = 'name: fromfile\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n  - numpy\n  - pip:\n    - requests\n';
    const plan = await svc.plan({ op: 'createFromFile', opId: 'f1', file });
    expect(plan.install.map((p) => p.name)).toEqual(['numpy', 'python']);
    await svc.apply({ op: 'createFromFile', opId: 'f2', file });
    expect(byName(await svc.list(), 'fromfile')).toMatchObject({ python: '3.12' });
    expect(existsSync(join(w.dataDir, 'tmp', 'f2'))).toBe(false);
    await svc.apply({ op: 'clone', opId: 'f3', source: 'fromfile', name: 'copy' });
    expect((await svc.show('copy')).packages.map((p) => p.name)).toEqual(['numpy', 'python']);
    await svc.apply({ op: 'rename', opId: 'f4', env: 'copy', newName: 'renamed' });
    const names = (await svc.list()).envs.map((e) => e.name);
    expect(names).toContain('renamed');
    expect(names).not.toContain('copy');
  });

  it('honours an environment.yml’s channels, prefix, pip section and variables, and creates from an explicit lock file (issue 22)', async () => {
    const w = world({ tool: 'conda' });
    const { svc } = service(w);
    // needs-bioconda-* is found only on the bioconda channel (the stand-in's rule): the plan must use the file's channels.
    const yml = 'name: bio\nchannels:\n  - bioconda\n  - conda-forge\ndependencies:\n  - python=3.11\n  - needs-bioconda-samtools\n  - pip:\n    - requests\nvariables:\n  DATA_DIR: /data/bio\n  THREADS: 4\n';
    const progress: EnvProgress[] = [];
    svc.onDidProgress({ opId: 'y1' })((p) => progress.push(p));
    const plan = await svc.plan({ op: 'createFromFile', opId: 'y1', file: yml });
    expect(plan.install.map((p) => p.name)).toEqual(['needs-bioconda-samtools', 'python']);
    expect(progress.map((p) => p.text)).toEqual(expect.arrayContaining([expect.stringMatching(/-c bioconda -c conda-forge/)]));
    expect(plan.message).toMatch(/pip: 1 package\(s\) \(requests\) are installed by pip.*PyPI or the index your pip\.conf names; offline or without an index they fail/);
    expect(plan.message).toMatch(/sets DATA_DIR, THREADS when activated/);
    await svc.apply({ op: 'createFromFile', opId: 'y2', file: yml });
    const bio = await svc.show('bio');
    expect(bio.packages.map((p) => p.name)).toEqual(['needs-bioconda-samtools', 'python']);
    expect(bio.activation).toMatchObject({ DATA_DIR: '/data/bio', THREADS: '4' });
    // prefix: in the file places the env there when the caller gives neither name nor prefix.
    const at = join(w.base, 'elsewhere', 'pfx');
    await svc.apply({ op: 'createFromFile', opId: 'y3', file: `prefix: ${at}\ndependencies:\n  - python=3.12\n` });
    expect((await svc.show(at)).python).toBe('3.12');

    // Lathe's own explicit export round-trips into a new env with exactly its packages.
    const lock = await svc.export('bio', 'explicit');
    expect(lock).toContain('@EXPLICIT');
    const lockPlan = await svc.plan({ op: 'createFromFile', opId: 'y4', name: 'bio-locked', file: lock });
    expect(lockPlan.install.map((p) => `${p.name} ${p.to}`).sort()).toEqual(bio.packages.map((p) => `${p.name} ${p.version}-${p.build}`).sort());
    await svc.apply({ op: 'createFromFile', opId: 'y5', name: 'bio-locked', file: lock });
    expect((await svc.show('bio-locked')).packages.map((p) => `${p.name}=${p.version}=${p.build}`)).toEqual(bio.packages.map((p) => `${p.name}=${p.version}=${p.build}`));
    await expect(svc.plan({ op: 'createFromFile', opId: 'y6', name: 'z', file: '@EXPLICIT\nnot-a-url\n' })).rejects.toMatchObject({ code: 'ENV_FILE_INVALID', message: expect.stringContaining('line 2: "not-a-url" is not a package URL') });
  });

  it('with micromamba: clones and renames through an explicit spec, and says it cannot roll back', async () => {
    const w = world({ tool: 'micromamba' });
    const log = join(w.base, 'calls.jsonl');
    w.env.STANDIN_LOG = log;
    pythonEnv(join(w.home, 'micromamba', 'envs', 'src'));
    const { svc } = service(w);
    await svc.apply({ op: 'clone', opId: 'm1', source: 'src', name: 'dup' });
    expect((await svc.show('dup')).packages.map((p) => p.name)).toEqual(['ipykernel', 'pip', 'python']);
    await svc.apply({ op: 'rename', opId: 'm2', env: 'dup', newName: 'moved' });
    const names = (await svc.list()).envs.map((e) => e.name);
    expect(names).toContain('moved');
    expect(names).not.toContain('dup');
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { args: string[] });
    const changeCalls = calls.map((c) => c.args).filter((a) => a[0] !== 'info');
    expect(changeCalls.map((a) => a.slice(0, 2).join(' '))).toEqual(['create --yes', 'create --yes', 'env remove']);
    expect(changeCalls.flat()).not.toContain('--clone');
    await expect(svc.apply({ op: 'rollback', opId: 'm3', env: 'moved', revision: 0 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('says how to get conda when there is none', async () => {
    const w = world();
    const { svc } = service(w);
    expect((await svc.list()).installations).toEqual([]);
    await expect(svc.apply({ op: 'create', opId: 'n1', name: 'x', packages: ['python'] })).rejects.toMatchObject({ code: 'NO_CONDA', message: expect.stringContaining('Miniforge') });
  });
});

describe('EnvService archives: pack, unpack, publish, install', () => {
  it('unpacks into a new prefix that conda and Lathe then know, with its kernel', async () => {
    const w = world({ tool: 'conda' });
    const src = pythonEnv(join(w.home, 'miniforge3', 'envs', 'iris'));
    const { svc } = service(w);
    const progress: EnvProgress[] = [];
    svc.onDidProgress({ opId: 'p1' })((p) => progress.push(p));
    const packed = await svc.pack({ opId: 'p1', env: 'iris', output: join(w.base, 'iris.tar.gz'), version: '1.0' });
    expect(packed.manifest).toMatchObject({ name: 'iris', version: '1.0', slug: 'iris', sourcePrefix: src });
    expect(progress.some((p) => p.kind === 'progress')).toBe(true);
    const dest = join(w.base, 'elsewhere', 'iris-copy');
    const u = await svc.unpack({ opId: 'p2', archive: packed.file, dest });
    expect(u.method).toBe('lathe');
    expect(readFileSync(join(w.home, '.conda', 'environments.txt'), 'utf8')).toContain(`${dest}\n`);
    const l = await svc.list();
    expect(l.envs.find((e) => e.prefix === dest)).toMatchObject({ name: 'iris-copy', named: false, hasIpykernel: true, kernelName: 'conda-iris-copy' });
  });

  it('uses the conda-pack tool when the user has it, and still writes the manifest with the sha256 beside the archive', async () => {
    const w = world({ tool: 'conda' });
    const src = pythonEnv(join(w.home, 'miniforge3', 'envs', 'cp'));
    // A stand-in for conda-pack (it cannot be installed here): it takes conda-pack's flags and writes a tar.gz with
    // a bin/conda-unpack, as conda-pack does. The env's "python" notes each run of it.
    const calls = join(w.base, 'conda-pack.calls');
    const ran = join(w.base, 'conda-unpack.runs');
    writeFileSync(join(src, 'bin', 'python'), `#!/bin/sh\necho "$0 $1" >> ${ran}\n`, { mode: 0o755 });
    const standIn = (out: string) => `mkdir -p "${out}.x/bin"; echo 'print(1)' > "${out}.x/bin/conda-unpack"; tar -czf "${out}" -C "$p" . -C "${out}.x" bin/conda-unpack; rm -rf "${out}.x"`;
    writeFileSync(
      join(w.home, 'miniforge3', 'bin', 'conda-pack'),
      `#!/bin/sh\necho "$@" >> ${calls}\nwhile [ $# -gt 0 ]; do case "$1" in --prefix) p="$2"; shift;; --output) o="$2"; shift;; esac; shift; done\n${standIn('$o')}\n`,
      { mode: 0o755 },
    );
    const { svc } = service(w);
    const r = await svc.pack({ opId: 'cp1', env: 'cp', output: join(w.base, 'cp.tar.gz'), version: '3' });
    expect(readFileSync(calls, 'utf8').trim()).toBe(`--prefix ${src} --output ${join(w.base, 'cp.tar.gz')}.partial.tar.gz --format tar.gz --force --quiet`);
    const side = JSON.parse(readFileSync(`${r.file}.manifest.json`, 'utf8')) as { sha256: string; packedBy: string; version: string };
    expect(side).toMatchObject({ packedBy: 'conda-pack', version: '3', sha256: r.sha256 });
    // Lathe packed this one (its digest is recorded), so its bin/conda-unpack may run.
    const u = await svc.unpack({ opId: 'cp2', archive: r.file, dest: join(w.base, 'cp-copy') });
    expect(u.method).toBe('conda-unpack');
    expect(readFileSync(ran, 'utf8')).toBe(`${join(w.base, 'cp-copy', 'bin', 'python')} ${join(w.base, 'cp-copy', 'bin', 'conda-unpack')}\n`);
    expect(existsSync(join(u.prefix, 'conda-meta', 'history'))).toBe(true);
    // The same layout from elsewhere is refused until the user allows its script, and nothing runs or stays.
    const foreign = join(w.base, 'foreign.tar.gz');
    writeFileSync(join(src, 'changed.txt'), 'not what Lathe packed');
    execFileSync('sh', ['-c', `p=${src}; ${standIn(foreign)}`]);
    const dest = join(w.base, 'foreign-copy');
    await expect(svc.unpack({ opId: 'cp3', archive: foreign, dest })).rejects.toMatchObject({ code: 'UNPACK_NEEDS_CONSENT' });
    expect(existsSync(dest)).toBe(false);
    expect(readFileSync(ran, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    expect((await svc.unpack({ opId: 'cp4', archive: foreign, dest, runArchiveScript: true })).method).toBe('conda-unpack');
    expect(readFileSync(ran, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('publishes immutable versions, installs by slug, version or sha256 after checking it, and deletes', async () => {
    const w = world({ tool: 'conda' });
    pythonEnv(join(w.home, 'miniforge3', 'envs', 'ml'));
    const { svc } = service(w);
    const v1 = await svc.publish({ opId: 'u1', env: 'ml', version: '1.0', format: 'tar.gz' });
    expect(v1).toMatchObject({ slug: 'ml', version: '1.0', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(v1.location).toBe(join(w.dataDir, 'env-registry', 'ml', '1.0', 'ml-1.0.tar.gz'));
    // The same content again is the same version; different content under the same version is refused.
    writeFileSync(join(w.home, 'miniforge3', 'envs', 'ml', 'extra.txt'), 'changed');
    await expect(svc.publish({ opId: 'u2', env: 'ml', version: '1.0', format: 'tar.gz' })).rejects.toMatchObject({ code: 'VERSION_EXISTS' });
    await new Promise((r) => setTimeout(r, 5));
    const v2 = await svc.publish({ opId: 'u3', env: 'ml', version: '2.0', format: 'tar.zst' });
    expect((await svc.listPublished()).map((e) => `${e.slug}@${e.version}`)).toEqual(['ml@2.0', 'ml@1.0']);

    const inst = await svc.installPublished({ opId: 'u4', ref: 'ml', name: 'ml-latest' });
    expect(inst.prefix).toBe(join(w.home, 'miniforge3', 'envs', 'ml-latest'));
    expect(readFileSync(join(inst.prefix, 'extra.txt'), 'utf8')).toBe('changed');
    const old = await svc.installPublished({ opId: 'u5', ref: `ml@sha256:${v1.sha256.slice(0, 16)}`, name: 'ml-one' });
    expect(existsSync(join(old.prefix, 'extra.txt'))).toBe(false);
    expect((await svc.list()).envs.map((e) => e.name)).toEqual(expect.arrayContaining(['ml-latest', 'ml-one']));
    await expect(svc.installPublished({ opId: 'u6', ref: 'ml@1.0', name: 'ml-one' })).rejects.toMatchObject({ code: 'ENV_EXISTS' });
    await expect(svc.installPublished({ opId: 'u7', ref: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Published: ml') });

    // A damaged archive is caught before anything is unpacked.
    writeFileSync(v2.location, Buffer.concat([readFileSync(v2.location), Buffer.from('x')]));
    await expect(svc.installPublished({ opId: 'u8', ref: 'ml@2.0', name: 'ml-bad' })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(existsSync(join(w.home, 'miniforge3', 'envs', 'ml-bad'))).toBe(false);

    await expect(svc.deletePublished('ml')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await svc.deletePublished('ml@2.0');
    expect((await svc.listPublished()).map((e) => e.version)).toEqual(['1.0']);
  });
});
