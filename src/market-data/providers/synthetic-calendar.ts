import { LRUCache } from 'lru-cache';
import { isTradingDay, newYorkDateOf, previousTradingDay, sessionOf, type Session } from '../../market-calendar/us-equity-calendar';

const MS_PER_DAY = 86_400_000;
/** Full calendar years of history before the clock's year. */
export const HISTORY_YEARS = 10;

/**
 * The trading days (the exchange calendar: no weekends, no NYSE holidays) a clock year's series is
 * generated on: from the first trading day of `year - HISTORY_YEARS` to the last one of `year`.
 * Anchoring to the year, rather than to the clock's day, keeps yesterday's bars unchanged as the
 * clock moves forward (they only re-anchor on 1 January); bars after the clock's day are generated
 * but never served.
 */
export interface TradingCalendar {
  year: number;
  /** `YYYY-MM-DD`, ascending. */
  dates: readonly string[];
  /** UTC day number (days since 1970-01-01) of `dates[0]`. */
  firstDay: number;
}

const calendars = new LRUCache<number, TradingCalendar>({ max: 4 });

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function utcDay(year: number, monthIndex: number, date: number): number {
  return Date.UTC(year, monthIndex, date) / MS_PER_DAY;
}

function isoOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function calendarFor(year: number): TradingCalendar {
  const cached = calendars.get(year);
  if (cached) return cached;
  const dates: string[] = [];
  const lastDay = utcDay(year, 11, 31);
  for (let day = utcDay(year - HISTORY_YEARS, 0, 1); day <= lastDay; day++) {
    const date = isoOf(day);
    if (isTradingDay(date)) dates.push(date);
  }
  const calendar = { year, dates, firstDay: dayNumber(dates[0]) };
  calendars.set(year, calendar);
  return calendar;
}

/** Index of `date` in the calendar's (ascending) dates; the date must be a trading day of it. */
function indexOf(calendar: TradingCalendar, date: string): number {
  let low = 0;
  let high = calendar.dates.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (calendar.dates[mid] < date) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Where the clock stands on the exchange calendar (New York time, as every other provider dates bars):
 * `lastIndex`, the last bar that is final (its session has closed: today's from 16:00, or 13:00 on an
 * early close); `session`, the session in progress or closed today, with its bar's index (quotes walk
 * from that bar's open to its close during it, and stay at the close afterwards).
 */
export function tradingPosition(now: Date): { calendar: TradingCalendar; lastIndex: number; session?: { index: number; open: number; close: number } } {
  const epoch = now.getTime();
  const today = newYorkDateOf(epoch);
  const calendar = calendarFor(Number(today.slice(0, 4)));
  const todays: Session | undefined = sessionOf(today);
  const started = todays !== undefined && epoch >= todays.open;
  const lastFinal = todays !== undefined && epoch >= todays.close ? today : previousTradingDay(today);
  // The last final bar may fall in the year before (2 January before the open): this calendar holds it too.
  const lastIndex = indexOf(calendar, lastFinal);
  if (!started) return { calendar, lastIndex };
  return { calendar, lastIndex, session: { index: indexOf(calendar, today), open: todays.open, close: todays.close } };
}

/** UTC day number of a `YYYY-MM-DD` date. */
export function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY;
}

/** Monday of the ISO week containing `date`, as a UTC day number (groups daily bars into weeks). */
export function weekStart(date: string): number {
  const day = dayNumber(date);
  return day - ((dayOfWeek(day) + 6) % 7);
}
