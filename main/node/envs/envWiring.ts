import type { Db } from '../../base/node/database';
import type { Logger } from '../../base/node/logger';
import { Emitter } from '../../common/event';
import type { EnvProgress } from '../../common/envs';
import type { ISettingsService } from '../../common/settings';
import { EnvArchives } from './envArchives';
import { EnvCache } from './envCache';
import { ArchiveStore } from './archiveStore';
import { EnvCatalog, type EnvWorkHost } from './envCatalog';
import { EnvOperations } from './envOperations';
import { EnvScanner } from './envScanner';
import { EnvService, type EnvServiceConfig } from './envService';

/**
 * Builds the env service from what the composition root shares (the database, settings, a logger) and its own
 * parts. Services never construct their collaborators; this is the envs area's one place that does, called by
 * main/server/serverMain.ts and by tests that want the real parts.
 */
export function wireEnvService(config: EnvServiceConfig, db: Db, settings: ISettingsService, log: Logger): EnvService {
  const cache = new EnvCache(db);
  const catalog = new EnvCatalog(config, cache, new EnvScanner(config.scan, cache, log), settings, log);
  const progress = new Emitter<EnvProgress>();
  const host: EnvWorkHost = {
    list: () => catalog.list(),
    resolve: (ref) => catalog.resolve(ref),
    rescan: () => catalog.rescan(),
    progress: (p) => progress.fire(p),
  };
  const ops = new EnvOperations({ dataDir: config.dataDir, env: config.scan.env }, settings, host, log);
  const archives = new EnvArchives({ dataDir: config.dataDir, home: config.scan.home, env: config.scan.env, secret: config.secret }, settings, host, new ArchiveStore(db), log);
  return new EnvService(config, { catalog, ops, archives, progress });
}
