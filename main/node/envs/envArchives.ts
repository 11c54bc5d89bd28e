import { spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { access, appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { AppError, BugError } from '../../common/errors';
import type { EnvSummary, InstallPublishedRequest, PackFormat, PackRequest, PackResult, PublishRequest, PublishedEnv, UnpackRequest, UnpackResult } from '../../common/envs';
import type { CallContext } from '../../common/rpc';
import type { EnvWorkHost } from './envCatalog';
import type { ISettingsService } from '../../common/settings';
import { sha256File } from './archiveFiles';
import type { ArchiveStore } from './archiveStore';
import type { Logger } from '../../base/node/logger';
import { formatBytes } from '../../common/format';
import { packEnv } from './envPack';
import { unpackEnv } from './envUnpack';
import { FolderRegistry, resolvePublished, type IEnvRegistry } from './folderRegistry';
import { HttpRegistry } from './httpRegistry';
import { S3Registry } from './s3Registry';

/** Where an env installed from the registry records which published env it is. */
const INSTALLED_PATH = join('.lathe-pack', 'installed.json');

let zstdKnown: boolean | undefined;
function hasZstd(): boolean {
  return (zstdKnown ??= spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0);
}

/**
 * Pack, unpack, publish and install: envs as archives. Unpacked envs are registered in the user's
 * ~/.conda/environments.txt, as conda registers envs it creates, so conda and every tool see them.
 */
export class EnvArchives {
  constructor(
    private readonly config: { dataDir: string; home: string; env: NodeJS.ProcessEnv; secret?: (name: string) => string | undefined },
    private readonly settings: ISettingsService,
    private readonly host: EnvWorkHost,
    private readonly store: ArchiveStore,
    private readonly log: Logger,
  ) {}

  private progress(opId: string) {
    return (done: number, total: number) => this.host.progress({ opId, kind: 'progress', text: `${formatBytes(done)} of ${formatBytes(total)}`, fraction: total ? done / total : 1 });
  }

  private async withOp<T>(opId: string, what: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      const r = await fn();
      this.host.progress({ opId, kind: 'done', text: 'ok' });
      this.log.info(`env ${what}: ok`, { opId, durationMs: Date.now() - t0 });
      return r;
    } catch (err) {
      this.host.progress({ opId, kind: 'done', text: (err as Error).message });
      this.log.warn(`env ${what}: failed: ${(err as Error).message}`, { opId, durationMs: Date.now() - t0, code: (err as { code?: string }).code });
      throw err;
    }
  }

  pack(req: PackRequest, ctx?: CallContext): Promise<PackResult> {
    return this.withOp(req.opId, `pack ${req.env} to ${req.output}`, async () => {
      const env = await this.host.resolve(req.env);
      const packed = await packEnv({ prefix: env.prefix, name: env.name, output: req.output, format: req.format, version: req.version, createdBy: `${userInfo().username} (Lathe)`, onProgress: this.progress(req.opId), signal: ctx?.signal, condaPack: await this.condaPackTool() });
      this.store.recordPacked(packed.sha256, packed.manifest.slug);
      return packed;
    });
  }

  /** The user's conda-pack, on PATH or in an installation's bin (Lathe packs itself when there is none). */
  private async condaPackTool(): Promise<string | undefined> {
    const list = await this.host.list();
    const dirs = [...(this.config.env.PATH ?? '').split(delimiter), ...list.installations.map((i) => (i.rootPrefix ? join(i.rootPrefix, 'bin') : ''))].filter(Boolean);
    for (const d of dirs) {
      const exe = join(d, 'conda-pack');
      if (await access(exe, constants.X_OK).then(() => true, () => false)) return exe;
    }
    return undefined;
  }

  unpack(req: UnpackRequest, ctx?: CallContext): Promise<UnpackResult> {
    return this.withOp(req.opId, `unpack ${req.archive} to ${req.dest}${req.runArchiveScript ? ' (its conda-unpack allowed)' : ''}`, () => this.unpackAndRegister(req, ctx));
  }

  private async unpackAndRegister(req: UnpackRequest, ctx?: CallContext): Promise<UnpackResult> {
    const r = await unpackEnv({ archive: req.archive, dest: req.dest, onProgress: this.progress(req.opId), signal: ctx?.signal, runArchiveScript: req.runArchiveScript || (async () => this.store.packedHere(await sha256File(req.archive))) });
    await this.register(r.prefix);
    await this.host.rescan();
    return r;
  }

  /** Adds a prefix to ~/.conda/environments.txt unless it is there. */
  private async register(prefix: string): Promise<void> {
    const dir = join(this.config.home, '.conda');
    const file = join(dir, 'environments.txt');
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.split(/\r?\n/).some((l) => l.trim() === prefix)) return;
    await mkdir(dir, { recursive: true });
    await appendFile(file, `${text && !text.endsWith('\n') ? '\n' : ''}${prefix}\n`);
  }

  /** The registry the settings name: a folder (default: the data dir's env-registry), or a Lathe server's URL. */
  private async registry(): Promise<IEnvRegistry> {
    const s = (await this.settings.get()).envs;
    const loc = s.registry ?? join(this.config.dataDir, 'env-registry');
    const cacheDir = join(this.config.dataDir, 'registry-cache');
    if (/^https?:\/\//i.test(loc)) return new HttpRegistry(loc, this.config.secret?.('REGISTRY_TOKEN'), cacheDir);
    if (loc.startsWith('s3://')) {
      const id = this.config.secret?.('AWS_ACCESS_KEY_ID');
      const key = this.config.secret?.('AWS_SECRET_ACCESS_KEY');
      const session = this.config.secret?.('AWS_SESSION_TOKEN');
      return new S3Registry({ url: loc, endpoint: s.s3Endpoint, region: s.s3Region, cacheDir, ...(id && key ? { credentials: { accessKeyId: id, secretAccessKey: key, ...(session ? { sessionToken: session } : {}) } } : {}) });
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(loc)) throw new AppError('UNSUPPORTED', `The env registry ${loc} is neither a folder, a Lathe server (http:// or https://) nor an S3 bucket (s3://). Set Settings → Environments → registry to one of those.`);
    return new FolderRegistry(loc);
  }

  /** The registry this core serves to others: always its own folder (a server does not relay to another). */
  async servedRegistry(): Promise<IEnvRegistry> {
    const loc = (await this.settings.get()).envs.registry ?? join(this.config.dataDir, 'env-registry');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(loc)) throw new AppError('UNSUPPORTED', `This server's own env registry is set to ${loc}; a served registry must be a folder. Set its registry to a folder.`);
    return new FolderRegistry(loc);
  }

  publish(req: PublishRequest, ctx?: CallContext): Promise<PublishedEnv> {
    return this.withOp(req.opId, `publish ${req.env}${req.version ? `@${req.version}` : ''}`, async () => {
      const env = await this.host.resolve(req.env);
      const format: PackFormat = req.format ?? (hasZstd() ? 'tar.zst' : 'tar.gz');
      const tmp = await mkdtemp(join(this.config.dataDir, 'tmp-pack-'));
      try {
        const packed = await packEnv({ prefix: env.prefix, name: env.name, output: join(tmp, `env.${format}`), format, version: req.version, createdBy: `${userInfo().username} (Lathe)`, onProgress: this.progress(req.opId), signal: ctx?.signal, condaPack: await this.condaPackTool() });
        this.store.recordPacked(packed.sha256, packed.manifest.slug);
        return await (await this.registry()).put(packed);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
  }

  async listPublished(): Promise<PublishedEnv[]> {
    return (await this.registry()).list();
  }

  installPublished(req: InstallPublishedRequest, ctx?: CallContext): Promise<UnpackResult> {
    return this.withOp(req.opId, `install ${req.ref}${req.name ? ` as ${req.name}` : ''}`, async () => {
      const reg = await this.registry();
      const entry = resolvePublished(await reg.list(), req.ref);
      const name = req.name ?? entry.slug;
      const list = await this.host.list();
      if (list.envs.some((e) => e.named && e.name === name)) throw new AppError('ENV_EXISTS', `An env named "${name}" exists already; install under another name (--name).`);
      const file = await reg.fetch(entry);
      this.host.progress({ opId: req.opId, kind: 'log', text: `checking sha256 of ${file}` });
      const sum = await sha256File(file);
      if (sum !== entry.sha256) throw new AppError('CHECKSUM_MISMATCH', `${file} has sha256 ${sum.slice(0, 12)}…, but ${entry.slug}@${entry.version} was published as ${entry.sha256.slice(0, 12)}…: the archive changed or is damaged. Publish it again.`);
      const inst = list.installations.find((i) => i.exe === list.defaultExe) ?? list.installations[0];
      const envsDir = inst?.envsDirs[0] ?? join(this.config.home, '.conda', 'envs');
      const dest = join(envsDir, name);
      // Written before the rescan, so the env is known by its slug and sha256 as soon as it is listed. An archive that
      // needs its own bin/conda-unpack runs it only if this Lathe packed it (its digest, checked above, is recorded).
      const r = await unpackEnv({ archive: file, dest, onProgress: this.progress(req.opId), signal: ctx?.signal, runArchiveScript: async () => this.store.packedHere(entry.sha256) });
      await writeFile(join(dest, INSTALLED_PATH), JSON.stringify({ slug: entry.slug, version: entry.version, sha256: entry.sha256, installedAt: new Date().toISOString() }) + '\n');
      await this.register(r.prefix);
      await this.host.rescan();
      return r;
    });
  }

  /**
   * The local env installed from a published one ("slug", "slug@version" or "slug@sha256:HEX"), installing
   * it from the registry first when no env has it. This is how jobs and models refer to envs.
   */
  async envForPublished(ref: string): Promise<EnvSummary> {
    const want = resolvePublished(await (await this.registry()).list().catch(() => []), ref).sha256;
    const find = async () => {
      for (const e of (await this.host.list()).envs) {
        const mark = await readFile(join(e.prefix, INSTALLED_PATH), 'utf8').then((t) => JSON.parse(t) as { sha256: string }, () => undefined);
        if (mark?.sha256 === want) return e;
      }
      return undefined;
    };
    const have = await find();
    if (have) return have;
    const slug = ref.split('@')[0]!;
    await this.installPublished({ opId: `auto-${want.slice(0, 12)}`, ref: `${slug}@sha256:${want}`, name: `${slug}-${want.slice(0, 12)}` });
    const now = await find();
    if (!now) throw new BugError(`installed ${ref} but cannot find it`);
    return now;
  }

  async deletePublished(ref: string): Promise<PublishedEnv> {
    if (!ref.includes('@')) throw new AppError('INVALID_ARGUMENT', `Say which version of ${ref} to delete: ${ref}@VERSION or ${ref}@sha256:HEX.`);
    const reg = await this.registry();
    const entry = resolvePublished(await reg.list(), ref);
    await reg.delete(entry);
    return entry;
  }
}
