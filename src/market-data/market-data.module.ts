import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { MarketDataController } from './market-data.controller';
import { MarketDataService } from './market-data.service';
import { MarketDataProvider } from './providers/market-data.provider';
import { SyntheticMarketDataProvider } from './providers/synthetic.provider';

@Module({
  controllers: [MarketDataController],
  providers: [
    MarketDataService,
    {
      provide: MarketDataProvider,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => {
        const { provider, synthetic } = config.get('marketData', { infer: true });
        switch (provider) {
          case 'synthetic':
            return new SyntheticMarketDataProvider(synthetic);
          case 'csv':
          case 'polygon':
          case 'yahoo':
            throw new Error(`MARKET_DATA_PROVIDER=${provider} is not available in this build yet`);
          default: {
            const unreachable: never = provider;
            throw new Error(`Unknown provider ${String(unreachable)}`);
          }
        }
      },
    },
  ],
  exports: [MarketDataService, MarketDataProvider],
})
export class MarketDataModule {}
