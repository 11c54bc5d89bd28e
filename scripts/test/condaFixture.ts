import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds conda environments in conda's real on-disk layout for tests (no conda can be installed on
 * these machines): conda-meta/<name>-<version>-<build>.json records with files and paths_data,
 * conda-meta/history, site-packages dist-info folders, activate.d scripts, and a root with condabin/.
 */

/** One file a fake package installs. */
export interface FakeFile {
  path: string;
  content: string | Buffer;
  /** The build prefix baked into the file (conda-pack rewrites it on unpack). */
  placeholder?: string;
  mode?: 'text' | 'binary';
}

/** One fake conda package. */
export interface FakePackage {
  name: string;
  version: string;
  build?: string;
  channel?: string;
  subdir?: string;
  depends?: string[];
  files?: FakeFile[];
}

/** What a fake env holds. */
export interface FakeEnv {
  packages: FakePackage[];
  /** Raw conda-meta/history text; by default one revision that created the env with every package. */
  history?: string;
  /** pip-installed packages (dist-info with INSTALLER "pip"). */
  pip?: { name: string; version: string }[];
  /** activate.d scripts by file name. */
  activateD?: Record<string, string>;
  /** `conda env config vars`, kept in conda-meta/state. */
  stateVars?: Record<string, string>;
  /** Symlink bin/python to this interpreter, so kernels and jobs can really run in the env. */
  realPython?: string;
  /** The executable recorded in the history's `# cmd:` line. */
  madeBy?: string;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The record JSON conda writes for a package. */
export function condaRecord(p: FakePackage, prefix: string): Record<string, unknown> {
  const build = p.build ?? 'h0_0';
  const subdir = p.subdir ?? 'linux-64';
  const channel = `https://conda.anaconda.org/${p.channel ?? 'conda-forge'}/${subdir}`;
  const files = p.files ?? [];
  return {
    name: p.name,
    version: p.version,
    build,
    build_number: 0,
    channel,
    subdir,
    url: `${channel}/${p.name}-${p.version}-${build}.conda`,
    fn: `${p.name}-${p.version}-${build}.conda`,
    md5: md5(`${p.name}-${p.version}-${build}`),
    depends: p.depends ?? [],
    files: files.map((f) => f.path),
    paths_data: {
      paths_version: 1,
      paths: files.map((f) => ({
        _path: f.path,
        path_type: 'hardlink',
        size_in_bytes: Buffer.byteLength(f.content),
        ...(f.placeholder ? { prefix_placeholder: f.placeholder, file_mode: f.mode ?? 'text' } : {}),
      })),
    },
    extracted_package_dir: join(dirname(prefix), 'pkgs', `${p.name}-${p.version}-${build}`),
    requested_spec: p.name,
  };
}

/** Writes an env at `prefix`. Packages named python fix its site-packages folder. */
export function makeEnv(prefix: string, env: FakeEnv): string {
  const meta = join(prefix, 'conda-meta');
  mkdirSync(meta, { recursive: true });
  const py = env.packages.find((p) => p.name === 'python')?.version;
  const sp = py ? join(prefix, 'lib', `python${py.split('.').slice(0, 2).join('.')}`, 'site-packages') : undefined;
  for (const p of env.packages) {
    const rec = condaRecord(p, prefix);
    writeFileSync(join(meta, `${p.name}-${p.version}-${rec.build as string}.json`), JSON.stringify(rec, null, 2));
    for (const f of p.files ?? []) {
      mkdirSync(dirname(join(prefix, f.path)), { recursive: true });
      writeFileSync(join(prefix, f.path), f.content);
      if (f.path.startsWith('bin/')) chmodSync(join(prefix, f.path), 0o755);
    }
    // A Python package conda installed also has a dist-info, marked as conda's.
    if (sp && p.name !== 'python' && /^[a-z_][\w-]*$/i.test(p.name)) {
      const di = join(sp, `${p.name.replace(/-/g, '_')}-${p.version}.dist-info`);
      mkdirSync(di, { recursive: true });
      writeFileSync(join(di, 'INSTALLER'), 'conda\n');
    }
  }
  for (const p of env.pip ?? []) {
    if (!sp) throw new Error('pip packages need a python package in the env');
    const di = join(sp, `${p.name}-${p.version}.dist-info`);
    mkdirSync(di, { recursive: true });
    writeFileSync(join(di, 'INSTALLER'), 'pip\n');
    writeFileSync(join(di, 'METADATA'), `Metadata-Version: 2.1\nName: ${p.name}\nVersion: ${p.version}\n`);
  }
  const dists = env.packages.map((p) => `+conda-forge/${p.subdir ?? 'linux-64'}::${p.name}-${p.version}-${p.build ?? 'h0_0'}`);
  writeFileSync(
    join(meta, 'history'),
    env.history ?? `==> 2026-01-02 03:04:05 <==\n# cmd: ${env.madeBy ?? '/opt/conda/bin/conda'} create -p ${prefix} ${env.packages.map((p) => p.name).join(' ')}\n# conda version: 24.1.2\n${dists.join('\n')}\n# update specs: [${env.packages.map((p) => `'${p.name}'`).join(', ')}]\n`,
  );
  if (env.activateD) {
    const d = join(prefix, 'etc', 'conda', 'activate.d');
    mkdirSync(d, { recursive: true });
    for (const [n, s] of Object.entries(env.activateD)) writeFileSync(join(d, n), s);
  }
  if (env.stateVars) writeFileSync(join(meta, 'state'), JSON.stringify({ env_vars: env.stateVars }));
  if (env.realPython) {
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    symlinkSync(env.realPython, join(prefix, 'bin', 'python'));
  }
  return prefix;
}

/** A python env with ipykernel (as a data scientist's env has). */
export function pythonEnv(prefix: string, extra: Partial<FakeEnv> & { python?: string; more?: FakePackage[] } = {}): string {
  const python = extra.python ?? '3.11.9';
  return makeEnv(prefix, {
    packages: [
      { name: 'python', version: python, build: 'hab00c5b_0_cpython', files: [{ path: 'bin/python3.11', content: '#!/bin/false\n' }] },
      { name: 'pip', version: '24.0', build: 'pyhd8ed1ab_0', subdir: 'noarch', depends: ['python >=3.7'] },
      { name: 'ipykernel', version: '6.29.3', build: 'pyh707e725_0', subdir: 'noarch', depends: ['python >=3.8'] },
      ...(extra.more ?? []),
    ],
    ...extra,
  });
}

/** The stand-in executable that replays conda's documented CLI output (see condaStandIn.mjs). */
export const STAND_IN = resolve(dirname(fileURLToPath(import.meta.url)), 'condaStandIn.mjs');

/**
 * An installation: a root prefix that is itself an env (base), with `bin/<tool>` (and condabin/conda for
 * conda) being a small shell script that runs the stand-in. Returns the executable's path.
 */
export function makeInstallation(root: string, tool: 'conda' | 'mamba' | 'micromamba' = 'conda', opts: { version?: string } = {}): string {
  makeEnv(root, { packages: [{ name: 'python', version: '3.12.2', build: 'h0_cpython' }, { name: tool === 'micromamba' ? 'micromamba' : 'conda', version: opts.version ?? '24.1.2', build: 'py312_0' }] });
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'envs'), { recursive: true });
  const exe = join(root, 'bin', tool);
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${STAND_IN}" ${tool} "${root}" ${opts.version ?? (tool === 'micromamba' ? '1.5.8' : '24.1.2')} "$@"\n`, { mode: 0o755 });
  if (tool === 'conda') {
    mkdirSync(join(root, 'condabin'), { recursive: true });
    writeFileSync(join(root, 'condabin', 'conda'), `#!/bin/sh\nexec "${exe}" "$@"\n`, { mode: 0o755 });
  }
  return exe;
}
