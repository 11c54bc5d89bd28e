// Pack and unpack a 1 GB generated env (2,000 files: half text-like, half incompressible, a realistic mix of
// .py sources and shared libraries) as .tar.zst, against GNU tar piped through `zstd -T0` on the same tree,
// same run. Ratio = baseline time / Lathe time (goal >= 0.8). Lathe's pack includes the archive's sha256 (a second
// read of the compressed file) and the scan for unmanaged files holding the prefix; its unpack includes entry checks and relocation.
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEnv } from '../test/condaFixture';
import { packEnv } from '../../main/node/envs/envPack';
import { unpackEnv } from '../../main/node/envs/envUnpack';
import { median, report } from './benchUtil';

const SIZE = Number(process.env.BENCH_ENV_MB ?? 1024) * 1024 * 1024;
const FILES = 2000;
const base = mkdtempSync(join(tmpdir(), 'lathe-bench-pack-'));
const prefix = join(base, 'envs', 'big');
makeEnv(prefix, { packages: [{ name: 'python', version: '3.11.9', build: 'h_0_cpython' }] });
const per = Math.floor(SIZE / FILES);
const text = Buffer.from('def f(x):\n    return x * 2  # a line of python source in site-packages\n'.repeat(Math.ceil(per / 70))).subarray(0, per);
for (let i = 0; i < FILES; i++) {
  const dir = join(prefix, 'lib', 'python3.11', 'site-packages', `pkg${i % 50}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `m${i}.${i % 2 ? 'so' : 'py'}`), i % 2 ? randomBytes(per) : text);
}
execSync('sync');

const time = async (fn: () => unknown) => {
  // Each side starts with nothing left to write back from the previous one.
  execSync('sync');
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const lp: number[] = [];
const bp: number[] = [];
const lu: number[] = [];
const bu: number[] = [];
for (let run = 0; run < 3; run++) {
  const out = join(base, `lathe${run}.tar.zst`);
  const ref = join(base, `tar${run}.tar.zst`);
  bp.push(await time(() => execSync(`tar -cf - -C ${prefix} . | zstd -T0 -3 -q -o ${ref}`, { shell: '/bin/bash' })));
  lp.push(await time(() => packEnv({ prefix, name: 'big', output: out, createdBy: 'bench' })));
  const d1 = join(base, `u-tar${run}`);
  const d2 = join(base, `u-lathe${run}`);
  mkdirSync(d1);
  bu.push(await time(() => execSync(`zstd -d -q -c ${ref} | tar -xf - -C ${d1}`, { shell: '/bin/bash' })));
  lu.push(await time(() => unpackEnv({ archive: out, dest: d2 })));
  rmSync(d1, { recursive: true, force: true });
  rmSync(d2, { recursive: true, force: true });
  rmSync(out, { force: true });
  rmSync(`${out}.manifest.json`, { force: true });
  rmSync(ref, { force: true });
}
rmSync(base, { recursive: true, force: true });
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const gb = SIZE / 1024 ** 3;
report([
  { name: `env pack ${gb.toFixed(1)} GB .tar.zst`, lathe: s(median(lp)), baseline: s(median(bp)), ratio: `${(median(bp) / median(lp)).toFixed(2)}x`, goal: '>= 0.8x', ok: median(bp) / median(lp) >= 0.8, note: 'baseline: tar | zstd -T0' },
  { name: `env unpack ${gb.toFixed(1)} GB .tar.zst`, lathe: s(median(lu)), baseline: s(median(bu)), ratio: `${(median(bu) / median(lu)).toFixed(2)}x`, goal: '>= 0.8x', ok: median(bu) / median(lu) >= 0.8, note: 'baseline: zstd -d | tar -x' },
]);
