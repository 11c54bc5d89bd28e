#!/usr/bin/env node
// The `lathe` command. Builds dist/ on first use (a fresh checkout after `npm ci`), then runs the bundled core.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// A token the core would refuse is refused before the first-run build, not after it.
{
  const args = process.argv.slice(2);
  const i = args.findIndex((a) => a === '--token' || a.startsWith('--token='));
  const flag = i < 0 ? undefined : args[i];
  const given = flag === undefined ? undefined : flag.startsWith('--token=') ? flag.slice(8) : args[i + 1];
  if (args[0] === 'serve' && given !== undefined && given.length < 16) {
    process.stderr.write('lathe: the token must be at least 16 characters. Omit --token to get a random one.\n');
    process.exit(2);
  }
}
const entry = new URL('../dist/core/lathe.mjs', import.meta.url);
if (!existsSync(fileURLToPath(entry)) || !existsSync(fileURLToPath(new URL('../dist/renderer/index.html', import.meta.url)))) {
  process.stderr.write('lathe: building (first run)…\n');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write('lathe: the build failed; run `npm run build` to see why.\n');
    process.exit(1);
  }
}
await import(entry.href);
