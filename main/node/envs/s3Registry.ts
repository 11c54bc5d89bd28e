import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../common/errors';
import type { PackResult, PublishedEnv } from '../../common/envs';
import type { IEnvRegistry } from './folderRegistry';
import { downloadVerified } from './httpRegistry';

/** How to reach an S3 or S3-compatible store. Credentials left out fall back to the AWS default chain. */
export interface S3Options {
  /** s3://bucket/prefix */
  url: string;
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  cacheDir: string;
  onProgress?: (done: number, total: number) => void;
  /** Multipart part size (default 16 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
  /** A ready client (a proxy agent, extra middleware); built from the options above when left out. */
  client?: S3Client;
}

/**
 * A registry in an S3 bucket (AWS, MinIO, Ceph…): `<prefix>/<slug>/<version>/` holds the archive and manifest.json.
 * The archive goes up first (multipart, so envs of many GB work) and the manifest last, so a listed version always
 * has its archive; versions are immutable, as in the folder registry.
 */
export class S3Registry implements IEnvRegistry {
  readonly location: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly s3: S3Client;

  constructor(private readonly o: S3Options) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(o.url);
    if (!m) throw new AppError('INVALID_ARGUMENT', `${o.url} is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX (bucket names are lower case).`);
    this.bucket = m[1]!;
    this.prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
    this.location = `s3://${this.bucket}/${this.prefix ? this.prefix + '/' : ''}`;
    // Custom endpoints (MinIO and most S3-compatible stores) want the bucket in the path, not the host name.
    this.s3 = o.client ?? new S3Client({ region: o.region ?? 'us-east-1', ...(o.endpoint ? { endpoint: o.endpoint, forcePathStyle: true } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) });
  }

  async put(packed: PackResult): Promise<PublishedEnv> {
    const m = packed.manifest;
    const dir = this.key(m.slug, m.version);
    const existing = await this.manifest(`${dir}/manifest.json`);
    if (existing) {
      if (existing.sha256 === packed.sha256) return existing;
      throw new AppError('VERSION_EXISTS', `${m.slug}@${m.version} is already published with another sha256 (${existing.sha256.slice(0, 12)}…). Published versions never change: publish with a new --version.`);
    }
    const file = `${m.slug}-${m.version}.${packed.format}`;
    const entry: PublishedEnv = { ...m, sha256: packed.sha256, archiveBytes: packed.archiveBytes, location: `${this.location}${m.slug}/${m.version}/${file}` };
    await this.call(`upload ${file}`, async () => {
      const up = new Upload({ client: this.s3, params: { Bucket: this.bucket, Key: `${dir}/${file}`, Body: createReadStream(packed.file), ContentType: 'application/octet-stream' }, queueSize: 4, partSize: this.o.partSize ?? 16 * 1024 * 1024 });
      up.on('httpUploadProgress', (p) => this.o.onProgress?.(p.loaded ?? 0, packed.archiveBytes));
      await up.done();
    });
    await this.call('write the manifest', () => new Upload({ client: this.s3, params: { Bucket: this.bucket, Key: `${dir}/manifest.json`, Body: JSON.stringify(entry, null, 1) + '\n', ContentType: 'application/json' } }).done());
    return entry;
  }

  async list(): Promise<PublishedEnv[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list the registry', () => this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix ? `${this.prefix}/` : undefined, ContinuationToken: token })));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('/manifest.json')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const entries = await Promise.all(keys.map((k) => this.manifest(k).catch(() => undefined)));
    return entries.filter((e): e is PublishedEnv => !!e).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  fetch(entry: PublishedEnv): Promise<string> {
    return downloadVerified(this.o.cacheDir, entry, this.location, async () => {
      const r = await this.call(`download ${entry.slug}@${entry.version}`, () => this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.key(entry.slug, entry.version)}/${basename(entry.location)}` })));
      return r.Body as Readable;
    });
  }

  async delete(entry: PublishedEnv): Promise<void> {
    const dir = this.key(entry.slug, entry.version);
    await this.call(`delete ${entry.slug}@${entry.version}`, () => this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: [{ Key: `${dir}/manifest.json` }, { Key: `${dir}/${basename(entry.location)}` }] } })));
  }

  dispose(): void {
    this.s3.destroy();
  }

  private key(slug: string, version: string): string {
    return `${this.prefix ? this.prefix + '/' : ''}${slug}/${version}`;
  }

  private async manifest(key: string): Promise<PublishedEnv | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await r.Body!.transformToString()) as PublishedEnv;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw this.explain(err, `read ${key}`);
    }
  }

  /** Runs an S3 call, turning its failures into errors that say what to fix. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.explain(err, what);
    }
  }

  private explain(err: unknown, what: string): AppError {
    const name = (err as { name?: string }).name ?? '';
    const where = `${this.location}${this.o.endpoint ? ` at ${this.o.endpoint}` : ''}`;
    if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'CredentialsProviderError', 'ExpiredToken'].includes(name)) {
      return new AppError('REGISTRY_UNAUTHORISED', `Could not ${what} in ${where}: ${name}. Store the keys with \`lathe secret set AWS_ACCESS_KEY_ID\` and \`lathe secret set AWS_SECRET_ACCESS_KEY\` (or give the core the usual AWS credentials).`);
    }
    if (name === 'NoSuchBucket') return new AppError('NOT_FOUND', `The bucket ${this.bucket} does not exist at ${this.o.endpoint ?? 'AWS'}. Create it, or fix Settings → Environments → registry.`);
    if (err instanceof S3ServiceException) return new AppError('REGISTRY_ERROR', `Could not ${what} in ${where}: ${name}: ${err.message}`);
    const cause = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    return new AppError('REGISTRY_UNREACHABLE', `Could not ${what} in ${where}: ${cause ?? (err as Error).message}. Check the endpoint and the network.`);
  }
}
