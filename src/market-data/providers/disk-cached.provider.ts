import { CacheKeys } from '../../cache';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { openGenerationDir } from './disk-generation';
import { DiskStore } from './disk-store';
import { MarketDataProvider } from './market-data.provider';

/** How long each cold kind lives on disk, ms (the cache policies' TTLs). */
export interface DiskTtls {
  history: number;
  info: number;
  tickers: number;
}

/**
 * The disk tier for cold data: history, info and ticker lists are read from local disk before
 * the upstream, so the chain is L1 → Redis → disk → API and a nightly prefetch survives a
 * restart even without Redis. Quotes change too fast for disk and go straight through.
 * Keys are the cache's own builders (schema version included), so a shape change misses here too;
 * the folder is the source generation's (`disk-generation.ts`), so another source misses too.
 */
export class DiskCachedMarketDataProvider extends MarketDataProvider {
  override readonly name: string;

  constructor(
    private readonly inner: MarketDataProvider,
    private readonly store: DiskStore,
    private readonly ttls: DiskTtls,
  ) {
    super();
    this.name = inner.name;
  }

  getQuote(symbol: string): Promise<Quote> {
    return this.inner.getQuote(symbol);
  }

  getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    return this.through(CacheKeys.history(symbol, query.interval, query.period), this.ttls.history, () =>
      this.inner.getHistory(symbol, query),
    );
  }

  getInfo(symbol: string): Promise<SymbolInfo> {
    return this.through(CacheKeys.info(symbol), this.ttls.info, () => this.inner.getInfo(symbol));
  }

  listSymbols(market: string): Promise<SymbolInfo[]> {
    return this.through(CacheKeys.tickers(market), this.ttls.tickers, () => this.inner.listSymbols(market));
  }

  stats(): ReturnType<DiskStore['stats']> {
    return this.store.stats();
  }

  private async through<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const stored = await this.store.get<T>(key);
    if (stored !== undefined) return stored;
    const value = await load();
    // Written in the background: the answer never waits on the disk.
    void this.store.set(key, value, ttlMs);
    return value;
  }
}

/**
 * Puts the disk tier in front of `inner` when enabled, in the folder of `sourceIdentity`'s
 * generation (`market-data/source-identity.ts`); otherwise returns `inner` itself.
 */
export async function withDiskTier(
  inner: MarketDataProvider,
  disk: { enabled: boolean; dir: string; maxBytes: number },
  ttls: DiskTtls,
  sourceIdentity: string,
): Promise<MarketDataProvider> {
  if (!disk.enabled) return inner;
  const store = await DiskStore.open({ dir: await openGenerationDir(disk.dir, sourceIdentity), maxBytes: disk.maxBytes });
  return new DiskCachedMarketDataProvider(inner, store, ttls);
}
