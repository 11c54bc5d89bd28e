// Env discovery of 100 generated envs in conda's layout (150 conda-meta records each, a third with activate.d
// scripts, spread over a root's envs/, ~/.conda/envs and environments.txt), through EnvService as the core runs it:
// cold = a fresh data dir (no cache; kernelspecs and activation computed), warm = a rescan with the cache,
// cached = what the list shows at once on the next launch. Goals from the issue: warm < 0.5 s, cold < 2 s.
// Baseline, same run: the least any scanner must do (readdir of each envs dir and of every conda-meta).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEnv, makeInstallation, type FakePackage } from '../test/condaFixture';
import { Logger } from '../../main/base/node/logger';
import { SettingsService } from '../../main/node/settings/settingsService';
import { openDatabase } from '../../main/base/node/database';
import { wireEnvService } from '../../main/node/envs/envWiring';
import { schema } from '../../main/server/schema';
import { median, report } from './benchUtil';

const base = mkdtempSync(join(tmpdir(), 'lathe-bench-envs-'));
const home = join(base, 'home');
const root = join(home, 'miniforge3');
makeInstallation(root, 'conda');
const pkgs: FakePackage[] = [{ name: 'python', version: '3.11.9', build: 'hab00c5b_0_cpython' }, { name: 'ipykernel', version: '6.29.3', build: 'pyh_0' }];
for (let i = 0; i < 148; i++) pkgs.push({ name: `lib-pkg${i}`, version: `1.${i}.0`, build: 'h0_0', depends: ['python >=3.8'] });
const txt: string[] = [];
for (let i = 0; i < 100; i++) {
  const dir = i < 60 ? join(root, 'envs') : i < 80 ? join(home, '.conda', 'envs') : join(base, 'projects', `p${i}`);
  const prefix = join(dir, `env${i}`);
  makeEnv(prefix, { packages: pkgs, ...(i % 3 === 0 ? { activateD: { 'x.sh': `export PKG_HOME_${i}="$CONDA_PREFIX/share"\n` } } : {}) });
  if (i >= 80) txt.push(prefix);
}
mkdirSync(join(home, '.conda'), { recursive: true });
writeFileSync(join(home, '.conda', 'environments.txt'), txt.join('\n') + '\n');

const log = new Logger({ console: null });
function service(dataDir: string) {
  const db = openDatabase(dataDir, schema);
  const settings = new SettingsService({ dataDir }, log);
  const svc = wireEnvService({ dataDir, scan: { env: { PATH: '/usr/bin:/bin', HOME: home }, home, platform: process.platform, isRoot: false } }, db, settings, log);
  return { svc, close: () => (svc.dispose(), settings.dispose(), db.close()) };
}

function bare(): number {
  const t = performance.now();
  let n = 0;
  for (const d of [join(root, 'envs'), join(home, '.conda', 'envs')]) for (const e of readdirSync(d)) n += readdirSync(join(d, e, 'conda-meta')).length;
  for (const p of txt) n += readdirSync(join(p, 'conda-meta')).length;
  if (n < 15_000) throw new Error('fixture too small');
  return performance.now() - t;
}

const cold: number[] = [];
const warm: number[] = [];
const cached: number[] = [];
let found = 0;
for (let run = 0; run < 5; run++) {
  const dataDir = join(base, `data${run}`);
  const a = service(dataDir);
  let t = performance.now();
  found = (await a.svc.list()).envs.length;
  cold.push(performance.now() - t);
  await a.svc.idle(); // sizes and `conda info` finish in the background
  t = performance.now();
  await a.svc.list({ refresh: true });
  warm.push(performance.now() - t);
  a.close();
  const b = service(dataDir);
  t = performance.now();
  await b.svc.list();
  cached.push(performance.now() - t);
  await b.svc.idle();
  b.close();
}
const floor = median([bare(), bare(), bare()]);
rmSync(base, { recursive: true, force: true });
const ms = (x: number) => `${Math.round(x)} ms`;
report([
  { name: `env discovery cold (${found} envs)`, lathe: ms(median(cold)), baseline: ms(floor), ratio: `${(median(cold) / floor).toFixed(1)}x`, goal: '< 2000 ms', ok: median(cold) < 2000, note: 'fresh data dir; baseline = bare readdirs' },
  { name: 'env discovery warm (rescan)', lathe: ms(median(warm)), baseline: ms(floor), ratio: `${(median(warm) / floor).toFixed(1)}x`, goal: '< 500 ms', ok: median(warm) < 500 },
  { name: 'env list at launch (cached)', lathe: ms(median(cached)), baseline: ms(floor), ratio: `${(median(cached) / floor).toFixed(1)}x`, goal: '< 500 ms', ok: median(cached) < 500, note: 'refresh follows in the background' },
]);
