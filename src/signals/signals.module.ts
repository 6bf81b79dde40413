import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { RedisConnection } from '../cache';
import type { AllConfig } from '../config/configuration';
import { ScansModule } from '../scans/scans.module';
import { WarmupModule } from '../warmup/warmup.module';
import { RedisLease } from '../warmup/warmup-lease';
import { SIGNALS_CONFIG, SIGNALS_LEASE } from './signals.constants';
import { SignalsController } from './signals.controller';
import { SignalsSchedule } from './signals-schedule.service';
import { SignalsService } from './signals.service';

/** Active signals and the day's screening, recomputed on a schedule. Wiring only. */
@Module({
  imports: [ScansModule, WarmupModule],
  controllers: [SignalsController],
  providers: [
    SignalsService,
    SignalsSchedule,
    {
      provide: SIGNALS_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) => config.get('signals', { infer: true }),
    },
    {
      provide: SIGNALS_LEASE,
      inject: [RedisConnection, ConfigService],
      useFactory: (connection: RedisConnection, config: ConfigService<AllConfig, true>) =>
        new RedisLease(connection.client, `${config.get('cache', { infer: true }).prefix}lock:signals`),
    },
  ],
  exports: [SignalsService],
})
export class SignalsModule {}
