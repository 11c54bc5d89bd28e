import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { capture } from '../../scripts/test/capture';
import { resolveTarget, runCli } from './cli';
import { startCore } from './serverMain';
import { readToken } from './tokenSource';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

describe('lathe CLI', () => {
  it('prints status as JSON from a remote core given --url and LATHE_TOKEN', async () => {
    dir = tempDir();
    const core = await startCore({ dataDir: dir.path, token: 'cli-token-0123456789abcdef', localSocket: false, logConsole: null });
    try {
      const c = capture();
      const code = await runCli(['status', '--json', '--url', core.url], c.io, { LATHE_TOKEN: core.token });
      expect(code).toBe(0);
      const status = JSON.parse(c.out.join('\n'));
      expect(status).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), launches: 1 });
      expect(status.services.map((s: { name: string }) => s.name)).toContain('terminal');
      const bad = capture();
      expect(await runCli(['status', '--url', core.url, '--token', 'wrong-token-wrong-token'], bad.io, {})).toBe(1);
      expect(bad.err.join()).toMatch(/refused the token/);
    } finally {
      await core.dispose();
    }
  });

  it('explains usage errors and unreachable cores, with exit codes 2 and 1', async () => {
    dir = tempDir();
    const c = capture();
    expect(await runCli(['frobnicate'], c.io, {})).toBe(2);
    expect(c.err.join()).toMatch(/unknown command "frobnicate"/);
    expect(await runCli(['status', '--bogus'], c.io, {})).toBe(2);
    expect(await runCli(['serve', '--port', 'abc'], c.io, {})).toBe(2);
    expect(c.err.join()).toMatch(/--port must be a whole number/);
    expect(await runCli(['status', '--url', 'http://127.0.0.1:9/'], c.io, {})).toBe(2);
    expect(c.err.join()).toMatch(/No token for http:\/\/127\.0\.0\.1:9/);
    const down = capture();
    expect(await runCli(['status', '--data-dir', dir.path], down.io, {})).toBe(1);
    expect(down.err.join()).toMatch(/Cannot reach the local core .*Start one with `lathe serve`/);
  });

  it('resolves the target: local socket by default, URL token from the URL, env or flag', () => {
    expect(resolveTarget({ 'data-dir': '/d' }, {})).toEqual({ socketPath: '/d/run/core.sock' });
    expect(resolveTarget({}, { LATHE_URL: 'http://h:1/?token=abc' })).toEqual({ url: 'http://h:1/', token: 'abc' });
    expect(resolveTarget({ url: 'http://h:1/', token: 'flag' }, { LATHE_TOKEN: 'env' })).toEqual({ url: 'http://h:1/', token: 'flag' });
    expect(() => resolveTarget({ url: 'not a url' }, {})).toThrow(/is not a URL/);
  });

  it('`lathe serve --token` shorter than 16 characters is refused at once, before any first-run build', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'lathe.mjs'), 'serve', '--token', 'short'], { encoding: 'utf8', env: { ...process.env, LATHE_TOKEN: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('lathe: the token must be at least 16 characters. Omit --token to get a random one.\n');
  });

  it('`lathe serve` prints a URL with its token, answers `lathe status` locally, and exits cleanly on SIGTERM', async () => {
    dir = tempDir();
    const bin = join(ROOT, 'bin', 'lathe.mjs');
    const child = spawn(process.execPath, [bin, 'serve', '--no-open', '--port', '0', '--data-dir', dir.path], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LATHE_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const url: string = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}/.exec(stdout)?.[0] ?? '', 'the URL on stdout', 30_000);
      const health = await fetch(new URL('/healthz', url));
      expect(health.status).toBe(200);
      const status = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const s = spawn(process.execPath, [bin, 'status', '--data-dir', dir!.path], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        s.stdout.on('data', (d) => (out += d));
        s.on('exit', (code) => resolve({ code, out }));
      });
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/Lathe core \d+\.\d+\.\d+, up since/);
      // The token is printed for the user, never logged.
      const token = new URL(url).searchParams.get('token')!;
      expect(stderr).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stderr).toMatch(/core stopped/);
  }, 60_000);
});

