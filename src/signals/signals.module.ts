import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/configuration';
import { ScansModule } from '../scans/scans.module';
import { StateConnection } from '../state/state-connection';
import { StateModule } from '../state/state.module';
import { WarmupModule } from '../warmup/warmup.module';
import { SCREENINGS, SIGNALS_CONFIG, SIGNALS_LEASE } from './signals.constants';
import { SignalsController } from './signals.controller';
import { SignalsSchedule } from './signals-schedule.service';
import { SignalsService } from './signals.service';

/** Active signals (cache) and the day's screening (state), recomputed on a schedule. Wiring only. */
@Module({
  imports: [ScansModule, WarmupModule, StateModule],
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
      inject: [StateConnection],
      useFactory: (state: StateConnection) => state.lease('signals'),
    },
    {
      provide: SCREENINGS,
      inject: [StateConnection, ConfigService],
      useFactory: (state: StateConnection, config: ConfigService<AllConfig, true>) =>
        state.records('screening', config.get('signals', { infer: true }).screeningRetentionMs, 'Screenings'),
    },
  ],
  exports: [SignalsService],
})
export class SignalsModule {}
