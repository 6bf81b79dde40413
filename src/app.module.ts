import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CacheModule, HttpCacheInterceptor } from './cache';
import type { AllConfig } from './config/configuration';
import { HealthModule } from './health/health.module';
import { IndicatorsModule } from './indicators/indicators.module';
import { MarketDataModule } from './market-data/market-data.module';
import { ScansModule } from './scans/scans.module';
import { ScoresModule } from './scores/scores.module';

/** Imports only. The validated config arrives from `createApp`, never read here from process.env. */
@Module({})
export class AppModule {
  static forRoot(config: AllConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        CacheModule.forRootAsync({
          isGlobal: true,
          inject: [ConfigService],
          useFactory: (cfg: ConfigService<AllConfig, true>) => cfg.get('cache', { infer: true }),
        }),
        MarketDataModule,
        IndicatorsModule,
        ScoresModule,
        ScansModule,
        HealthModule,
      ],
      providers: [{ provide: APP_INTERCEPTOR, useExisting: HttpCacheInterceptor }],
    };
  }
}
