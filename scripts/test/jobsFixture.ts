import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wireEnvService } from '../../main/node/envs/envWiring';
import type { JobService, JobServiceConfig } from '../../main/node/jobs/jobService';
import { wireJobService } from '../../main/node/jobs/jobWiring';
import { schema } from '../../main/server/schema';
import { Logger } from '../../main/base/node/logger';
import { SettingsService } from '../../main/node/settings/settingsService';
import { openDatabase, type Db } from '../../main/base/node/database';
import { tempDir, waitFor } from './tempDir';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A job service over a temp data dir, the real shim (dist/core/jobShim.mjs, built by the test setup) and a
 * real env service; `reuse` starts a second core on the same folder and database (restart tests).
 */
export function jobsWorld(cleanups: (() => unknown)[], extra: Partial<JobServiceConfig> = {}, reuse?: { dir: string; db: Db }) {
  const dir = reuse?.dir ?? tempDir('lathe-jobs-').path;
  if (!reuse) cleanups.push(() => execFileSync('rm', ['-rf', dir]));
  const dataDir = join(dir, 'data');
  const db = reuse?.db ?? openDatabase(dataDir, schema);
  // The core's log goes to a file a test can read (warnings a run's follower gives, say).
  const logFile = join(dataDir, 'logs', `core-${reuse ? 'again' : 'first'}.log`);
  const log = new Logger({ console: null, file: logFile });
  const settings = new SettingsService({ dataDir }, log);
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  // Debian's python3 (with scikit-learn) first, as on a machine set up by scripts/setup.sh.
  const { env: extraEnv, ...rest } = extra;
  const userEnv = { PATH: `/usr/bin:${process.env.PATH!}`, HOME: home, LATHE_SECRET_API_TOKEN: 's3cr3t-value-xyz', ...extraEnv };
  const envs = wireEnvService({ dataDir, scan: { env: userEnv, home, platform: 'linux', isRoot: false } }, db, settings, log);
  const jobs = wireJobService(
    { dataDir, shimScript: resolve(ROOT, 'dist/core/jobShim.mjs'), coreScript: resolve(ROOT, 'dist/core/lathe.mjs'), pythonPath: resolve(ROOT, 'resources/python'), env: userEnv, pollMs: 20, gpuProbe: async () => [], ...rest },
    db,
    envs,
    log,
  );
  cleanups.push(() => {
    jobs.dispose();
    envs.dispose();
    settings.dispose();
    if (!reuse) db.close();
  });
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  return { jobs, envs, dir, work, db, dataDir, logFile };
}

/** Waits until a run has ended and returns it. */
export const runEnded = async (jobs: JobService, id: string, ms = 30_000) => {
  try {
    return (await waitFor(async () => {
      const r = (await jobs.list()).find((x) => x.id === id);
      return r && r.status !== 'queued' && r.status !== 'running' ? r : undefined;
    }, `run ${id} to end`, ms))!;
  } catch (err) {
    // Say where it stuck: still queued (waiting for a slot or GPUs) or running (its end not seen).
    const r = (await jobs.list()).find((x) => x.id === id);
    throw new Error(`${(err as Error).message}; it is ${r ? `${r.status}${r.reason ? ` (${r.reason})` : ''}` : 'gone'}`);
  }
};
