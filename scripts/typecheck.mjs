// Type-checks each layer with its own tsconfig: the core (no DOM), the .mjs tools (checkJs), the renderer (DOM, no Node), the shell, e2e.
import { spawnSync } from 'node:child_process';

const projects = ['tsconfig.json', 'tsconfig.scripts.json', 'renderer/tsconfig.json', 'renderer/tsconfig.test.json', 'electron/tsconfig.json', 'e2e/tsconfig.json'];
let failed = 0;
for (const p of projects) {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', p, '--pretty', 'false'], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`typecheck: ${p} has errors`);
  }
}
process.exit(failed ? 1 : 0);
