import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certs';

/**
 * The connect step over TLS (`WebhookNetwork.send`): the socket goes to the pinned, checked
 * address, while the certificate is verified against the URL's host name (sent as SNI). Run in a
 * child process that trusts a throwaway CA (NODE_EXTRA_CA_CERTS is read at start only). The
 * server, on 127.0.0.1, holds a certificate for `localhost` and 127.0.0.1.
 */

const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);

const SCRIPT = `
const { WebhookNetwork } = require('./src/alerts/webhooks/webhook-network');
const [port, hostname] = process.argv.slice(1);
const url = new URL('https://' + hostname + ':' + port + '/hook?x=1');
new WebhookNetwork()
  .send({ url, hostname, address: '127.0.0.1', family: 4, allowed: true }, { body: '{}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5000) })
  .then((status) => console.log(JSON.stringify({ status })), (error) => console.log(JSON.stringify({ error: error.code || error.message })));
`;

describe('webhook delivery over TLS to a pinned address', () => {
  let certs: TestCertificates;
  let server: Server;
  const seen: { host?: string; servername?: string }[] = [];

  beforeAll(async () => {
    certs = makeTestCertificates();
    server = createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as unknown as { servername?: string }).servername });
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    certs.remove();
  });

  async function send(hostname: string): Promise<{ status?: number; error?: string }> {
    const port = (server.address() as AddressInfo).port;
    const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', SCRIPT, String(port), hostname], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: 'tsconfig.json', NODE_EXTRA_CA_CERTS: certs.caCert },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as { status?: number; error?: string };
  }

  it('verifies the certificate against the URL host (SNI and Host) while connecting to the checked address', async () => {
    expect(await send('localhost')).toEqual({ status: 204 });
    expect(seen.at(-1)).toEqual({ host: `localhost:${(server.address() as AddressInfo).port}`, servername: 'localhost' });
    // Same address, a name the certificate does not cover: refused by TLS, nothing POSTed.
    const before = seen.length;
    expect(await send('hooks.example.test')).toEqual({ error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(seen).toHaveLength(before);
  }, 120_000);
});
