import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway private CA and a server certificate it signed, for 127.0.0.1 and localhost. */
export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  remove: () => void;
}

/** Makes the files with the `openssl` CLI (valid one day, RSA 2048); the caller removes them. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'mc-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=mc-test-ca', '-keyout', file('ca.key'), '-out', file('ca.crt'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('san.ext'), '-out', file('server.crt'));
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Whether the installed `redis-server` was built with TLS (`BUILD_TLS=yes` links OpenSSL in);
 * when not, the TLS tests are skipped and docs/RELIABILITY.md says so.
 */
export function redisSupportsTls(): boolean {
  try {
    const binary = execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'pipe' }).toString().trim();
    return /libssl/.test(execFileSync('ldd', [binary], { stdio: 'pipe' }).toString());
  } catch {
    return false;
  }
}
