import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/**
 * An OpenSSH server on 127.0.0.1 with key auth only, in front of a container engine: sessions get
 * DOCKER_HOST, so `docker system dial-stdio` (what dockerode runs over SSH) reaches the engine. The client
 * key and the server's host key go into `home/.ssh` (id_ed25519, known_hosts), as a user's would be.
 */
export async function startSshd(home: string, dockerHost: string): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  if (!existsSync('/usr/sbin/sshd')) throw new Error('openssh-server is not installed: run `bash scripts/setup.sh`');
  if (spawnSync('docker', ['--version']).status !== 0) throw new Error('the docker client is not installed (dockerode runs `docker system dial-stdio` over SSH)');
  const dir = mkdtempSync(join(tmpdir(), 'lathe-sshd-'));
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  if (!existsSync(join(ssh, 'id_ed25519'))) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ssh, 'id_ed25519')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(ssh, 'id_ed25519.pub')));
  const port = await freePort();
  appendFileSync(join(ssh, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      `SetEnv DOCKER_HOST=${dockerHost} PATH=/usr/local/bin:/usr/bin:/bin`,
    ].join('\n') + '\n',
  );
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(true)); // the port is taken: sshd is listening
      s.listen(port, '127.0.0.1', () => s.close(() => res(false)));
    });
    if (ok) break;
    if (Date.now() > end || child.exitCode !== null) throw new Error(`sshd did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const user = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  return {
    url: `ssh://${user}@127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
