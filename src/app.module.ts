import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AdminModule } from './admin/admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuthModule } from './auth';
import { CacheModule, HttpCacheInterceptor } from './cache';
import { Clock, ClockModule } from './clock';
import type { AllConfig } from './config/configuration';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { IndicatorsModule } from './indicators/indicators.module';
import { InferenceModule } from './inference/inference.module';
import { modelIdentityOf } from './inference/model-identity';
import { loggerParams } from './logging/logger.params';
import { MarketCalendar, MarketCalendarModule } from './market-calendar';
import { MarketDataModule } from './market-data/market-data.module';
import { sourceIdentityOf } from './market-data/source-identity';
import { MetricsModule } from './metrics/metrics.module';
import { PortfolioModule } from './portfolio/portfolio.module';
import { ScansModule } from './scans/scans.module';
import { ScoresModule } from './scores/scores.module';
import { SignalsModule } from './signals/signals.module';
import { WarmupModule } from './warmup/warmup.module';

/** Imports only. The validated config arrives from `createApp`, never read here from process.env. */
@Module({})
export class AppModule {
  /** `clock`: the service's time (default the system's); tests and benchmarks pass a `ManualClock`. */
  static forRoot(config: AllConfig, options: { logDestination?: DestinationStream; clock?: Clock } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        LoggerModule.forRoot(loggerParams(config.app, options.logDestination)),
        ClockModule.forRoot(options.clock),
        MarketCalendarModule,
        CacheModule.forRootAsync({
          isGlobal: true,
          inject: [ConfigService, Clock, MarketCalendar],
          useFactory: (cfg: ConfigService<AllConfig, true>, clock: Clock, calendar: MarketCalendar) => ({
            ...cfg.get('cache', { infer: true }),
            // One clock for every lifetime; entries follow the exchange calendar unless CACHE_TTL_RULES=fixed.
            now: () => clock.now(),
            lifetime: calendar.lifetime(),
            // Every key carries what its value is made of: the data source, and the model where a value embeds a prediction.
            generation: {
              source: sourceIdentityOf(cfg.get('marketData', { infer: true })),
              model: modelIdentityOf(cfg.get('inference', { infer: true }).modelPath),
            },
          }),
        }),
        AuthModule,
        MarketDataModule,
        IndicatorsModule,
        ScoresModule,
        InferenceModule,
        ScansModule,
        PortfolioModule,
        AdminModule,
        HealthModule,
        MetricsModule,
        WarmupModule,
        SignalsModule,
        AlertsModule,
        DashboardModule,
      ],
      providers: [{ provide: APP_INTERCEPTOR, useExisting: HttpCacheInterceptor }],
    };
  }
}