describe('the token of `lathe serve`', () => {
  const bin = join(ROOT, 'bin', 'lathe.mjs');
  const made: ReturnType<typeof tempDir>[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) d.remove();
  });
  /** Starts `lathe serve`, waits for its URL, and hands back its pid, URL and stderr; stops it afterwards. */
  async function serveWith(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
    const d = tempDir();
    made.push(d);
    const child = spawn(process.execPath, [bin, 'serve', '--no-open', '--port', '0', '--data-dir', join(d.path, 'data'), ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LATHE_TOKEN: '', ...opts.env } });
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await Promise.race([waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(stdout)?.[0] ?? '', 'the URL on stdout', 30_000), exited.then(() => '')]);
    return { child, url, stderr: () => stderr, exited };
  }

  it('comes from a token file, from standard input, or from --token with a warning and a scrubbed command line', async () => {
    const fromFile = 'file-token-0123456789abcdef';
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.path, 'token'), `${fromFile}\n`, { mode: 0o600 });
      const a = await serveWith(['--token-file', join(tmp.path, 'token')]);
      expect(new URL(a.url).searchParams.get('token')).toBe(fromFile);
      expect(a.stderr()).not.toMatch(/warning/);
      a.child.kill('SIGTERM');
      await a.exited;

      const b = await serveWith(['--token-stdin'], { stdin: 'stdin-token-0123456789abcdef\n' });
      expect(new URL(b.url).searchParams.get('token')).toBe('stdin-token-0123456789abcdef');
      b.child.kill('SIGTERM');
      await b.exited;

      const argvToken = 'argv-token-0123456789abcdef';
      const c = await serveWith(['--token', argvToken]);
      expect(new URL(c.url).searchParams.get('token')).toBe(argvToken);
      expect(c.stderr()).toMatch(/--token puts the token in the process list.*LATHE_TOKEN, --token-file FILE or --token-stdin/);
      const cmdline = readFileSync(`/proc/${c.child.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('serve');
      expect(cmdline).not.toContain(argvToken);
      c.child.kill('SIGTERM');
      await c.exited;
    } finally {
      tmp.remove();
    }
  }, 90_000);

  it('says what is wrong with a missing or empty token file, two sources at once, or nothing on stdin', async () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.path, 'empty'), '\n');
      writeFileSync(join(tmp.path, 'loose'), 'loose-token-0123456789abcdef\n', { mode: 0o644 });
      const warnings: string[] = [];
      const io = { warn: (m: string) => void warnings.push(m) };
      await expect(readToken({ 'token-file': join(tmp.path, 'nope') }, {}, io)).rejects.toThrow(/Cannot read the token file .*nope: ENOENT/);
      await expect(readToken({ 'token-file': join(tmp.path, 'empty') }, {}, io)).rejects.toThrow(/is empty: put the token on its first line/);
      await expect(readToken({ token: 'x', 'token-stdin': true }, {}, io)).rejects.toThrow(/one way, not with --token and --token-stdin/);
      await expect(readToken({ 'token-stdin': true }, {}, { ...io, stdin: Readable.from([]) })).rejects.toThrow(/standard input gave no token/);
      expect(await readToken({ 'token-file': join(tmp.path, 'loose') }, {}, io)).toBe('loose-token-0123456789abcdef');
      expect(warnings).toEqual([expect.stringMatching(/can be read by other users; `chmod 600/)]);
      expect(await readToken({}, { LATHE_TOKEN: 'env-token' }, io)).toBe('env-token');
      expect(await readToken({}, { LATHE_TOKEN: '' }, io)).toBeUndefined();
    } finally {
      tmp.remove();
    }
  });
});
