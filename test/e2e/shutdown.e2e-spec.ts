import { createClient } from '@redis/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis-server';

/**
 * The graceful stop with a real SIGTERM on a real process: `src/main.ts` under ts-node
 * (transpile-only, so nothing is built first), listening on a free port.
 */

const ROOT = resolve(__dirname, '..', '..');
const DELAY_MS = 500;
const GRACE_MS = 60_000;

interface Service {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

function startService(env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: 'tsconfig.json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, at: performance.now() })),
  );
  return { child, lines, exited };
}

/** One GET on a fresh connection: the status, or the connection error's code. */
function probe(port: number, path: string): Promise<number | string> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'ERROR'));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.end();
  });
}

/** A streamed scan: resolves `started` at its first NDJSON line, `finished` when the body ends. */
function streamedScan(port: number, body: object) {
  let started!: () => void;
  const firstLine = new Promise<void>((done) => (started = done));
  const finished = new Promise<{ status: number; lines: string[]; at: number }>((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/scans?stream=true', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) started();
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, lines: text.split('\n').filter(Boolean), at: performance.now() }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
  return { firstLine, finished };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('SIGTERM on the real process', () => {
  let redis: RedisServer;
  let service: Service | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
    await redis.stop();
  });

  it('turns readiness 503, lets the in-flight scan finish with 200, closes Redis and exits 0 within the grace', async () => {
    const port = await freePort();
    service = startService({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'sigterm:',
      // The cross-replica bus and the boot warmup are not under test here.
      CACHE_BUS_ENABLED: 'false',
      WARMUP_ON_BOOT: 'false',
      // The scan under test is anonymous: production lets anonymous callers only read by default (docs/SECURITY.md).
      AUTH_ANONYMOUS_SCOPES: 'read,compute',
      SHUTDOWN_DELAY_MS: String(DELAY_MS),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    });
    const { child, lines, exited } = service;

    const bootDeadline = Date.now() + 150_000;
    while ((await probe(port, '/health/ready')) !== 200) {
      if (child.exitCode !== null || Date.now() > bootDeadline) throw new Error(`service did not become ready:\n${lines.slice(-20).join('\n')}`);
      await sleep(100);
    }
    const observer = createClient({ url: redis.url });
    await observer.connect();
    const clientsWhileUp = String(await observer.sendCommand(['CLIENT', 'LIST'])).trim().split('\n').length;
    expect(clientsWhileUp).toBeGreaterThanOrEqual(2);

    const scan = streamedScan(port, { universe: 'sp500' });
    await scan.firstLine;
    const signalledAt = performance.now();
    child.kill('SIGTERM');

    // Fresh connections each time: 503 while the delay runs, refused once the server closed; never 200.
    const seen: (number | string)[] = [];
    while (child.exitCode === null && !seen.includes('ECONNREFUSED')) {
      seen.push(await probe(port, '/health/ready'));
      await sleep(20);
    }
    expect(seen[0]).toBe(503);
    expect(seen).not.toContain(200);
    expect(seen.at(-1)).toBe('ECONNREFUSED');
    const refusedAt = performance.now();

    const done = await scan.finished;
    expect(done.status).toBe(200);
    const last = JSON.parse(done.lines.at(-1) ?? '{}') as { type?: string; result?: { stats: { scanned: number } } };
    expect(last.type).toBe('result');
    expect(last.result?.stats.scanned).toBeGreaterThan(400);

    const exit = await exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(GRACE_MS);
    expect(done.at).toBeLessThanOrEqual(exit.at);

    // Only the observer is left: the service closed its Redis connection(s) on the way out.
    expect(String(await observer.sendCommand(['CLIENT', 'LIST'])).trim().split('\n')).toHaveLength(1);
    await observer.close();

    const messages = lines.map((line) => {
      try {
        return String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
      } catch {
        return line;
      }
    });
    expect(messages.some((m) => m.startsWith('Shutting down: readiness is 503'))).toBe(true);
    expect(messages.some((m) => /^HTTP server closed after \d+ ms$/.test(m))).toBe(true);
    expect(messages.some((m) => /^Shutdown complete \(SIGTERM\) after \d+ ms$/.test(m))).toBe(true);
    const logged = messages.filter((m) => /^(HTTP server closed|Shutdown complete)/.test(m)).join('; ');
    process.stdout.write(
      `shutdown timings after SIGTERM: ${seen.filter((s) => s === 503).length} readiness 503s, refused at ${Math.round(refusedAt - signalledAt)} ms, ` +
        `in-flight scan 200 at ${Math.round(done.at - signalledAt)} ms, exit 0 at ${Math.round(exit.at - signalledAt)} ms (service log: ${logged})\n`,
    );
  }, 240_000);
});
