const MS_PER_HOUR = 3_600_000;
const CLOSE_HOUR = 16;

// `en-CA` formats dates as YYYY-MM-DD; one formatter, because constructing one costs ~50 µs.
const NY_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });
const NY_HOUR = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' });

/** The US trading day (`YYYY-MM-DD`, America/New_York) an instant falls on. */
export function newYorkDate(epochMs: number): string {
  return NY_DATE.format(epochMs);
}

/** 16:00 America/New_York (the close) of a trading day, as ISO: 21:00Z in winter, 20:00Z in summer. */
export function newYorkCloseIso(date: string): string {
  const winterGuess = Date.parse(`${date}T21:00:00Z`);
  // DST never switches on a weekday afternoon, so one correction is exact.
  const hour = Number(NY_HOUR.format(winterGuess));
  return new Date(winterGuess - (hour - CLOSE_HOUR) * MS_PER_HOUR).toISOString();
}
