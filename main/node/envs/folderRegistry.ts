import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AppError } from '../../common/errors';
import type { PackResult, PublishedEnv } from '../../common/envs';

/** Where published envs live. One implementation per kind of store (a folder now; S3 and a Lathe server later). */
export interface IEnvRegistry {
  /** Shown to people: a path or URL. */
  readonly location: string;
  /** Stores a packed env; versions are immutable. */
  put(packed: PackResult): Promise<PublishedEnv>;
  /** Every published env, newest first. */
  list(): Promise<PublishedEnv[]>;
  /** A local path to the archive (a download for remote stores). */
  fetch(entry: PublishedEnv): Promise<string>;
  /** Deletes one version. */
  delete(entry: PublishedEnv): Promise<void>;
}

/** Picks the published env a ref names: slug (newest), slug@version, or slug@sha256:prefix. */
export function resolvePublished(list: PublishedEnv[], ref: string): PublishedEnv {
  const [slug, sel] = ref.split('@') as [string, string | undefined];
  const mine = list.filter((e) => e.slug === slug);
  if (!mine.length) throw new AppError('NOT_FOUND', `No published env "${slug}". Published: ${[...new Set(list.map((e) => e.slug))].join(', ') || 'none'}.`);
  if (!sel) return mine[0]!;
  const hits = sel.startsWith('sha256:') ? mine.filter((e) => e.sha256.startsWith(sel.slice(7))) : mine.filter((e) => e.version === sel);
  if (hits.length === 1) return hits[0]!;
  if (!hits.length) throw new AppError('NOT_FOUND', `${slug} has no version ${sel}. Versions: ${mine.map((e) => `${e.version} (sha256:${e.sha256.slice(0, 12)})`).join(', ')}.`);
  throw new AppError('ENV_AMBIGUOUS', `${ref} matches ${hits.length} archives; give more of the sha256.`);
}

/**
 * A registry in a folder (local disk or a shared mount): `<root>/<slug>/<version>/` holds the archive and
 * its manifest.json. A version is written to a temporary folder and renamed into place, so readers never
 * see half an archive.
 */
export class FolderRegistry implements IEnvRegistry {
  constructor(readonly location: string) {}

  async put(packed: PackResult): Promise<PublishedEnv> {
    const m = packed.manifest;
    const dir = join(this.location, m.slug, m.version);
    const existing = await readFile(join(dir, 'manifest.json'), 'utf8').then((t) => JSON.parse(t) as PublishedEnv, () => undefined);
    if (existing) {
      if (existing.sha256 === packed.sha256) return existing;
      throw new AppError('VERSION_EXISTS', `${m.slug}@${m.version} is already published with another sha256 (${existing.sha256.slice(0, 12)}…). Published versions never change: publish with a new --version.`);
    }
    const tmp = join(this.location, m.slug, `.${m.version}.${process.pid}.tmp`);
    await mkdir(tmp, { recursive: true });
    try {
      const file = `${m.slug}-${m.version}.${packed.format}`;
      await copyFile(packed.file, join(tmp, file));
      const entry: PublishedEnv = { ...m, sha256: packed.sha256, archiveBytes: packed.archiveBytes, location: join(dir, file) };
      await writeFile(join(tmp, 'manifest.json'), JSON.stringify(entry, null, 1) + '\n');
      await rename(tmp, dir);
      return entry;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  async list(): Promise<PublishedEnv[]> {
    const out: PublishedEnv[] = [];
    for (const slug of await readdir(this.location).catch(() => [] as string[])) {
      for (const version of await readdir(join(this.location, slug)).catch(() => [] as string[])) {
        if (version.startsWith('.')) continue;
        const dir = join(this.location, slug, version);
        try {
          const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as PublishedEnv;
          out.push({ ...m, location: join(dir, basename(m.location)) });
        } catch {
          // A folder without a readable manifest is not a published env.
        }
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async fetch(entry: PublishedEnv): Promise<string> {
    return entry.location;
  }

  async delete(entry: PublishedEnv): Promise<void> {
    await rm(join(this.location, entry.slug, entry.version), { recursive: true, force: true });
  }
}
