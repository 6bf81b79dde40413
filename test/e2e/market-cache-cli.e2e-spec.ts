import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/app.builder';
import { freePort } from '../support/free-port';

/** The `market-cache` bin, run as a separate process (as `npx market-cache` would) against a real app on a port. */

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'market-cache.js');
const KEY = 'market-cache-cli-e2e-key-0123456789';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, MARKET_CACHE_URL: '', MC_URL: '', ADMIN_API_KEY: '', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(); // not a terminal: `clear` must not wait for an answer
  });
}

describe('market-cache CLI (bin/market-cache.js)', () => {
  let app: NestFastifyApplication;
  let url: string;
  let as: (args: string[]) => Promise<Run>;

  beforeEach(async () => {
    app = await startApp({ ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000' });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
    as = (args) => cli(['--url', url, '--api-key', KEY, ...args]);
    for (const symbol of ['AAPL', 'MSFT', 'AAPL']) await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` });
  });

  it('stats: tables for people, JSON for scripts (URL and key from the environment)', async () => {
    const env = { MARKET_CACHE_URL: url, ADMIN_API_KEY: KEY };
    const [human, json] = await Promise.all([cli(['stats'], env), cli(['--json', 'stats', '--top', '5'], env)]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Cache of ${url}`);
    expect(human.stdout).toMatch(/│ price\s+│\s+1 │/); // one L1 hit on the price policy
    // Stored keys carry the data source's generation mark: v1:price:@Xk3f9aQ2:AAPL.
    expect(human.stdout).toMatch(/v1:price:(@\w+:)?AAPL/);
    expect(json.code).toBe(0);
    const stats = JSON.parse(json.stdout);
    expect(stats).toMatchObject({ backend: 'memory', policies: { price: { hitsL1: 1, misses: expect.any(Number) } } });
    expect(stats.policies.price.misses).toBeGreaterThan(0);
    expect(stats.topKeys.length).toBeLessThanOrEqual(5);
  }, 60_000);

  it('keys: lists matching keys with their TTLs; clear deletes them only with --yes', async () => {
    const keys = await as(['--json', 'keys', 'v1:price:*', '--ttl']);
    expect(keys.code).toBe(0);
    const listed = JSON.parse(keys.stdout) as { complete: boolean; keys: { key: string; l1Seconds: number | null }[] };
    expect(listed.complete).toBe(true);
    const aapl = listed.keys.find((k) => /^v1:price:(@\w+:)?AAPL$/.test(k.key));
    expect(aapl?.l1Seconds).toBeGreaterThan(0);
    const table = await as(['keys', 'v1:price:*', '--limit', '1']);
    expect(table.stdout).toMatch(/│ key\s+│ policy │/);
    expect(table.stderr).toMatch(/1 keys matching "v1:price:\*" \(memory\); more exist/);

    const refused = await as(['clear', 'v1:price:*']);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('without --yes') });
    // The count comes from a dry run, before the refusal (or the question on a terminal).
    expect(refused.stderr).toMatch(/^[1-9]\d* keys matching "v1:price:\*" on http:\/\/127\.0\.0\.1:\d+, e\.g\. v1:price:/);
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).headers['x-cache']).toBe('HIT-L1');

    const cleared = await as(['--json', 'clear', 'v1:price:*', '--yes']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout).deleted).toBeGreaterThanOrEqual(2);
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).headers['x-cache']).toBe('MISS');
    const byTag = await as(['clear', '--tag', 'symbol:MSFT', '-y']);
    expect(byTag).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Deleted \d+ keys \(every key tagged "symbol:MSFT"\)/) });
  }, 60_000);

  it('warmup: progress bar, summary table, exit 0 when done and 1 when tasks failed', async () => {
    const ok = await as(['warmup', '--symbols', 'AAPL,MSFT', '--policies', 'prices,scores', '--interval', '100']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/Warmup \S+ started/);
    expect(ok.stderr).toContain('warmup [');
    expect(ok.stdout).toMatch(/│ done\s+│\s+2 │ 4\/4\s+│\s+0 │/);
    expect((await app.inject({ method: 'GET', url: '/api/v1/scores/MSFT' })).headers['x-cache']).toMatch(/^HIT-L[12]$/);

    const failed = await as(['--json', 'warmup', '--symbols', 'AAPL,ZZZZ9', '--policies', 'prices', '--interval', '100']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'done', failed: 1, failuresByCode: { SYMBOL_NOT_FOUND: 1 }, timedOut: false });
  }, 90_000);

  it('scan: streams progress into a bar and prints the ranked table or JSON', async () => {
    const [human, json] = await Promise.all([
      as(['scan', '--symbols', 'AAPL,MSFT,NVDA,JPM', '--limit', '3']),
      as(['--json', 'scan', '--symbols', 'aapl,msft,NOPE1', '--horizon', 'short']),
    ]);
    expect(human.code).toBe(0);
    expect(human.stderr).toContain('scan [');
    expect(human.stdout).toMatch(/│ # │ symbol │/);
    expect(human.stdout).toMatch(/4 scanned/);
    expect(human.stdout.match(/^│ [123] /gm)).toHaveLength(3);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ horizon: 'short', unknown: ['NOPE1'], failed: [] });
    expect(result.results.map((r: { symbol: string }) => r.symbol).sort()).toEqual(['AAPL', 'MSFT']);
  }, 90_000);

  it('exit codes: 2 usage, 3 unreachable, 4 auth (wrong key, no key, admin API off)', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const off = await startApp({ ADMIN_RATE_LIMIT_PER_MINUTE: '100000' });
    const offPort = await freePort();
    await off.listen({ port: offPort, host: '127.0.0.1' });
    const [badOption, badValue, rejected, unknownCommand, unreachable, wrongKey, noKey, adminOff, help] = await Promise.all([
      as(['stats', '--frobnicate']),
      as(['warmup', '--policies', 'prices,bogus']),
      as(['warmup', '--symbols', 'BAD$SYMBOL']),
      as(['explode']),
      cli(['--url', closed, '--api-key', KEY, 'stats']),
      cli(['--url', url, '--api-key', 'not-the-admin-key-at-all', 'stats']),
      cli(['--url', url, 'keys']),
      cli(['--url', `http://127.0.0.1:${offPort}`, '--api-key', KEY, 'stats']),
      cli(['--help']),
    ]);
    expect(badOption).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown option '--frobnicate'") });
    expect(badValue).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown policy bogus') });
    expect(rejected).toMatchObject({ code: 2, stderr: expect.stringContaining('Rejected by the service') });
    expect(unknownCommand.code).toBe(2);
    expect(unreachable).toMatchObject({ code: 3, stderr: expect.stringContaining('Cannot reach') });
    expect(wrongKey).toMatchObject({ code: 4, stderr: expect.stringContaining('Refused by the service (401)') });
    expect(noKey.code).toBe(4);
    expect(adminOff).toMatchObject({ code: 4, stderr: expect.stringContaining('admin API is off (503)') });
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Exit codes:') });
  }, 90_000);
});
