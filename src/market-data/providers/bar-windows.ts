import { InvalidArgumentError } from '../../common/errors';
import type { Bar, HistoryPeriod, HistoryQuery } from '../market-data.types';
import { aggregateWeekly } from './synthetic-series';

// A year has 250-253 trading days; erring low on that side makes the request reach far enough back.
const CALENDAR_DAYS_PER_TRADING_DAY = 365 / 250;
const MARGIN_DAYS = 10;

/** Trading days per period; `undefined` for `max`. Shared by every provider so windows agree. */
export function periodBars(period: HistoryPeriod): number | undefined {
  switch (period) {
    case '1mo':
      return 21;
    case '3mo':
      return 63;
    case '6mo':
      return 126;
    case '1y':
      return 252;
    case '2y':
      return 504;
    case '5y':
      return 1260;
    case 'max':
      return undefined;
    default: {
      const unknown: never = period;
      throw new InvalidArgumentError(`Unsupported period: ${String(unknown)}`);
    }
  }
}

/** Calendar days an upstream request must reach back to hold `period`'s bars; `undefined` for `max`. */
export function periodCalendarDays(period: HistoryPeriod): number | undefined {
  const bars = periodBars(period);
  return bars === undefined ? undefined : Math.ceil(bars * CALENDAR_DAYS_PER_TRADING_DAY) + MARGIN_DAYS;
}

/**
 * The last `period` of ascending daily bars, weekly-aggregated for `1wk`. Upstreams that serve
 * daily bars fetch a little more than the period and cut here, so every provider returns the
 * same number of bars for the same data.
 */
export function windowBars(daily: readonly Bar[], query: HistoryQuery): Bar[] {
  const count = Math.min(daily.length, periodBars(query.period) ?? daily.length);
  const window = daily.slice(daily.length - count);
  switch (query.interval) {
    case '1d':
      return window;
    case '1wk':
      return aggregateWeekly(window);
    default: {
      const unknown: never = query.interval;
      throw new InvalidArgumentError(`Unsupported interval: ${String(unknown)}`);
    }
  }
}
