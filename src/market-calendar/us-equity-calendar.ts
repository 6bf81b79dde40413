/**
 * The US equity exchange calendar (NYSE and Nasdaq share it), in America/New_York, computed by
 * rule for any year: pure functions, no state, no clock. Rules (NYSE Rule 7.2 and its published
 * holiday schedules):
 *
 * - Regular session 09:30-16:00 New York time, Monday to Friday.
 * - Holidays: New Year's Day (1 Jan; on a Sunday observed Monday 2 Jan; on a Saturday not observed
 *   at all: the exchange does not close on the Friday 31 Dec before), Martin Luther King Jr. Day
 *   (3rd Monday of January, from 1998), Washington's Birthday (3rd Monday of February), Good Friday
 *   (two days before Western Easter), Memorial Day (last Monday of May), Juneteenth (19 June, from
 *   2022), Independence Day (4 July), Labor Day (1st Monday of September), Thanksgiving (4th
 *   Thursday of November), Christmas (25 December). Except New Year's Day, a holiday on a Saturday
 *   is observed the Friday before and one on a Sunday the Monday after.
 * - Early closes at 13:00: 3 July when it is Monday-Thursday (Independence Day on Tuesday-Friday),
 *   the Friday after Thanksgiving, and 24 December when it is Monday-Thursday.
 * - Unscheduled closings (storms, national days of mourning) follow no rule: the few since 2012 are
 *   listed in `UNSCHEDULED_CLOSINGS`, so past years match the record too.
 */

export interface MarketDay {
  /** `YYYY-MM-DD`. */
  date: string;
  name: string;
}

