import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PackManifest } from '../../common/envs';
import { S3RVER_KEYS, startS3 } from '../../../scripts/test/s3';
import { tempDirs } from '../../../scripts/test/tempDir';
import { sha256File } from './archiveFiles';
import { S3Registry } from './s3Registry';

const dirs = tempDirs();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  dirs.cleanup();
});

const manifest = (version: string): PackManifest => ({ kind: 'lathe-env-pack', formatVersion: 1, name: 'big', version, slug: 'big', platform: 'linux-64', packages: [], sizeBytes: 1, fileCount: 1, createdBy: 't', createdAt: new Date().toISOString(), sourcePrefix: '/x', sourceHost: 'h', relocate: [] });

describe('S3Registry against an S3-compatible server (s3rver)', () => {
  it('uploads a 12 MB archive in parts, lists it, downloads it intact, and refuses an object changed in the bucket', async () => {
    const s3 = await startS3(dirs.make(), ['envs']);
    closers.push(() => s3.close());
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_KEYS });
    const commands: string[] = [];
    client.middlewareStack.add((next, ctx) => (args) => (commands.push(String(ctx.commandName)), next(args)), { step: 'initialize' });
    const reg = new S3Registry({ url: 's3://envs/team/a', client, cacheDir: join(dirs.make(), 'cache'), partSize: 5 * 1024 * 1024 });
    closers.push(async () => reg.dispose());
    const file = join(dirs.make(), 'big.tar.zst');
    writeFileSync(file, randomBytes(12 * 1024 * 1024));
    const sha256 = await sha256File(file);
    const entry = await reg.put({ file, format: 'tar.zst', sha256, archiveBytes: 12 * 1024 * 1024, manifest: manifest('1') });
    expect(entry.location).toBe('s3://envs/team/a/big/1/big-1.tar.zst');
    // 12 MB in 5 MB parts: three parts, then the manifest in one small put.
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(await reg.list()).toEqual([entry]);

    const got = await reg.fetch(entry);
    expect(readFileSync(got).equals(readFileSync(file))).toBe(true);

    // Someone replaces the archive in the bucket: the download is refused, and nothing is left in the cache.
    const v2 = await reg.put({ file, format: 'tar.zst', sha256, archiveBytes: 12 * 1024 * 1024, manifest: manifest('2') });
    const raw = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_KEYS });
    await raw.send(new PutObjectCommand({ Bucket: 'envs', Key: 'team/a/big/2/big-2.tar.zst', Body: randomBytes(12 * 1024 * 1024) }));
    raw.destroy();
    const cache = join(dirs.make(), 'cache2');
    await expect(new S3Registry({ url: 's3://envs/team/a', endpoint: s3.endpoint, credentials: S3RVER_KEYS, cacheDir: cache }).fetch(v2)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });

    await reg.delete(entry);
    expect((await reg.list()).map((e) => e.version)).toEqual(['2']);
    expect(() => new S3Registry({ url: 's3://Bad_Bucket', cacheDir: cache })).toThrow(/not an S3 location/);
  }, 60_000);
});
