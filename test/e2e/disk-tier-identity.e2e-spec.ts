import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimitedMarketDataProvider } from '../../src/market-data/providers/limited.provider';
import { startApp } from '../support/app.builder';
import { sharedData } from '../support/shared-data';

// The real S&P 500 sample (50 tickers, 2013-02-08 .. 2018-02-07): AAPL closes at 159.54 on its last day.
const SAMPLE = sharedData('sp500-daily-sample-50.csv');

const INFO = '/api/v1/market/info/AAPL';
const HISTORY = '/api/v1/market/history/AAPL?interval=1d&period=1mo';

// Disk writes are not awaited by the answer: give them a moment before the "restart".
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

/** Every file below `dir`, with its size. */
function filesUnder(dir: string): { path: string; size: number }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => ({ path, info: statSync(join(dir, path)) }))
    .filter(({ info }) => info.isFile())
    .map(({ path, info }) => ({ path, size: info.size }));
}

describe('the disk tier follows the data source (REDIS_ENABLED=false)', () => {
  let dir: string;
  const disk = () => ({ REDIS_ENABLED: 'false', DISK_CACHE_ENABLED: 'true', DISK_CACHE_DIR: dir });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'disk-identity-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restart on csv with the synthetic run\'s disk folder answers from the file, not from disk', async () => {
    const synthetic = await startApp(disk());
    const before = { info: await synthetic.inject({ method: 'GET', url: INFO }), history: await synthetic.inject({ method: 'GET', url: HISTORY }) };
    expect(before.info.statusCode).toBe(200);
    expect(before.history.statusCode).toBe(200);
    await settle();
    await synthetic.close();

    const csv = await startApp({ ...disk(), MARKET_DATA_PROVIDER: 'csv', MARKET_DATA_CSV_PATH: SAMPLE });
    const upstream = csv.get(LimitedMarketDataProvider);
    const info = await csv.inject({ method: 'GET', url: INFO });
    const history = await csv.inject({ method: 'GET', url: HISTORY });

    expect(info.json()).toMatchObject({ symbol: 'AAPL', sector: 'Information Technology' });
    expect(info.json()).not.toEqual(before.info.json());
    expect(history.json().bars.at(-1)).toMatchObject({ date: '2018-02-07', close: 159.54 });
    // Both answers came from the csv provider itself, not from the synthetic run's files.
    expect(upstream.stats().byMethod).toMatchObject({ getInfo: { calls: 1 }, getHistory: { calls: 1 } });
  });

  it('the same source after a restart is still served from disk; another source\'s folder is removed, so the bound holds for the whole folder', async () => {
    const first = await startApp(disk());
    await first.inject({ method: 'GET', url: HISTORY });
    await settle();
    await first.close();

    const again = await startApp(disk());
    expect((await again.inject({ method: 'GET', url: HISTORY })).statusCode).toBe(200);
    expect(again.get(LimitedMarketDataProvider).stats().calls).toBe(0);
    await again.close();

    const synthetic = filesUnder(dir);
    expect(synthetic.length).toBeGreaterThan(0);

    const csv = await startApp({ ...disk(), MARKET_DATA_PROVIDER: 'csv', MARKET_DATA_CSV_PATH: SAMPLE });
    await csv.inject({ method: 'GET', url: HISTORY });
    await settle();
    const after = filesUnder(dir);
    // Nothing of the synthetic generation is left on disk: only the csv generation's files.
    expect(after.filter((f) => synthetic.some((s) => s.path === f.path))).toEqual([]);
    expect(after.length).toBeGreaterThan(0);
  });

  it('removes the layout of earlier versions (entries straight under the folder), which no source can trust', async () => {
    mkdirSync(join(dir, 'v1', 'ab'), { recursive: true });
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    writeFileSync(join(dir, 'v1', 'ab', 'ab'.padEnd(64, '0')), Buffer.alloc(4096));
    // Something that is not ours stays.
    writeFileSync(join(dir, 'notes.txt'), 'keep me');

    await startApp(disk());

    expect(readdirSync(dir).sort()).not.toContain('v1');
    expect(readdirSync(dir)).toContain('notes.txt');
  });
});
