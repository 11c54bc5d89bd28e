// Builds everything into dist/: the core (esbuild → dist/core/lathe.mjs), the Electron shell
// (dist/electron/*.cjs) and the renderer (vite → dist/renderer). `--only core|electron|renderer` narrows it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const want = (x) => !only || only === x;
const t0 = Date.now();

if (want('core')) {
  await build({
    absWorkingDir: root,
    entryPoints: ['main/server/main.ts'],
    outfile: 'dist/core/lathe.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The job shim runs apart from the core (a run outlives it): its own small file.
  await build({ absWorkingDir: root, entryPoints: ['main/node/jobs/jobShim.ts'], outfile: 'dist/core/jobShim.mjs', bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
}
if (want('electron')) {
  for (const [entry, out] of /** @type {[string, string][]} */ ([
    ['electron/main.ts', 'dist/electron/main.cjs'],
    ['electron/preload.ts', 'dist/electron/preload.cjs'],
  ])) {
    await build({ absWorkingDir: root, entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['electron'], logLevel: 'warning' });
  }
}
if (want('renderer')) {
  const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
console.log(`build: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
