import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { CacheService } from '../cache';
import { Clock } from '../clock';
import type { AllConfig } from '../config/configuration';
import type { MarketDataConfig } from '../config/market-data.config';
import { MarketDataController } from './market-data.controller';
import { MarketDataHealthIndicator } from './market-data.health';
import { MarketDataService } from './market-data.service';
import { PriceFeed } from './price-feed';
import { sourceIdentityOf } from './source-identity';
import { UnknownSymbols } from './unknown-symbols';
import { CsvMarketDataProvider } from './providers/csv.provider';
import { DependencyRecordingMarketDataProvider } from './providers/dependency-recording.provider';
import { withDiskTier } from './providers/disk-cached.provider';
import { LimitedMarketDataProvider } from './providers/limited.provider';
import { MarketDataProvider } from './providers/market-data.provider';
import { PolygonMarketDataProvider } from './providers/polygon.provider';
import { SyntheticMarketDataProvider } from './providers/synthetic.provider';
import { createYahooFinanceClient } from './providers/yahoo.client';
import { YahooMarketDataProvider } from './providers/yahoo.provider';
import { RateLimitedMarketDataProvider } from './providers/rate-limited.provider';
import { UpstreamRateBudget } from './upstream-budget/upstream-rate-budget';
import { StateConnection } from '../state/state-connection';
import { StateModule } from '../state/state.module';

async function createProvider(config: MarketDataConfig, clock: Clock, budget: UpstreamRateBudget | null): Promise<MarketDataProvider> {
  const { provider, upstream } = config;
  // The service's clock: the synthetic market trades (and dates its bars) by it, so a simulated week is one.
  const now = (): Date => clock.date();
  switch (provider) {
    case 'synthetic':
      return new SyntheticMarketDataProvider({ ...config.synthetic, clock: now });
    case 'csv':
      if (!config.csv.path) throw new Error('MARKET_DATA_PROVIDER=csv needs MARKET_DATA_CSV_PATH (a CSV file or folder)');
      return new CsvMarketDataProvider({ path: config.csv.path });
    case 'polygon':
      if (!config.polygon.apiKey) throw new Error('MARKET_DATA_PROVIDER=polygon needs POLYGON_API_KEY');
      return new PolygonMarketDataProvider({
        ...upstream,
        apiKey: config.polygon.apiKey,
        baseUrl: config.polygon.baseUrl,
        clock: now,
        // A 429's Retry-After pauses the provider for every replica, from the first one (before our own retries).
        ...(budget ? { onRateLimited: (ms: number) => void budget.pause(ms) } : {}),
      });
    case 'yahoo':
      return new YahooMarketDataProvider({
        client: await createYahooFinanceClient({ maxConcurrency: upstream.maxConcurrency }),
        timeoutMs: upstream.timeoutMs,
        clock: now,
      });
    default: {
      const unreachable: never = provider;
      throw new Error(`Unknown provider ${String(unreachable)}`);
    }
  }
}

@Module({
  // For HealthIndicatorService, which MarketDataHealthIndicator reports through.
  imports: [TerminusModule, StateModule],
  controllers: [MarketDataController],
  providers: [
    MarketDataService,
    MarketDataHealthIndicator,
    PriceFeed,
    UnknownSymbols,
    {
      // One bound on upstream calls for the whole process; health and metrics read its `stats()`.
      provide: LimitedMarketDataProvider,
      inject: [ConfigService, Clock, UpstreamRateBudget],
      useFactory: async (config: ConfigService<AllConfig, true>, clock: Clock, budget: UpstreamRateBudget | null): Promise<LimitedMarketDataProvider> => {
        const marketData = config.get('marketData', { infer: true });
        return new LimitedMarketDataProvider(await createProvider(marketData, clock, budget), marketData.upstream.maxConcurrency);
      },
    },
    {
      // The provider's cluster-wide rate budget (UPSTREAM_RATE_PER_SECOND), or null: no budget.
      provide: UpstreamRateBudget,
      inject: [ConfigService, StateConnection],
      useFactory: (config: ConfigService<AllConfig, true>, state: StateConnection): UpstreamRateBudget | null => {
        const { provider, upstream } = config.get('marketData', { infer: true });
        if (!upstream.rate) return null;
        return new UpstreamRateBudget({
          provider,
          ratePerSecond: upstream.rate.perSecond,
          burst: upstream.rate.burst,
          maxWaitMs: upstream.rate.maxWaitMs,
          state: state.backend === 'memory' ? undefined : { client: () => state.client, key: (name) => state.key(name) },
        });
      },
    },
    {
      // Every consumer gets the limited provider (behind the rate budget when there is one), behind the disk tier (history, info, tickers) when enabled,
      // and each read tells the cache which symbol the value being built depends on.
      provide: MarketDataProvider,
      inject: [LimitedMarketDataProvider, ConfigService, CacheService, UpstreamRateBudget],
      useFactory: async (
        limited: LimitedMarketDataProvider,
        config: ConfigService<AllConfig, true>,
        cache: CacheService,
        budget: UpstreamRateBudget | null,
      ): Promise<MarketDataProvider> => {
        const { policies } = config.get('cache', { infer: true });
        // Budget outside the concurrency limit (a call waiting for budget holds no slot), inside the disk tier (a disk hit spends none).
        const upstream = budget ? new RateLimitedMarketDataProvider(limited, budget) : limited;
        // TTL without grace: a stale cache entry's refresh must reach the upstream, not get the same value back from disk.
        return new DependencyRecordingMarketDataProvider(await withDiskTier(upstream, config.get('diskCache', { infer: true }), {
          history: policies.history.ttlMs,
          info: policies.info.ttlMs,
          tickers: policies.tickers.ttlMs,
        }, sourceIdentityOf(config.get('marketData', { infer: true }))), cache);
      },
    },
  ],
  exports: [MarketDataService, PriceFeed, MarketDataProvider, LimitedMarketDataProvider, UpstreamRateBudget, MarketDataHealthIndicator],
})
export class MarketDataModule {}
