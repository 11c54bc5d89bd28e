import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CondaInstallation, EnvSummary } from '../../common/envs';
import type { Logger } from '../../base/node/logger';
import { Emitter } from '../../common/event';
import { historyTool, quickInfo, readHistory } from './condaMeta';
import { condaInfo, findInstallations, type CondaInfo, type LocatorContext } from './condaLocator';
import { condarcEnvsDirs, discoverPrefixes, environmentsTxtFiles, envsDirsOf, readEnvironmentsTxt } from './envDiscovery';
import type { EnvCache } from './envCache';

/** Where the scanner looks; tests give their own home, PATH and /home. */
export interface ScanConfig extends Omit<LocatorContext, 'configuredExe'> {
  /** Whether the core runs as root (then every user's environments.txt is read, as `conda env list` does). */
  isRoot: boolean;
  homesDir?: string;
}

/** One scan's result. */
export interface ScanResult {
  installations: CondaInstallation[];
  envs: EnvSummary[];
  /** Folders to watch: envs dirs, the folders of environments.txt files, each env's conda-meta. */
  watch: string[];
  problems: string[];
}

/** Runs `fn` over items with at most `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Finds every env from what is on disk: installations, .condarc envs_dirs, environments.txt and the envs
 * folders, then reads each env's cheap facts (a readdir of conda-meta). It never waits for `conda info`:
 * that runs in the background once per executable and is cached; when it learns one, `onDidLearnInfo` fires so
 * that the catalog scans again (the info may add envs dirs).
 */
export class EnvScanner {
  private readonly infoRuns = new Map<string, Promise<void>>();
  private readonly learned = new Emitter<void>();
  /** Fires when a background `info --json` run has finished and been cached. */
  readonly onDidLearnInfo = this.learned.event;

  constructor(
    private readonly config: ScanConfig,
    private readonly cache: EnvCache,
    private readonly log: Logger,
  ) {}

  async scan(configuredExe: string | undefined): Promise<ScanResult> {
    const problems: string[] = [];
    const ctx: LocatorContext = { ...this.config, configuredExe };
    const installations = await findInstallations(ctx);
    for (const inst of installations) this.mergeInfo(inst);
    const roots = installations.map((i) => i.rootPrefix).filter((r): r is string => !!r);
    const condarc = await condarcEnvsDirs(ctx, roots, problems);
    const envsDirs = envsDirsOf(ctx, installations, condarc);
    const txtFiles = await environmentsTxtFiles(ctx, this.config.isRoot, this.config.homesDir);
    const listed = await readEnvironmentsTxt(txtFiles);
    for (const inst of installations) listed.push(...(this.cachedInfo(inst)?.envs ?? []));
    const found = await discoverPrefixes(installations, envsDirs, listed);
    const envs = (
      await mapLimit(found, 16, async (f): Promise<EnvSummary | undefined> => {
        try {
          const q = await quickInfo(f.prefix);
          let owner = f.owner;
          if (!owner) {
            // Not under any root: the history's first command says which executable made it.
            const made = historyTool(await readHistory(f.prefix).catch(() => []));
            owner = installations.find((i) => i.exe === made || (made && i.rootPrefix && made.startsWith(i.rootPrefix)))?.exe;
          }
          return { ...f, owner, python: q.python, hasIpykernel: q.hasIpykernel, hasJupyterServer: q.hasJupyterServer, modifiedAt: q.modifiedAt, packageCount: q.packageCount, sizeBytes: this.cache.size(f.prefix, q.stamp) };
        } catch (err) {
          problems.push(`${f.prefix}: ${(err as Error).message}`);
          return undefined;
        }
      })
    ).filter((e): e is EnvSummary => e !== undefined);
    envs.sort((a, b) => Number(b.isBase) - Number(a.isBase) || a.name.localeCompare(b.name) || a.prefix.localeCompare(b.prefix));
    const watch = [...envsDirs, ...txtFiles.map((f) => dirname(f)), ...envs.map((e) => `${e.prefix}/conda-meta`)];
    return { installations, envs, watch, problems };
  }

  private cachedInfo(inst: CondaInstallation): CondaInfo | undefined {
    return (inst as CondaInstallation & { info?: CondaInfo }).info;
  }

  /** Adds cached `info --json` facts to an installation, or starts reading them in the background. */
  private mergeInfo(inst: CondaInstallation): void {
    const apply = (info: CondaInfo) => {
      inst.version = info.version;
      if (info.rootPrefix) inst.rootPrefix = info.rootPrefix;
      inst.envsDirs = [...new Set([...info.envsDirs, ...inst.envsDirs])];
      Object.defineProperty(inst, 'info', { value: info, enumerable: false });
    };
    const key = inst.exe;
    let mtime = 0;
    try {
      mtime = statSync(key).mtimeMs;
    } catch {
      return;
    }
    const hit = this.cache.info(key, mtime);
    if (hit) {
      apply(hit);
      return;
    }
    if (this.infoRuns.has(key)) return;
    const run = condaInfo(inst.exe, inst.tool)
      .then((info) => {
        this.cache.setInfo(key, mtime, info);
        this.learned.fire();
      })
      .catch((err: Error) => {
        inst.problem = err.message;
        this.log.warn(`cannot read ${inst.exe} info: ${err.message}`);
      })
      .finally(() => this.infoRuns.delete(key));
    this.infoRuns.set(key, run);
  }

  /** Waits for background `info --json` runs (tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.infoRuns.values()]);
  }
}
