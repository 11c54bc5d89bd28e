import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests that spawn the real `lathe` process (CLI, Electron's core child) need a current dist/core; esbuild takes ~0.1 s.
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--only', 'core'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'inherit' });
}
