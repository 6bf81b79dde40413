import { Global, Module } from '@nestjs/common';
import { MarketCalendar } from './market-calendar';

/** The exchange calendar for every feature (global). Needs `ClockModule` and the config. */
@Global()
@Module({ providers: [MarketCalendar], exports: [MarketCalendar] })
export class MarketCalendarModule {}
