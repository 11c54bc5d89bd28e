import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';

// A container engine reached over TCP with mutual TLS, as a remote dockerd with --tlsverify is: podman's service
// speaks plain HTTP only, so a TLS terminator in front of its socket (Node's tls, requiring a client certificate
// signed by the test CA) stands in for dockerd's own TLS listener. Certificates are made with openssl.
function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A CA and a certificate it signs, in `dir`: ca.pem, cert.pem, key.pem (DOCKER_CERT_PATH's layout). */
function certs(dir: string, cn: string, ext: string, ca?: { dir: string }): void {
  mkdirSync(dir, { recursive: true });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!ca) openssl(dir, 'req', '-x509', ...key, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=lathe-test-ca');
  const caDir = ca?.dir ?? dir;
  writeFileSync(join(dir, 'ext.cnf'), ext + '\n');
  openssl(dir, 'req', ...key, '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${cn}`);
  openssl(dir, 'x509', '-req', '-in', 'req.csr', '-CA', join(caDir, 'ca.pem'), '-CAkey', join(caDir, 'ca-key.pem'), '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'ext.cnf');
  if (ca) writeFileSync(join(dir, 'ca.pem'), readFileSync(join(caDir, 'ca.pem')));
}

/**
 * Starts the TLS front for the engine at `socketPath`. `clientCerts` is a DOCKER_CERT_PATH the engine accepts;
 * `strangerCerts` one from another CA, which it refuses.
 */
export async function startTlsEngine(dir: string, socketPath: string): Promise<{ url: string; clientCerts: string; strangerCerts: string; stop(): Promise<void> }> {
  const ca = join(dir, 'ca');
  certs(ca, 'lathe-test-ca', 'basicConstraints=CA:FALSE');
  const server = join(dir, 'server');
  certs(server, 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth', { dir: ca });
  const client = join(dir, 'client');
  certs(client, 'lathe-client', 'extendedKeyUsage=clientAuth', { dir: ca });
  const strangerCa = join(dir, 'stranger-ca');
  certs(strangerCa, 'stranger', 'basicConstraints=CA:FALSE');
  const stranger = join(dir, 'stranger');
  certs(stranger, 'stranger-client', 'extendedKeyUsage=clientAuth', { dir: strangerCa });
  // The stranger trusts the real server (its ca.pem is ours) but presents a certificate our CA never signed.
  writeFileSync(join(stranger, 'ca.pem'), readFileSync(join(ca, 'ca.pem')));

  const sockets = new Set<Socket>();
  const tls: Server = createServer({ key: readFileSync(join(server, 'key.pem')), cert: readFileSync(join(server, 'cert.pem')), ca: readFileSync(join(ca, 'ca.pem')), requestCert: true, rejectUnauthorized: true }, (s) => {
    const up = connect(socketPath);
    for (const x of [s, up]) {
      sockets.add(x);
      x.on('close', () => sockets.delete(x));
      x.on('error', () => x.destroy());
    }
    s.pipe(up).pipe(s);
  });
  tls.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const port = (tls.address() as { port: number }).port;
  return {
    url: `tcp://127.0.0.1:${port}`,
    clientCerts: client,
    strangerCerts: stranger,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        tls.close(() => r());
      }),
  };
}
