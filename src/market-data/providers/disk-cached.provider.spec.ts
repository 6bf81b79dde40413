import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SymbolNotFoundError } from '../../common/errors';
import { DiskCachedMarketDataProvider, withDiskTier } from './disk-cached.provider';
import { DiskStore } from './disk-store';
import { LimitedMarketDataProvider } from './limited.provider';
import { SyntheticMarketDataProvider } from './synthetic.provider';

const TTLS = { history: 60_000, info: 60_000, tickers: 60_000 };
const flush = () => new Promise((r) => setTimeout(r, 50));

describe(DiskCachedMarketDataProvider.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'disk-tier-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const build = async () => {
    const upstream = new LimitedMarketDataProvider(new SyntheticMarketDataProvider({ seed: 3, universeSize: 50 }), 4);
    const store = await DiskStore.open({ dir, maxBytes: 64 * 1024 * 1024 });
    return { upstream, sut: new DiskCachedMarketDataProvider(upstream, store, TTLS) };
  };

  it('serves history, info and tickers from disk after the first call, also in a new instance (a restart)', async () => {
    const first = await build();
    const all = await first.sut.listSymbols('all');
    const symbol = all[0].symbol;
    const history = await first.sut.getHistory(symbol, { interval: '1d', period: '1y' });
    const info = await first.sut.getInfo(symbol);
    await flush();
    expect(first.upstream.stats().calls).toBe(3);

    const second = await build();
    expect(second.sut.name).toBe('synthetic');
    expect(JSON.stringify(await second.sut.getHistory(symbol, { interval: '1d', period: '1y' }))).toBe(JSON.stringify(history));
    expect(JSON.stringify(await second.sut.getInfo(symbol))).toBe(JSON.stringify(info));
    expect((await second.sut.listSymbols('all')).length).toBe(all.length);
    expect(second.upstream.stats().calls).toBe(0);
    // Another period is another key.
    await second.sut.getHistory(symbol, { interval: '1d', period: '2y' });
    expect(second.upstream.stats().byMethod.getHistory.calls).toBe(1);
  });

  it('never keeps quotes or errors on disk', async () => {
    const { sut, upstream } = await build();
    const symbol = (await sut.listSymbols('all'))[0].symbol;
    await sut.getQuote(symbol);
    await sut.getQuote(symbol);
    await expect(sut.getInfo('ZZZZ9')).rejects.toBeInstanceOf(SymbolNotFoundError);
    await flush();
    await expect(sut.getInfo('ZZZZ9')).rejects.toBeInstanceOf(SymbolNotFoundError);
    expect(upstream.stats().byMethod.getQuote.calls).toBe(2);
    expect(upstream.stats().byMethod.getInfo.calls).toBe(2);
  });

  it('is left out when disabled', async () => {
    const inner = new SyntheticMarketDataProvider({ seed: 3, universeSize: 50 });
    expect(await withDiskTier(inner, { enabled: false, dir, maxBytes: 1024 * 1024 }, TTLS, 'synthetic;seed=1')).toBe(inner);
    expect(await withDiskTier(inner, { enabled: true, dir, maxBytes: 1024 * 1024 }, TTLS, 'synthetic;seed=1')).toBeInstanceOf(DiskCachedMarketDataProvider);
  });
});
