import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, isAppError, isErrorCode } from '../../common/errors';
import type { PackFormat, PackManifest, PackResult, PublishedEnv } from '../../common/envs';
import type { IEnvRegistry } from './folderRegistry';

/** The path a Lathe core serves its env registry under (token-authenticated like every route). */
export const ENV_REGISTRY_PATH = '/api/env-registry/';

/** The media type of an upload: a 4-byte big-endian manifest length, the manifest JSON, then the archive. */
const UPLOAD_TYPE = 'application/vnd.lathe.env-upload';
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const FORMATS: readonly PackFormat[] = ['tar.gz', 'tar.zst'];

/**
 * A registry on a Lathe core that a team runs (`lathe serve` on a shared host): publish uploads the archive with its
 * manifest, the server checks the sha256 and keeps it in its own folder registry; install downloads into a local
 * cache, checking the sha256 again while it streams.
 */
export class HttpRegistry implements IEnvRegistry {
  readonly location: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
    private readonly cacheDir: string,
  ) {
    this.location = url.endsWith('/') ? url : `${url}/`;
  }

  async put(packed: PackResult): Promise<PublishedEnv> {
    const m = packed.manifest;
    const manifest = Buffer.from(JSON.stringify({ ...m, sha256: packed.sha256, archiveBytes: packed.archiveBytes, format: packed.format }));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(manifest.length);
    const body = Readable.from(
      (async function* () {
        yield head;
        yield manifest;
        yield* createReadStream(packed.file);
      })(),
    );
    const res = await this.request(`${enc(m.slug)}/${enc(m.version)}`, { method: 'PUT', body: Readable.toWeb(body) as ReadableStream, duplex: 'half', headers: { 'content-type': UPLOAD_TYPE, 'content-length': String(4 + manifest.length + packed.archiveBytes) } } as RequestInit);
    return this.withLocation((await res.json()) as PublishedEnv);
  }

  async list(): Promise<PublishedEnv[]> {
    const res = await this.request('', { method: 'GET' });
    return ((await res.json()) as PublishedEnv[]).map((e) => this.withLocation(e));
  }

  async fetch(entry: PublishedEnv): Promise<string> {
    return downloadVerified(this.cacheDir, entry, this.location, async () => Readable.fromWeb((await this.request(`${enc(entry.slug)}/${enc(entry.version)}/archive`, { method: 'GET' })).body as import('node:stream/web').ReadableStream));
  }

  async delete(entry: PublishedEnv): Promise<void> {
    await this.request(`${enc(entry.slug)}/${enc(entry.version)}`, { method: 'DELETE' });
  }

  private withLocation(e: PublishedEnv): PublishedEnv {
    return { ...e, location: `${this.location}${ENV_REGISTRY_PATH.slice(1)}${enc(e.slug)}/${enc(e.version)}/${basename(e.location)}` };
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    if (!this.token) throw new AppError('REGISTRY_TOKEN_MISSING', `The env registry ${this.location} is a Lathe server and needs its token: store it with \`lathe secret set REGISTRY_TOKEN\`.`);
    const url = new URL(ENV_REGISTRY_PATH.slice(1) + path, this.location);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${this.token}` } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new AppError('REGISTRY_UNREACHABLE', `Cannot reach the env registry ${this.location} (${cause?.code ?? cause?.message ?? (err as Error).message}). Check the address and that the Lathe server runs.`);
    }
    if (res.ok) return res;
    if (res.status === 401) throw new AppError('REGISTRY_UNAUTHORISED', `The env registry ${this.location} refused the token. Store the server's current token with \`lathe secret set REGISTRY_TOKEN\`.`);
    const body = (await res.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
    throw new AppError(body?.code && isErrorCode(body.code) ? body.code : 'REGISTRY_ERROR', body?.message ?? `The env registry ${this.location} answered HTTP ${res.status}.`);
  }
}

