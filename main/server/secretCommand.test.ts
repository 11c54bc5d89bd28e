import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { capture } from '../../scripts/test/capture';
import { tempDir } from '../../scripts/test/tempDir';
import { startTestCore } from '../../scripts/test/testCore';
import { runCli } from './cli';
import { startCore } from './serverMain';
import { secretCommand } from './secretCommand';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

describe('lathe secret (against a running core)', () => {
  it('stores a secret from a file or stdin, never echoes it, and a job gets it in its environment only', async () => {
    dir = tempDir();
    const { core, dataDir, cli } = await startTestCore(dir.path);
    const env = { LATHE_TOKEN: core.token };
    try {
      writeFileSync(join(dir.path, 'tok'), 'tok-from-file-0001\n');
      expect(await cli('secret', 'set', 'HF_TOKEN', '--from-file', join(dir.path, 'tok'))).toMatchObject({ code: 0, out: 'HF_TOKEN stored (18 chars).' });
      const c = capture();
      expect(await secretCommand(['set', 'DB_PASSWORD', '--url', core.url], c.io, env, async () => 'typed-pass-42')).toBe(0);
      const list = await cli('secret', 'list');
      expect(list.out).toMatch(/^DB_PASSWORD\s+13 chars {2}updated \S+\nHF_TOKEN\s+18 chars/);
      expect(list.out).not.toContain('tok-from-file');
      expect(JSON.parse((await cli('secret', 'list', '--json')).out).map((s: { name: string }) => s.name)).toEqual(['DB_PASSWORD', 'HF_TOKEN']);

      const work = join(dir.path, 'proj');
      mkdirSync(work);
      writeFileSync(join(work, 'job.yaml'), 'name: uses-secret\ncommand: [sh, -c, \'echo "got $HF_TOKEN, ${#HF_TOKEN} chars"\']\nsecrets: [HF_TOKEN]\n');
      const run = await cli('job', 'submit', join(work, 'job.yaml'), '--wait');
      expect(run).toMatchObject({ code: 0, out: 'got ***, 18 chars' });
      // Nowhere on disk in plaintext: database, logs, run folders.
      const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : []));
      for (const f of files(dataDir)) expect(readFileSync(f).includes('tok-from-file-0001'), f).toBe(false);

      expect(await cli('secret', 'set', 'bad name', '--from-file', join(dir.path, 'tok'))).toMatchObject({ code: 1, err: expect.stringContaining('upper-case name') });
      expect(await cli('secret', 'rm', 'NOPE')).toMatchObject({ code: 1, err: expect.stringContaining('No secret named NOPE') });
      expect(await cli('secret', 'rm', 'HF_TOKEN')).toMatchObject({ code: 0, out: 'HF_TOKEN deleted.' });
      expect(await cli('secret', 'reset')).toMatchObject({ code: 2, err: expect.stringContaining('add --yes') });
      expect(await cli('secret', 'reset', '--yes')).toMatchObject({ code: 0, out: '1 secret(s) deleted.' });
      expect((await cli('secret', 'list')).out).toBe('No secrets. Add one with `lathe secret set NAME`.');
    } finally {
      await core.dispose();
    }
  });
});

describe('the store key given by environment', () => {
  it('is taken at start and removed from the core process environment, so no tool it runs inherits it', async () => {
    dir = tempDir();
    const key = Buffer.alloc(32, 9).toString('base64');
    const saved = { key: process.env.LATHE_STORE_KEY, token: process.env.LATHE_TOKEN };
    process.env.LATHE_STORE_KEY = key;
    process.env.LATHE_TOKEN = 'a-token-from-the-environment-0123';
    const core = await startCore({ dataDir: join(dir.path, 'data'), localSocket: false, logConsole: null, home: join(dir.path, 'home') });
    try {
      expect(process.env.LATHE_STORE_KEY).toBeUndefined();
      expect(process.env.LATHE_TOKEN).toBeUndefined();
      const c = capture();
      writeFileSync(join(dir.path, 'v'), 'value-1');
      expect(await runCli(['secret', 'set', 'K', '--from-file', join(dir.path, 'v'), '--url', core.url], c.io, { LATHE_TOKEN: core.token })).toBe(0);
      const k = capture();
      expect(await runCli(['secret', 'list', '--json', '--url', core.url], k.io, { LATHE_TOKEN: core.token })).toBe(0);
      expect(JSON.parse(k.out.join('\n'))).toEqual([expect.objectContaining({ name: 'K', length: 7 })]);
      // The key from the environment sealed it: no key file was made.
      expect(readdirSync(join(dir.path, 'data'))).not.toContain('store.key');
    } finally {
      await core.dispose();
      if (saved.key === undefined) delete process.env.LATHE_STORE_KEY;
      else process.env.LATHE_STORE_KEY = saved.key;
      if (saved.token === undefined) delete process.env.LATHE_TOKEN;
      else process.env.LATHE_TOKEN = saved.token;
    }
  });
});
