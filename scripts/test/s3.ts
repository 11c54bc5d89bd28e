import { createRequire } from 'node:module';

// s3rver: a third-party S3-compatible server in Node (no MinIO or moto is packaged for Debian, and no network
// reaches AWS). It speaks the S3 REST API (path-style buckets, multipart uploads, ListObjectsV2, DeleteObjects) and
// checks the access key id (S3RVER); it does not verify SigV4 signatures themselves, so a wrong secret key goes
// unnoticed here. Signing is the AWS SDK's own, which Lathe uses unchanged.
const S3rver = createRequire(import.meta.url)('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

/** The keys s3rver accepts. */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts s3rver on a free loopback port with the given buckets, storing objects under `dir`. */
export async function startS3(dir: string, buckets: string[]): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}