/** An entry as the server hands it out: the archive's file name, not the server's paths. */
function publicEntry(e: PublishedEnv): PublishedEnv {
  return { ...e, location: basename(e.location) };
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

/**
 * Downloads a published archive into `cacheDir` (named by its sha256, so a second install is free), hashing it as it
 * streams; a download whose sha256 differs from the published one is thrown away with a clear error.
 */
export async function downloadVerified(cacheDir: string, entry: PublishedEnv, from: string, open: () => Promise<Readable>): Promise<string> {
  const file = join(cacheDir, `${entry.sha256}.${formatOf(entry)}`);
  if (await stat(file).then((s) => s.size === entry.archiveBytes, () => false)) return file;
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, '.dl-'));
  try {
    const hash = createHash('sha256');
    const part = join(tmp, 'archive');
    await pipeline(await open(), hashing(hash), createWriteStream(part));
    const sum = hash.digest('hex');
    if (sum !== entry.sha256) throw new AppError('CHECKSUM_MISMATCH', `The download of ${entry.slug}@${entry.version} from ${from} has sha256 ${sum.slice(0, 12)}…, not the published ${entry.sha256.slice(0, 12)}…: it was damaged on the way or in the store. Try again; if it persists, publish it again.`);
    await rename(part, file);
    return file;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function formatOf(e: PublishedEnv): PackFormat {
  return e.location.endsWith('.tar.gz') ? 'tar.gz' : 'tar.zst';
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/** What the server side needs: its own folder registry and a place for uploads in progress. */
export interface RegistryServerHost {
  registry(): Promise<IEnvRegistry>;
  tmpDir: string;
}

/**
 * Serves a core's folder registry over HTTP under ENV_REGISTRY_PATH: GET lists, PUT SLUG/VERSION uploads (the
 * sha256 and size are checked against the manifest before anything is kept), GET SLUG/VERSION/archive downloads,
 * DELETE SLUG/VERSION deletes. Names are checked so nothing is written outside the registry folder.
 */
export async function serveEnvRegistry(host: RegistryServerHost, req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void> {
  const send = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  try {
    const parts = subpath.split('/').filter(Boolean).map(decodeURIComponent);
    for (const p of parts) if (!SAFE.test(p)) throw new AppError('INVALID_ARGUMENT', `"${p}" is not a valid env slug or version (letters, digits, . _ + -).`);
    const reg = await host.registry();
    const find = async () => {
      const e = (await reg.list()).find((x) => x.slug === parts[0] && x.version === parts[1]);
      if (!e) throw new AppError('NOT_FOUND', `No published env ${parts[0]}@${parts[1]} on this server.`);
      return e;
    };
    if (req.method === 'GET' && parts.length === 0) return send(200, (await reg.list()).map(publicEntry));
    if (req.method === 'GET' && parts.length === 3 && parts[2] === 'archive') {
      const e = await find();
      const size = (await stat(e.location)).size;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size), 'x-lathe-sha256': e.sha256 });
      await pipeline(createReadStream(e.location), res);
      return;
    }
    if (req.method === 'DELETE' && parts.length === 2) {
      const e = await find();
      await reg.delete(e);
      return send(200, publicEntry(e));
    }
    if (req.method === 'PUT' && parts.length === 2) {
      if (req.headers['content-type'] !== UPLOAD_TYPE) throw new AppError('INVALID_ARGUMENT', `Uploads are ${UPLOAD_TYPE}; publish with \`lathe env publish\`.`);
      const entry = await receiveUpload(host, req, parts[0]!, parts[1]!, (tmp) => reg.put(tmp));
      return send(201, publicEntry(entry));
    }
    throw new AppError('NOT_FOUND', `No such registry request: ${req.method} ${ENV_REGISTRY_PATH}${subpath}`);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const code = isAppError(err) ? err.code : 'INTERNAL';
    const status = code === 'NOT_FOUND' ? 404 : code === 'VERSION_EXISTS' ? 409 : code === 'INVALID_ARGUMENT' || code === 'CHECKSUM_MISMATCH' ? 400 : 500;
    send(status, { code, message: isAppError(err) ? err.message : `The registry failed: ${(err as Error).message}` });
  }
}

/** Reads manifest + archive into a temporary file, checks size and sha256, and hands it to `keep`. */
async function receiveUpload(host: RegistryServerHost, req: IncomingMessage, slug: string, version: string, keep: (p: PackResult) => Promise<PublishedEnv>): Promise<PublishedEnv> {
  await mkdir(host.tmpDir, { recursive: true });
  const tmp = await mkdtemp(join(host.tmpDir, 'upload-'));
  try {
    let pending = Buffer.alloc(0);
    let manifest: (PackManifest & { sha256: string; archiveBytes: number; format: PackFormat }) | undefined;
    const hash = createHash('sha256');
    let bytes = 0;
    const file = join(tmp, 'archive');
    const out = createWriteStream(file);
    const parse = new Transform({
      transform(chunk: Buffer, _e, done) {
        if (manifest) {
          hash.update(chunk);
          bytes += chunk.length;
          return done(null, chunk);
        }
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 4) return done();
        const len = pending.readUInt32BE(0);
        if (len > MAX_MANIFEST_BYTES) return done(new AppError('INVALID_ARGUMENT', `The upload's manifest is ${len} bytes; the limit is ${MAX_MANIFEST_BYTES}.`));
        if (pending.length < 4 + len) return done();
        try {
          manifest = JSON.parse(pending.subarray(4, 4 + len).toString('utf8'));
        } catch {
          return done(new AppError('INVALID_ARGUMENT', 'The upload does not start with a JSON manifest.'));
        }
        const rest = pending.subarray(4 + len);
        pending = Buffer.alloc(0);
        hash.update(rest);
        bytes += rest.length;
        done(null, rest);
      },
    });
    await pipeline(req, parse, out);
    if (!manifest || manifest.kind !== 'lathe-env-pack') throw new AppError('INVALID_ARGUMENT', 'The upload carries no Lathe env manifest.');
    if (manifest.slug !== slug || manifest.version !== version) throw new AppError('INVALID_ARGUMENT', `The manifest names ${manifest.slug}@${manifest.version}, not ${slug}@${version}.`);
    if (!FORMATS.includes(manifest.format)) throw new AppError('INVALID_ARGUMENT', `Unknown archive format ${String(manifest.format)}.`);
    const sum = hash.digest('hex');
    if (bytes !== manifest.archiveBytes || sum !== manifest.sha256) throw new AppError('CHECKSUM_MISMATCH', `The upload of ${slug}@${version} arrived as ${bytes} bytes with sha256 ${sum.slice(0, 12)}…, but its manifest says ${manifest.archiveBytes} bytes, ${manifest.sha256.slice(0, 12)}…: it was cut or damaged on the way. Publish again.`);
    const { sha256, archiveBytes, format, ...m } = manifest;
    return await keep({ file, format, sha256, archiveBytes, manifest: m });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
