import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxy } from '../common/rpcClient';
import { SettingsChannel } from '../common/settings';
import { makeInstallation } from '../../scripts/test/condaFixture';
import { S3RVER_KEYS, startS3 } from '../../scripts/test/s3';
import { tempDir } from '../../scripts/test/tempDir';
import { startTestCore } from '../../scripts/test/testCore';
import { connectToCore } from './coreClient';

// Integration: two real cores, a team server and a workstation whose env registry is that server (HTTP, token in
// the workstation's secret store). Envs come from the stand-in conda, as in the other env command tests.
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

/** A workstation core whose user has a stand-in conda, and the `lathe` CLI pointed at it. */
async function workstation(root: string) {
  const { core: ws, cli } = await startTestCore(root, { path: '/usr/bin:/bin', prepareHome: (home) => makeInstallation(join(home, 'miniforge3'), 'conda') });
  return { ws, cli };
}

describe('a Lathe server as the team env registry', () => {
  it('publishes from a workstation to the server, installs with the sha256 checked, deletes; refuses a bad token, tampering and odd names', async () => {
    dir = tempDir();
    const { core: team, dataDir: teamData } = await startTestCore(dir.path, { name: 'team', path: '/usr/bin:/bin' });
    const { ws, cli } = await workstation(dir.path);
    const client = await connectToCore({ url: ws.url, token: ws.token });
    try {
      expect((await cli('env', 'create', 'demo', 'python=3.11', 'ipykernel')).code).toBe(0);
      await createProxy(client, SettingsChannel).update({ envs: { registry: team.url } });

      expect(await cli('env', 'publish', 'demo', '--version', '1.0', '--format', 'tar.gz')).toMatchObject({ code: 1, err: expect.stringContaining('lathe secret set REGISTRY_TOKEN') });
      const tok = join(dir.path, 'tok');
      writeFileSync(tok, 'not-the-team-token-0000');
      await cli('secret', 'set', 'REGISTRY_TOKEN', '--from-file', tok);
      expect(await cli('env', 'publish', 'demo', '--version', '1.0', '--format', 'tar.gz')).toMatchObject({ code: 1, err: expect.stringContaining('refused the token') });
      writeFileSync(tok, team.token);
      await cli('secret', 'set', 'REGISTRY_TOKEN', '--from-file', tok);

      const pub = await cli('env', 'publish', 'demo', '--version', '1.0', '--format', 'tar.gz');
      expect(pub).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^Published demo@1\\.0 sha256:[0-9a-f]{64}\\n  ${team.url}api/env-registry/demo/1\\.0/demo-1\\.0\\.tar\\.gz$`)) });
      expect(existsSync(join(teamData, 'env-registry', 'demo', '1.0', 'manifest.json'))).toBe(true);
      expect((await cli('env', 'published')).out).toMatch(/^demo@1\.0\s+sha256:/);
      // Published versions never change.
      expect(await cli('env', 'publish', 'demo', '--version', '1.0', '--format', 'tar.gz')).toMatchObject({ code: 1, err: expect.stringContaining('never change') });

      expect((await cli('env', 'install', 'demo@1.0', '--name', 'demo-team')).code).toBe(0);
      const names = (JSON.parse((await cli('env', 'list', '--json')).out) as { envs: { name: string }[] }).envs.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(['demo', 'demo-team']));

      // The server side, asked directly: no token, odd names, a damaged upload.
      const api = `${team.url}api/env-registry/`;
      expect((await fetch(api)).status).toBe(401);
      expect((await fetch(api, { headers: { cookie: 'x=y' } })).status).toBe(401);
      const auth = { authorization: `Bearer ${team.token}` };
      const odd = await fetch(`${api}..%2F..%2Fetc/1.0`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/vnd.lathe.env-upload' }, body: 'x' });
      expect(odd.status).toBe(400);
      expect(((await odd.json()) as { message: string }).message).toContain('not a valid env slug');
      const manifest = Buffer.from(JSON.stringify({ kind: 'lathe-env-pack', slug: 'bad', version: '1', sha256: '0'.repeat(64), archiveBytes: 5, format: 'tar.gz' }));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(manifest.length);
      const damaged = await fetch(`${api}bad/1`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/vnd.lathe.env-upload' }, body: Buffer.concat([len, manifest, Buffer.from('hello')]) });
      expect(damaged.status).toBe(400);
      expect(((await damaged.json()) as { code: string }).code).toBe('CHECKSUM_MISMATCH');
      expect(existsSync(join(teamData, 'env-registry', 'bad'))).toBe(false);

      expect((await cli('env', 'unpublish', 'demo@1.0')).code).toBe(0);
      expect(existsSync(join(teamData, 'env-registry', 'demo', '1.0'))).toBe(false);
      expect((await cli('env', 'published')).out).not.toContain('demo@1.0');
    } finally {
      client.dispose();
      await ws.dispose();
      await team.dispose();
    }
  }, 120_000);
});

describe('an S3 bucket as the team env registry', () => {
  it('publishes to the bucket, lists, installs with the sha256 checked, deletes; a wrong key and a missing bucket say what to fix', async () => {
    dir = tempDir();
    const s3 = await startS3(join(dir.path, 's3'), ['team-envs']);
    const { ws, cli } = await workstation(dir.path);
    const secret = async (name: string, value: string) => {
      writeFileSync(join(dir!.path, 'v'), value);
      expect((await cli('secret', 'set', name, '--from-file', join(dir!.path, 'v'))).code).toBe(0);
    };
    const client = await connectToCore({ url: ws.url, token: ws.token });
    const settings = createProxy(client, SettingsChannel);
    try {
      expect((await cli('env', 'create', 'demo', 'python=3.11', 'ipykernel')).code).toBe(0);
      await settings.update({ envs: { registry: 's3://team-envs/lathe', s3Endpoint: s3.endpoint } });
      await secret('AWS_ACCESS_KEY_ID', 'NOT-A-KEY');
      await secret('AWS_SECRET_ACCESS_KEY', S3RVER_KEYS.secretAccessKey);
      expect(await cli('env', 'published')).toMatchObject({ code: 1, err: expect.stringMatching(/InvalidAccessKeyId.*lathe secret set AWS_ACCESS_KEY_ID/) });
      await secret('AWS_ACCESS_KEY_ID', S3RVER_KEYS.accessKeyId);

      const pub = await cli('env', 'publish', 'demo', '--version', '2.0', '--format', 'tar.gz');
      expect(pub).toMatchObject({ code: 0, out: expect.stringMatching(/^Published demo@2\.0 sha256:[0-9a-f]{64}\n {2}s3:\/\/team-envs\/lathe\/demo\/2\.0\/demo-2\.0\.tar\.gz$/) });
      expect((await cli('env', 'published')).out).toMatch(/^demo@2\.0\s+sha256:/);
      expect(await cli('env', 'publish', 'demo', '--version', '2.0', '--format', 'tar.gz')).toMatchObject({ code: 1, err: expect.stringContaining('never change') });
      expect((await cli('env', 'install', 'demo@2.0', '--name', 'demo-s3')).code).toBe(0);
      expect((JSON.parse((await cli('env', 'list', '--json')).out) as { envs: { name: string }[] }).envs.map((e) => e.name)).toContain('demo-s3');
      expect((await cli('env', 'unpublish', 'demo@2.0')).code).toBe(0);
      expect((await cli('env', 'published')).out).not.toContain('demo@2.0');

      await settings.update({ envs: { registry: 's3://no-such-bucket' } });
      expect(await cli('env', 'published')).toMatchObject({ code: 1, err: expect.stringContaining('The bucket no-such-bucket does not exist') });
    } finally {
      client.dispose();
      await ws.dispose();
      await s3.close();
    }
  }, 120_000);
});
