// `npm start`: the desktop app where an Electron binary exists, otherwise server mode in the browser.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electronBinary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const electron = findElectronBinary(root);
const display = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
let child;
if (electron && display) {
  child = spawn(electron, [root], { stdio: 'inherit' });
} else {
  console.log(
    electron
      ? 'lathe: no display for the desktop app; starting server mode instead.'
      : 'lathe: no Electron binary here (install one with `npx install-electron`); starting server mode, which opens in your browser.',
  );
  child = spawn(process.execPath, ['bin/lathe.mjs', 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
}
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
