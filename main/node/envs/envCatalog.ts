import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Emitter } from '../../common/event';
import { AppError } from '../../common/errors';
import { envKernelName, type EnvList, type EnvProgress, type EnvSummary } from '../../common/envs';
import type { ISettingsService } from '../../common/settings';
import { listEnvKernelSpecs, removeEnvKernelSpec, writeEnvKernelSpec } from '../../../kernels/kernelspecs';
import type { Logger } from '../../base/node/logger';
import { activationVariables } from './activation';
import { quickInfo, treeSize } from './condaMeta';
import type { EnvCache } from './envCache';
import type { EnvScanner, ScanConfig } from './envScanner';
import { isEnv } from './envDiscovery';

/** How the catalog is set up. */
export interface EnvCatalogConfig {
  dataDir: string;
  scan: ScanConfig;
  /** Rescan this long after a watched folder changes (default 300 ms). */
  debounceMs?: number;
  /** A list() within this long of the last scan does not start another (default 2 s). */
  minRescanMs?: number;
}

/** What env operations and archives need from the rest of the area: the catalog to read and refresh, and progress. */
export interface EnvWorkHost {
  list(): Promise<EnvList>;
  resolve(ref: string): Promise<EnvSummary>;
  rescan(): Promise<EnvList>;
  progress(p: EnvProgress): void;
}

/**
 * The list of envs: the cached list answers at once, a background scan follows, folder watchers rescan on change;
 * each scan writes one kernelspec per env with ipykernel and measures sizes in the background.
 */
export class EnvCatalog {
  private current: EnvList | undefined;
  private scanning: Promise<EnvList> | undefined;
  private queued: Promise<EnvList> | undefined;
  private lastScanEnd = 0;
  private readonly watchers = new Map<string, FSWatcher>();
  private debounce: NodeJS.Timeout | undefined;
  private readonly kernelKeys = new Map<string, string>();
  private sizing: Promise<void> | undefined;
  private disposed = false;
  private readonly _onDidChange = new Emitter<EnvList>();
  readonly onDidChange = this._onDidChange.event;

  constructor(
    private readonly config: EnvCatalogConfig,
    private readonly cache: EnvCache,
    private readonly scanner: EnvScanner,
    private readonly settings: ISettingsService,
    private readonly log: Logger,
  ) {
    scanner.onDidLearnInfo(() => this.scheduleRescan());
  }

  async list(options?: { refresh?: boolean }): Promise<EnvList> {
    if (options?.refresh) return this.rescan();
    if (!this.current) {
      const saved = this.cache.load();
      if (!saved) return this.rescan();
      this.current = { ...saved, defaultExe: await this.pickDefault(saved.installations), refreshing: false };
    }
    if (this.scanning || Date.now() - this.lastScanEnd > (this.config.minRescanMs ?? 2000)) {
      this.rescan().catch((err: Error) => this.log.warn(`env scan failed: ${err.message}`));
      return { ...this.current, refreshing: true };
    }
    return this.current;
  }

  async setDefault(exe: string): Promise<EnvList> {
    const list = await this.list();
    if (!list.installations.some((i) => i.exe === exe)) {
      throw new AppError('INVALID_ARGUMENT', `${exe} is not one of the conda installations Lathe found (${list.installations.map((i) => i.exe).join(', ') || 'none'}). Pick one of those.`);
    }
    await this.settings.update({ envs: { defaultExe: exe } });
    return this.rescan();
  }

  /** An env by absolute prefix, or by name (the default installation's first when two share a name). */
  async resolve(ref: string): Promise<EnvSummary> {
    const list = await this.list();
    if (ref.startsWith('/') || /^[A-Za-z]:[\\/]/.test(ref)) {
      const hit = list.envs.find((e) => e.prefix === ref);
      if (hit) return hit;
      if (!(await isEnv(ref))) throw new AppError('ENV_NOT_FOUND', `${ref} is not a conda environment (no conda-meta folder). Check the path, or run \`lathe env list\`.`);
      const q = await quickInfo(ref);
      return { prefix: ref, name: ref.split(/[\\/]/).pop()!, named: false, isBase: false, hasIpykernel: q.hasIpykernel, hasJupyterServer: q.hasJupyterServer, python: q.python, packageCount: q.packageCount, modifiedAt: q.modifiedAt };
    }
    const named = list.envs.filter((e) => e.named && e.name === ref);
    if (named.length === 0) throw new AppError('ENV_NOT_FOUND', `No env named "${ref}". Run \`lathe env list\` for the names, or give the env's full prefix.`);
    if (named.length === 1) return named[0]!;
    const mine = named.filter((e) => e.owner === list.defaultExe);
    if (mine.length === 1) return mine[0]!;
    throw new AppError('ENV_AMBIGUOUS', `"${ref}" names ${named.length} envs: ${named.map((e) => e.prefix).join(', ')}. Give the prefix instead.`);
  }

