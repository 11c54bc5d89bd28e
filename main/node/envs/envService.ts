import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Emitter, Event } from '../../common/event';
import type { EnvDetail, EnvList, EnvOpResult, EnvOperation, EnvPlan, EnvProgress, EnvSummary, ExportFormat, IEnvService, InstallPublishedRequest, PackRequest, PackResult, PublishRequest, PublishedEnv, UnpackRequest, UnpackResult } from '../../common/envs';
import type { CallContext } from '../../common/rpc';
import { serveEnvRegistry } from './httpRegistry';
import { activationVariables } from './activation';
import { pipPackages, quickInfo, readHistory, readRecords, toPackages } from './condaMeta';
import type { EnvCatalog, EnvCatalogConfig } from './envCatalog';
import { exportEnv } from './envExport';
import type { EnvOperations } from './envOperations';
import type { EnvArchives } from './envArchives';

/** How the env service is set up. */
export interface EnvServiceConfig extends EnvCatalogConfig {
  /** The user's secrets: REGISTRY_TOKEN for a Lathe server registry, AWS_* keys for an S3 one. */
  secret?: (name: string) => string | undefined;
}

/** The env service's collaborators, built by the composition root (envWiring.ts). */
export interface EnvServiceParts {
  /** The list of envs, discovery and kernelspecs. */
  catalog: EnvCatalog;
  /** Create, install, remove… through the conda CLI. */
  ops: EnvOperations;
  /** Pack, unpack, publish and install archives. */
  archives: EnvArchives;
  /** Where ops and archives report progress (they are given its `fire`). */
  progress: Emitter<EnvProgress>;
}

/**
 * Conda environments: the catalog (discovery from disk with a SQLite cache, one kernelspec per env with ipykernel),
 * inspection from conda-meta, changes through the chosen tool's CLI (EnvOperations) and archives (EnvArchives).
 */
export class EnvService implements IEnvService {
  private readonly catalog: EnvCatalog;
  private readonly ops: EnvOperations;
  private readonly archives: EnvArchives;
  private readonly progress: Emitter<EnvProgress>;
  readonly onDidChange: Event<EnvList>;

  constructor(
    private readonly config: EnvServiceConfig,
    parts: EnvServiceParts,
  ) {
    ({ catalog: this.catalog, ops: this.ops, archives: this.archives, progress: this.progress } = parts);
    this.onDidChange = this.catalog.onDidChange;
  }

  list(options?: { refresh?: boolean }): Promise<EnvList> {
    return this.catalog.list(options);
  }

  async show(ref: string): Promise<EnvDetail> {
    const env = await this.resolve(ref);
    const [{ records, problems }, pip, history, q, act] = await Promise.all([readRecords(env.prefix), pipPackages(env.prefix), readHistory(env.prefix), quickInfo(env.prefix), activationVariables(env.prefix, env.name, { env: this.config.scan.env })]);
    const all = [...problems, ...act.problems];
    return { ...env, python: q.python, packageCount: records.length, modifiedAt: q.modifiedAt, packages: [...toPackages(records), ...pip], history, activation: act.vars, problem: all.length ? all.join('; ') : undefined };
  }

  setDefault(exe: string): Promise<EnvList> {
    return this.catalog.setDefault(exe);
  }

  plan(operation: EnvOperation, ctx?: CallContext): Promise<EnvPlan> {
    return this.ops.plan(operation, ctx);
  }

  apply(operation: EnvOperation, ctx?: CallContext): Promise<EnvOpResult> {
    return this.ops.apply(operation, ctx);
  }

  async export(ref: string, format: ExportFormat): Promise<string> {
    const env = await this.resolve(ref);
    return exportEnv(env.prefix, env.name, format);
  }

  pack(request: PackRequest, ctx?: CallContext): Promise<PackResult> {
    return this.archives.pack(request, ctx);
  }

  unpack(request: UnpackRequest, ctx?: CallContext): Promise<UnpackResult> {
    return this.archives.unpack(request, ctx);
  }

  publish(request: PublishRequest, ctx?: CallContext): Promise<PublishedEnv> {
    return this.archives.publish(request, ctx);
  }

  listPublished(): Promise<PublishedEnv[]> {
    return this.archives.listPublished();
  }

  installPublished(request: InstallPublishedRequest, ctx?: CallContext): Promise<UnpackResult> {
    return this.archives.installPublished(request, ctx);
  }

  deletePublished(ref: string): Promise<PublishedEnv> {
    return this.archives.deletePublished(ref);
  }

  /** Serves this core's folder registry to other cores (the HTTP front routes ENV_REGISTRY_PATH here). */
  serveRegistry(req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void> {
    return serveEnvRegistry({ registry: () => this.archives.servedRegistry(), tmpDir: join(this.config.dataDir, 'tmp-registry-uploads') }, req, res, subpath);
  }

  /** The local env for a published one (slug, slug@version, slug@sha256:HEX), installed from the registry if needed. */
  async envForPublished(ref: string): Promise<EnvDetail> {
    const e = await this.archives.envForPublished(ref);
    return this.show(e.prefix);
  }

  onDidProgress(arg: { opId: string }): Event<EnvProgress> {
    return (listener) => this.progress.event((p) => p.opId === arg.opId && listener(p));
  }

  /** An env by absolute prefix, or by name (the default installation's first when two share a name). */
  resolve(ref: string): Promise<EnvSummary> {
    return this.catalog.resolve(ref);
  }

  /** Scans now (see EnvCatalog.rescan). */
  rescan(): Promise<EnvList> {
    return this.catalog.rescan();
  }

  /** Waits for background work (scans, sizes, `info` runs); for tests and shutdown. */
  idle(): Promise<void> {
    return this.catalog.idle();
  }

  dispose(): void {
    this.catalog.dispose();
    this.ops.dispose();
    this.progress.dispose();
  }
}
