import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MarketDataModule } from '../market-data/market-data.module';
import { HealthController } from './health.controller';
import { LifecycleHealthIndicator } from './lifecycle.health';
import { ReadinessState } from './readiness.state';
import { ShutdownService } from './shutdown.service';

/**
 * Probes and the graceful stop. `ReadinessState` is exported so a feature can hold readiness
 * (e.g. a bounded boot warmup) with `holdUntil`.
 */
@Module({
  // Terminus' own "Health Check has failed!" error line would repeat on every probe while draining.
  imports: [TerminusModule.forRoot({ logger: false }), MarketDataModule],
  controllers: [HealthController],
  providers: [ReadinessState, LifecycleHealthIndicator, ShutdownService],
  exports: [ReadinessState],
})
export class HealthModule {}
