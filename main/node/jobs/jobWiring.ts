import { join } from 'node:path';
import type { Db } from '../../base/node/database';
import type { Logger } from '../../base/node/logger';
import { ContainerRuns } from './containerRuns';
import { JobService, type JobEnvs, type JobServiceConfig } from './jobService';
import { JobStore } from './jobStore';
import { ShimLauncher } from './shimLauncher';

/**
 * Builds the job service from what the composition root shares (the database, the env service, a logger) and its
 * own parts. Services never construct their collaborators; this is the jobs area's one place that does, called by
 * main/server/serverMain.ts and by tests that want the real parts.
 */
export function wireJobService(config: JobServiceConfig, db: Db, envs: JobEnvs, log: Logger): JobService {
  const parts = {
    store: new JobStore(db),
    containers: new ContainerRuns(log, config.env ?? process.env),
    shims: new ShimLauncher(config.shimScript, join(config.dataDir, 'runs')),
    envs,
  };
  return new JobService(config, parts, log);
}
