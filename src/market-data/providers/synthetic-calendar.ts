import { LRUCache } from 'lru-cache';
import { newYorkDate } from './new-york-time';

const MS_PER_DAY = 86_400_000;
/** Full calendar years of history before the clock's year. */
export const HISTORY_YEARS = 10;

/**
 * The business days (Mon-Fri, no holiday calendar) a clock year's series is generated on: from the
 * first weekday of `year - HISTORY_YEARS` to the last weekday of `year`. Anchoring to the year,
 * rather than to the clock's day, keeps yesterday's bars unchanged as the clock moves forward
 * (they only re-anchor on 1 January); bars after the clock's day are generated but never served.
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

function isWeekday(day: number): boolean {
  const dow = dayOfWeek(day);
  return dow !== 0 && dow !== 6;
}

function utcDay(year: number, monthIndex: number, date: number): number {
  return Date.UTC(year, monthIndex, date) / MS_PER_DAY;
}

export function calendarFor(year: number): TradingCalendar {
  const cached = calendars.get(year);
  if (cached) return cached;
  let firstDay = utcDay(year - HISTORY_YEARS, 0, 1);
  while (!isWeekday(firstDay)) firstDay++;
  const lastDay = utcDay(year, 11, 31);
  const dates: string[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    if (isWeekday(day)) dates.push(new Date(day * MS_PER_DAY).toISOString().slice(0, 10));
  }
  const calendar = { year, dates, firstDay };
  calendars.set(year, calendar);
  return calendar;
}

/**
 * Calendar of the clock's year plus the index of the last weekday on or before the clock's date in
 * New York (the exchange's day, as every other provider dates bars: at 01:00Z it is still the
 * previous evening there, and that day's bar is the last one).
 */
export function tradingPosition(now: Date): { calendar: TradingCalendar; lastIndex: number } {
  const today = newYorkDate(now.getTime());
  const calendar = calendarFor(Number(today.slice(0, 4)));
  let day = dayNumber(today);
  while (!isWeekday(day)) day--;
  // Weekdays elapsed since the Monday of the first week, minus the days of that week before firstDay.
  const firstMonday = calendar.firstDay - (dayOfWeek(calendar.firstDay) - 1);
  const sinceMonday = day - firstMonday;
  const lastIndex = Math.floor(sinceMonday / 7) * 5 + (sinceMonday % 7) - (calendar.firstDay - firstMonday);
  return { calendar, lastIndex };
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
