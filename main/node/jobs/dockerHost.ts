import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { AppError } from '../../common/errors';

// Reaching a container engine (a Unix socket, TCP with TLS, or SSH with the user's keys and known hosts) and reading
// its wire format: what ContainerRuns needs from an engine besides the containers themselves.

/**
 * Checks an SSH host key against the user's known_hosts (plain and hashed entries), as OpenSSH does:
 * an unknown or changed key is refused, never accepted silently.
 */
export function knownHostsVerifier(home: string, host: string, port: number): (key: Buffer) => boolean {
  const names = port === 22 ? [host] : [`[${host}]:${port}`];
  return (key) => {
    let text = '';
    try {
      text = readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8');
    } catch {
      return false;
    }
    for (const line of text.split('\n')) {
      const [hosts, , blob] = line.trim().split(/\s+/);
      if (!hosts || !blob || hosts.startsWith('#') || hosts.startsWith('@')) continue;
      const matches = hosts.startsWith('|1|')
        ? names.some((n) => {
            const [, , salt, hash] = hosts.split('|');
            return createHmac('sha1', Buffer.from(salt!, 'base64')).update(n).digest('base64') === hash;
          })
        : hosts.split(',').some((h) => names.includes(h));
      if (matches && Buffer.from(blob, 'base64').equals(key)) return true;
    }
    return false;
  };
}

/** The user's SSH private key for engines over SSH (the agent is used first when SSH_AUTH_SOCK is set). */
function sshKey(home: string): Buffer | undefined {
  for (const f of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    try {
      return readFileSync(join(home, '.ssh', f));
    } catch {
      // try the next kind
    }
  }
  return undefined;
}

/** A dockerode client for a target host: a Unix socket, TCP (TLS from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set), or SSH. */
export function dockerFor(host: string | undefined, env: NodeJS.ProcessEnv = process.env): Docker {
  const h = host ?? env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  let u: URL;
  try {
    u = new URL(h);
  } catch {
    throw new AppError('INVALID_SPEC', `target.docker.host: "${h}" is not a URL like unix:///var/run/docker.sock, tcp://host:2376 or ssh://me@host.`);
  }
  if (u.protocol === 'unix:') return new Docker({ socketPath: u.pathname });
  if (u.protocol === 'ssh:') {
    const home = env.HOME ?? homedir();
    const port = Number(u.port || 22);
    return new Docker({
      protocol: 'ssh',
      host: u.hostname,
      port,
      username: decodeURIComponent(u.username) || userInfo().username,
      sshOptions: { agent: env.SSH_AUTH_SOCK, privateKey: sshKey(home), hostVerifier: knownHostsVerifier(home, u.hostname, port), readyTimeout: 10_000 },
    } as Docker.DockerOptions);
  }
  const tls = u.protocol === 'https:' || env.DOCKER_TLS_VERIFY === '1';
  const read = (dir: string, f: string) => {
    try {
      return readFileSync(join(dir, f));
    } catch {
      throw new AppError('ENGINE_UNAVAILABLE', `DOCKER_CERT_PATH=${dir} has no ${f}. It needs ca.pem, cert.pem and key.pem, as \`docker --tlsverify\` does.`);
    }
  };
  const certs = tls && env.DOCKER_CERT_PATH ? { ca: read(env.DOCKER_CERT_PATH, 'ca.pem'), cert: read(env.DOCKER_CERT_PATH, 'cert.pem'), key: read(env.DOCKER_CERT_PATH, 'key.pem') } : {};
  return new Docker({ host: u.hostname, port: Number(u.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http', ...certs });
}

/**
 * Splits a log read without follow (one buffer in the engine's multiplexed format: per frame a 1-byte stream type,
 * 3 zero bytes, a 4-byte big-endian length, then the payload) into stdout and stderr, as dockerode's demuxStream does
 * for a stream.
 */
export function demuxBuffer(buf: Buffer, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
  if (!Buffer.isBuffer(buf)) buf = Buffer.from(String(buf ?? ''));
  let at = 0;
  while (at + 8 <= buf.length) {
    const type = buf[at]!;
    const len = buf.readUInt32BE(at + 4);
    const payload = buf.subarray(at + 8, at + 8 + len);
    at += 8 + len;
    (type === 2 ? err : out).write(payload);
  }
}
