import { Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** Provides the one `Clock` to every module (global). `forRoot(new ManualClock(t))` in tests and benchmarks. */
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    return { module: ClockModule, global: true, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}