export interface Session {
  /** Trading day, `YYYY-MM-DD` (New York). */
  date: string;
  /** Opening and closing instants (epoch ms). */
  open: number;
  close: number;
  /** A 13:00 close. */
  early: boolean;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const OPEN_MINUTE = 9 * 60 + 30;
const CLOSE_MINUTE = 16 * 60;
const EARLY_CLOSE_MINUTE = 13 * 60;

/** Closings decided on the day (not by rule): Hurricane Sandy, the state funerals of Presidents G. H. W. Bush and Carter. */
export const UNSCHEDULED_CLOSINGS: readonly MarketDay[] = [
  { date: '2012-10-29', name: 'Hurricane Sandy' },
  { date: '2012-10-30', name: 'Hurricane Sandy' },
  { date: '2018-12-05', name: 'National Day of Mourning (George H. W. Bush)' },
  { date: '2025-01-09', name: 'National Day of Mourning (Jimmy Carter)' },
];

function iso(year: number, monthIndex: number, day: number): string {
  return new Date(Date.UTC(year, monthIndex, day)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The `n`-th (1-based) `weekday` of a month; `n = -1` for the last one. */
function nthWeekday(year: number, monthIndex: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, monthIndex, 1)).getUTCDay();
    return iso(year, monthIndex, 1 + ((weekday - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  return iso(year, monthIndex, lastDay.getUTCDate() - ((lastDay.getUTCDay() - weekday + 7) % 7));
}

/** Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month - 1, day);
}

/** Saturday → Friday before, Sunday → Monday after. */
function observed(date: string): string {
  const weekday = weekdayOf(date);
  return weekday === 6 ? addDays(date, -1) : weekday === 0 ? addDays(date, 1) : date;
}

const holidayMemo = new Map<number, readonly MarketDay[]>();

/** The exchange holidays of a year (weekdays the market is closed), ascending; unscheduled closings included. */
export function holidaysOf(year: number): readonly MarketDay[] {
  const memo = holidayMemo.get(year);
  if (memo) return memo;
  const days: MarketDay[] = [];
  const newYear = iso(year, 0, 1);
  const newYearWeekday = weekdayOf(newYear);
  // On a Saturday, New Year's Day is not observed (no closing on the Friday of the year before).
  if (newYearWeekday !== 6) days.push({ date: newYearWeekday === 0 ? iso(year, 0, 2) : newYear, name: "New Year's Day" });
  if (year >= 1998) days.push({ date: nthWeekday(year, 0, 1, 3), name: 'Martin Luther King Jr. Day' });
  days.push({ date: nthWeekday(year, 1, 1, 3), name: "Washington's Birthday" });
  days.push({ date: addDays(easterSunday(year), -2), name: 'Good Friday' });
  days.push({ date: nthWeekday(year, 4, 1, -1), name: 'Memorial Day' });
  if (year >= 2022) days.push({ date: observed(iso(year, 5, 19)), name: 'Juneteenth National Independence Day' });
  days.push({ date: observed(iso(year, 6, 4)), name: 'Independence Day' });
  days.push({ date: nthWeekday(year, 8, 1, 1), name: 'Labor Day' });
  days.push({ date: nthWeekday(year, 10, 4, 4), name: 'Thanksgiving Day' });
  days.push({ date: observed(iso(year, 11, 25)), name: 'Christmas Day' });
  for (const closing of UNSCHEDULED_CLOSINGS) if (closing.date.startsWith(`${year}-`)) days.push(closing);
  days.sort((a, b) => a.date.localeCompare(b.date));
  holidayMemo.set(year, days);
  if (holidayMemo.size > 64) holidayMemo.delete(holidayMemo.keys().next().value!);
  return days;
}

/** The 13:00 closes of a year, ascending. */
export function earlyClosesOf(year: number): readonly MarketDay[] {
  const days: MarketDay[] = [];
  const july3 = iso(year, 6, 3);
  if (weekdayOf(july3) >= 1 && weekdayOf(july3) <= 4) days.push({ date: july3, name: 'Day before Independence Day' });
  days.push({ date: addDays(nthWeekday(year, 10, 4, 4), 1), name: 'Day after Thanksgiving' });
  const christmasEve = iso(year, 11, 24);
  if (weekdayOf(christmasEve) >= 1 && weekdayOf(christmasEve) <= 4) days.push({ date: christmasEve, name: 'Christmas Eve' });
  return days.filter((day) => !isHoliday(day.date));
}

export function isHoliday(date: string): boolean {
  return holidaysOf(Number(date.slice(0, 4))).some((day) => day.date === date);
}

/** A weekday that is not a holiday. */
export function isTradingDay(date: string): boolean {
  const weekday = weekdayOf(date);
  return weekday !== 0 && weekday !== 6 && !isHoliday(date);
}

function isEarlyClose(date: string): boolean {
  return earlyClosesOf(Number(date.slice(0, 4))).some((day) => day.date === date);
}

// --- New York wall time ---

const NY_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});
// Offsets change twice a year, on the hour: memoized per UTC hour (bounded).
const offsetMemo = new Map<number, number>();

/** New York's offset from UTC at an instant, in ms (-5 h in winter, -4 h in summer). */
function newYorkOffsetMs(epochMs: number): number {
  const hour = Math.floor(epochMs / 3_600_000);
  const memo = offsetMemo.get(hour);
  if (memo !== undefined) return memo;
  const parts: Record<string, string> = {};
  for (const part of NY_PARTS.formatToParts(hour * 3_600_000)) parts[part.type] = part.value;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  const offset = wall - hour * 3_600_000;
  if (offsetMemo.size > 4096) offsetMemo.clear();
  offsetMemo.set(hour, offset);
  return offset;
}

/** The New York date (`YYYY-MM-DD`) of an instant. */
export function newYorkDateOf(epochMs: number): string {
  return new Date(epochMs + newYorkOffsetMs(epochMs)).toISOString().slice(0, 10);
}

/** The instant of a New York wall-clock time (`minuteOfDay` after midnight) on `date`. */
export function newYorkInstant(date: string, minuteOfDay: number): number {
  const wallAsUtc = Date.parse(`${date}T00:00:00Z`) + minuteOfDay * MS_PER_MINUTE;
  // Two passes: the offset at a winter-time guess, then at the corrected instant (exact away from the 02:00 switch).
  const guess = wallAsUtc - newYorkOffsetMs(wallAsUtc + 5 * 3_600_000);
  return wallAsUtc - newYorkOffsetMs(guess);
}

// --- Sessions ---

/** The session of a trading day, or undefined for a weekend or holiday. */
export function sessionOf(date: string): Session | undefined {
  if (!isTradingDay(date)) return undefined;
  const early = isEarlyClose(date);
  return { date, open: newYorkInstant(date, OPEN_MINUTE), close: newYorkInstant(date, early ? EARLY_CLOSE_MINUTE : CLOSE_MINUTE), early };
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: string): string {
  let day = addDays(date, 1);
  while (!isTradingDay(day)) day = addDays(day, 1);
  return day;
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string): string {
  let day = addDays(date, -1);
  while (!isTradingDay(day)) day = addDays(day, -1);
  return day;
}

/** The session in progress at `epochMs` (open ≤ t < close), if any. */
export function sessionAt(epochMs: number): Session | undefined {
  const session = sessionOf(newYorkDateOf(epochMs));
  return session && epochMs >= session.open && epochMs < session.close ? session : undefined;
}

export function isOpenAt(epochMs: number): boolean {
  return sessionAt(epochMs) !== undefined;
}

/** The next session that has not closed yet at `epochMs` (the one in progress, if any). */
export function currentOrNextSession(epochMs: number): Session {
  const today = newYorkDateOf(epochMs);
  const session = sessionOf(today);
  if (session && epochMs < session.close) return session;
  return sessionOf(nextTradingDay(today))!;
}

/** The next opening strictly after `epochMs` (tomorrow's, or later, during a session). */
export function nextOpenAfter(epochMs: number): number {
  const session = currentOrNextSession(epochMs);
  return session.open > epochMs ? session.open : sessionOf(nextTradingDay(session.date))!.open;
}

/** The close of the session in progress, else of the next one. */
export function nextCloseAfter(epochMs: number): number {
  return currentOrNextSession(epochMs).close;
}

/** The most recent session that has closed by `epochMs`. */
export function lastClosedSession(epochMs: number): Session {
  const today = newYorkDateOf(epochMs);
  const session = sessionOf(today);
  if (session && epochMs >= session.close) return session;
  return sessionOf(previousTradingDay(today))!;
}
