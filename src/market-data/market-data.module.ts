import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import type { MarketDataConfig } from '../config/market-data.config';
import { MarketDataController } from './market-data.controller';
import { MarketDataService } from './market-data.service';
import { CsvMarketDataProvider } from './providers/csv.provider';
import { LimitedMarketDataProvider } from './providers/limited.provider';
import { MarketDataProvider } from './providers/market-data.provider';
import { PolygonMarketDataProvider } from './providers/polygon.provider';
import { SyntheticMarketDataProvider } from './providers/synthetic.provider';
import { createYahooFinanceClient } from './providers/yahoo.client';
import { YahooMarketDataProvider } from './providers/yahoo.provider';

async function createProvider(config: MarketDataConfig): Promise<MarketDataProvider> {
  const { provider, upstream } = config;
  switch (provider) {
    case 'synthetic':
      return new SyntheticMarketDataProvider(config.synthetic);
    case 'csv':
      if (!config.csv.path) throw new Error('MARKET_DATA_PROVIDER=csv needs MARKET_DATA_CSV_PATH (a CSV file or folder)');
      return new CsvMarketDataProvider({ path: config.csv.path });
    case 'polygon':
      if (!config.polygon.apiKey) throw new Error('MARKET_DATA_PROVIDER=polygon needs POLYGON_API_KEY');
      return new PolygonMarketDataProvider({ ...upstream, apiKey: config.polygon.apiKey, baseUrl: config.polygon.baseUrl });
    case 'yahoo':
      return new YahooMarketDataProvider({
        client: await createYahooFinanceClient({ maxConcurrency: upstream.maxConcurrency }),
        timeoutMs: upstream.timeoutMs,
      });
    default: {
      const unreachable: never = provider;
      throw new Error(`Unknown provider ${String(unreachable)}`);
    }
  }
}

@Module({
  controllers: [MarketDataController],
  providers: [
    MarketDataService,
    {
      // Every consumer gets the limited decorator: one bound on upstream calls for the whole process.
      provide: MarketDataProvider,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<AllConfig, true>): Promise<MarketDataProvider> => {
        const marketData = config.get('marketData', { infer: true });
        return new LimitedMarketDataProvider(await createProvider(marketData), marketData.upstream.maxConcurrency);
      },
    },
    // Same instance under its own class, for health and metrics to read `stats()`.
    { provide: LimitedMarketDataProvider, useExisting: MarketDataProvider },
  ],
  exports: [MarketDataService, MarketDataProvider, LimitedMarketDataProvider],
})
export class MarketDataModule {}
