import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/app.builder';
import { freePort } from '../support/free-port';

const ROOT = join(__dirname, '..', '..');
const KEY = 'warmup-cli-e2e-admin-key-012345';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the operators' CLI as a separate process, the way `npm run warmup -- ...` does. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'scripts/warmup-cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json', ADMIN_API_KEY: '', MC_URL: '', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('warmup CLI (scripts/warmup-cli.ts)', () => {
  let app: NestFastifyApplication;
  let url: string;

  beforeEach(async () => {
    app = await startApp({ ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000' });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
  });

  it('starts a warmup, follows it with a progress bar and exits 0 when done; 1 when some tasks failed', async () => {
    const ok = await cli(['--url', url, '--key', KEY, '--symbols', 'AAPL,MSFT', '--policies', 'prices,scores', '--interval', '100']);
    expect(ok.stderr).toMatch(/Warmup \S+ started/);
    expect(ok.stderr).toContain('warmup [');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'done', symbols: 2, total: 4, done: 4, failed: 0 });

    const res = await app.inject({ method: 'GET', url: '/api/v1/scores/MSFT' });
    expect(res.headers['x-cache']).toMatch(/^HIT-L[12]$/);

    // The key may come from the environment too.
    const failed = await cli(['--url', url, '--symbols', 'AAPL,ZZZZ9', '--policies', 'prices', '--interval', '100'], { ADMIN_API_KEY: KEY });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'done', failed: 1, failuresByCode: { SYMBOL_NOT_FOUND: 1 } });
  }, 180_000);

  it('exits 2 on usage errors and 3 when the service refuses the key or cannot be reached', async () => {
    const closedPort = await freePort();
    const [badPolicy, badFlag, wrongKey, unreachable] = await Promise.all([
      cli(['--url', url, '--key', KEY, '--policies', 'prices,bogus']),
      cli(['--frobnicate']),
      cli(['--url', url, '--key', 'not-the-right-key-at-all', '--symbols', 'AAPL']),
      cli(['--url', `http://127.0.0.1:${closedPort}`, '--key', KEY]),
    ]);
    expect(badPolicy).toMatchObject({ code: 2, stderr: expect.stringContaining('Unknown policy bogus') });
    expect(badFlag).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage:') });
    expect(wrongKey).toMatchObject({ code: 3, stderr: expect.stringContaining('Refused by the service (401)') });
    expect(unreachable).toMatchObject({ code: 3, stderr: expect.stringContaining('Cannot reach') });
  }, 180_000);
});
