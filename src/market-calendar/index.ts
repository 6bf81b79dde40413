export { calendarLifetime, type CalendarLifetimeOptions } from './cache-lifetimes';
export { MarketCalendar } from './market-calendar';
export { MarketCalendarModule } from './market-calendar.module';
export * from './us-equity-calendar';
export * from './volatility-ttl';