  /** Scans now; concurrent callers share one scan, and a request during a scan queues exactly one more. */
  rescan(): Promise<EnvList> {
    if (this.scanning) return (this.queued ??= this.scanning.catch(() => undefined).then(() => ((this.queued = undefined), this.rescan())));
    this.scanning = this.doScan().finally(() => {
      this.scanning = undefined;
      this.lastScanEnd = Date.now();
    });
    return this.scanning;
  }

  private async pickDefault(installations: EnvList['installations']): Promise<string | undefined> {
    const chosen = (await this.settings.get()).envs.defaultExe;
    return installations.find((i) => i.exe === chosen)?.exe ?? installations[0]?.exe;
  }

  private async doScan(): Promise<EnvList> {
    const configured = (await this.settings.get()).envs.defaultExe;
    const r = await this.scanner.scan(configured);
    for (const p of r.problems) this.log.warn(`env discovery: ${p}`);
    await this.syncKernels(r.envs);
    const next: EnvList = { envs: r.envs, installations: r.installations, defaultExe: await this.pickDefault(r.installations), scannedAt: new Date().toISOString(), refreshing: false };
    const changed = !this.current || JSON.stringify({ ...this.current, scannedAt: '', refreshing: false }) !== JSON.stringify({ ...next, scannedAt: '' });
    this.current = next;
    this.cache.save(next.envs, next.installations, next.scannedAt!);
    if (!this.disposed) {
      this.updateWatchers(r.watch);
      if (changed) this._onDidChange.fire(next);
      this.measureSizes();
    }
    return next;
  }

  /** One kernelspec per env with ipykernel, launched with its python and activation variables; stale ones removed. */
  private async syncKernels(envs: EnvSummary[]): Promise<void> {
    const taken = new Set<string>();
    const todo: { env: EnvSummary; name: string; key: string }[] = [];
    for (const env of envs) {
      if (!env.hasIpykernel || !env.python) continue;
      const name = envKernelName(env, taken);
      taken.add(name);
      env.kernelName = name;
      const key = `${env.prefix}|${env.modifiedAt}`;
      if (this.kernelKeys.get(name) !== key) todo.push({ env, name, key });
    }
    // activate.d scripts run in a shell each: a few at a time keeps a cold scan of many envs short.
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const { env, name, key } = todo[next++]!;
        try {
          const { vars, problems } = await activationVariables(env.prefix, env.name, { env: this.config.scan.env });
          for (const p of problems) this.log.warn(`env ${env.name}: ${p}`);
          const python = process.platform === 'win32' ? join(env.prefix, 'python.exe') : join(env.prefix, 'bin', 'python');
          writeEnvKernelSpec(this.config.dataDir, { name, displayName: `Python ${env.python} (${env.name})`, python, env: vars, envPrefix: env.prefix });
          this.kernelKeys.set(name, key);
        } catch (err) {
          env.problem = `kernelspec not written: ${(err as Error).message}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, todo.length) }, worker));
    for (const name of listEnvKernelSpecs(this.config.dataDir).keys()) {
      if (!taken.has(name)) {
        removeEnvKernelSpec(this.config.dataDir, name);
        this.kernelKeys.delete(name);
      }
    }
  }

  private scheduleRescan(): void {
    if (this.disposed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.rescan().catch((err: Error) => this.log.warn(`env rescan failed: ${err.message}`));
    }, this.config.debounceMs ?? 300);
  }

  private updateWatchers(paths: string[]): void {
    const want = new Set(paths.slice(0, 2000));
    for (const [p, w] of this.watchers) {
      if (!want.has(p)) {
        w.close();
        this.watchers.delete(p);
      }
    }
    for (const p of want) {
      if (this.watchers.has(p)) continue;
      try {
        const w = watch(p, { persistent: false }, () => this.scheduleRescan());
        w.on('error', () => {
          w.close();
          this.watchers.delete(p);
        });
        this.watchers.set(p, w);
      } catch {
        // The folder does not exist (yet); the next scan tries again.
      }
    }
  }

  /** Measures env sizes in the background, one env at a time, and publishes them when done. */
  private measureSizes(): void {
    if (this.sizing) return;
    this.sizing = (async () => {
      let any = false;
      for (const env of this.current?.envs ?? []) {
        if (this.disposed) return;
        if (env.sizeBytes !== undefined) continue;
        const stamp = Date.parse(env.modifiedAt ?? '') || 0;
        env.sizeBytes = await treeSize(env.prefix);
        this.cache.setSize(env.prefix, stamp, env.sizeBytes);
        any = true;
      }
      if (any && this.current && !this.disposed) this._onDidChange.fire(this.current);
    })()
      .catch((err: Error) => this.log.warn(`env size scan failed: ${err.message}`))
      .finally(() => (this.sizing = undefined));
  }

  /** Waits for background work (scans, sizes, `info` runs); for tests and shutdown. */
  async idle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await Promise.all([this.scanning, this.queued, this.sizing, this.scanner.settled()].map((p) => p?.catch(() => undefined)));
      if (!this.scanning && !this.queued && !this.sizing && !this.debounce) return;
      await new Promise((r) => setTimeout(r, (this.config.debounceMs ?? 300) + 20));
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.debounce);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this._onDidChange.dispose();
  }
}
