import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import type { AllConfig } from '../config/configuration';
import { HealthModule } from '../health/health.module';
import { IndicatorsModule } from '../indicators/indicators.module';
import { InferenceModule } from '../inference/inference.module';
import { PredictionsService } from '../inference/predictions.service';
import { MarketDataModule } from '../market-data/market-data.module';
import { ScoresModule } from '../scores/scores.module';
import { StateConnection } from '../state/state-connection';
import { StateModule } from '../state/state.module';
import { CacheWarmerService } from './cache-warmer.service';
import { RouteWarmer } from './route-warmer';
import { NestScheduler, Scheduler } from './scheduler';
import { WarmPredictions, WarmTargets } from './warm-targets';
import { WARMUP_CONFIG, WARMUP_LEASE } from './warmup.constants';
import { WarmupController } from './warmup.controller';
import { WarmupMetrics } from './warmup.metrics';
import { WarmupSchedule } from './warmup-schedule.service';

/** Cache warmup (boot, cron, admin API), refresh-ahead, and their schedules. Wiring only. */
@Module({
  // The one ScheduleModule.forRoot() of the app: it provides SchedulerRegistry to `NestScheduler`.
  imports: [ScheduleModule.forRoot(), HealthModule, MarketDataModule, IndicatorsModule, ScoresModule, InferenceModule, StateModule, IdempotencyModule],
  controllers: [WarmupController],
  providers: [
    CacheWarmerService,
    WarmTargets,
    RouteWarmer,
    WarmupSchedule,
    WarmupMetrics,
    { provide: Scheduler, useClass: NestScheduler },
    { provide: WarmPredictions, useExisting: PredictionsService },
    {
      provide: WARMUP_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.get('warmup', { infer: true }),
    },
    {
      provide: WARMUP_LEASE,
      inject: [StateConnection],
      useFactory: (state: StateConnection) => state.lease('warmup'),
    },
  ],
  // Scheduler too: the signals and alerts schedules go through the same door to timers.
  exports: [CacheWarmerService, Scheduler],
})
export class WarmupModule {}
