import {
  earlyClosesOf,
  easterSunday,
  holidaysOf,
  isOpenAt,
  isTradingDay,
  lastClosedSession,
  newYorkDateOf,
  nextCloseAfter,
  nextOpenAfter,
  sessionOf,
} from './us-equity-calendar';

// NYSE's published schedules (nyse.com "Holidays & Trading Hours", and the exchange's notices for past years).
const PUBLISHED: Record<number, { holidays: string[]; early: string[] }> = {
  2016: {
    holidays: ['2016-01-01', '2016-01-18', '2016-02-15', '2016-03-25', '2016-05-30', '2016-07-04', '2016-09-05', '2016-11-24', '2016-12-26'],
    early: ['2016-11-25'],
  },
  2018: {
    holidays: ['2018-01-01', '2018-01-15', '2018-02-19', '2018-03-30', '2018-05-28', '2018-07-04', '2018-09-03', '2018-11-22', '2018-12-05', '2018-12-25'],
    early: ['2018-07-03', '2018-11-23', '2018-12-24'],
  },
  2022: {
    // New Year's Day 2022 fell on a Saturday: not observed.
    holidays: ['2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26'],
    early: ['2022-11-25'],
  },
  2024: {
    holidays: ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25'],
    early: ['2024-07-03', '2024-11-29', '2024-12-24'],
  },
  2025: {
    holidays: ['2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25'],
    early: ['2025-07-03', '2025-11-28', '2025-12-24'],
  },
  2026: {
    holidays: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25'],
    early: ['2026-11-27', '2026-12-24'],
  },
  2027: {
    holidays: ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24'],
    early: ['2027-11-26'],
  },
};

const at = (iso: string) => Date.parse(iso);

describe('US equity calendar', () => {
  it.each(Object.keys(PUBLISHED).map(Number))('matches the published holidays and early closes of %i', (year) => {
    expect(holidaysOf(year).map((d) => d.date)).toEqual(PUBLISHED[year].holidays);
    expect(earlyClosesOf(year).map((d) => d.date)).toEqual(PUBLISHED[year].early);
  });

  it('computes Easter for known years', () => {
    expect(['2016', '2019', '2024', '2025', '2026', '2038'].map((y) => easterSunday(Number(y)))).toEqual([
      '2016-03-27',
      '2019-04-21',
      '2024-03-31',
      '2025-04-20',
      '2026-04-05',
      '2038-04-25',
    ]);
  });

  it('knows weekends and holidays are not trading days', () => {
    expect(isTradingDay('2026-12-05')).toBe(false); // Saturday
    expect(isTradingDay('2026-12-06')).toBe(false); // Sunday
    expect(isTradingDay('2026-12-25')).toBe(false);
    expect(isTradingDay('2026-12-24')).toBe(true);
    expect(isTradingDay('2026-12-07')).toBe(true);
  });

  it('opens 09:30-16:00 New York time, in winter and in summer', () => {
    expect(sessionOf('2026-12-07')).toEqual({ date: '2026-12-07', open: at('2026-12-07T14:30:00Z'), close: at('2026-12-07T21:00:00Z'), early: false });
    expect(sessionOf('2026-07-07')).toMatchObject({ open: at('2026-07-07T13:30:00Z'), close: at('2026-07-07T20:00:00Z') });
    // The Monday after the spring switch (8 March 2026) and the one after the autumn switch (1 November).
    expect(sessionOf('2026-03-09')?.open).toBe(at('2026-03-09T13:30:00Z'));
    expect(sessionOf('2026-11-02')?.open).toBe(at('2026-11-02T14:30:00Z'));
    expect(sessionOf('2026-11-27')).toMatchObject({ close: at('2026-11-27T18:00:00Z'), early: true });
  });

  it('finds the next open and close across a weekend and a holiday', () => {
    const fridayEvening = at('2026-12-04T21:05:00Z'); // Friday 16:05 New York
    expect(isOpenAt(fridayEvening)).toBe(false);
    expect(nextOpenAfter(fridayEvening)).toBe(at('2026-12-07T14:30:00Z'));
    expect(nextCloseAfter(fridayEvening)).toBe(at('2026-12-07T21:00:00Z'));
    const tuesdayMorning = at('2026-12-08T16:00:00Z'); // Tuesday 11:00
    expect(isOpenAt(tuesdayMorning)).toBe(true);
    expect(nextCloseAfter(tuesdayMorning)).toBe(at('2026-12-08T21:00:00Z'));
    expect(nextOpenAfter(tuesdayMorning)).toBe(at('2026-12-09T14:30:00Z'));
    // Christmas Eve 2026 closes at 13:00; Christmas is a holiday; the next open is Monday 28th.
    const christmasEve = at('2026-12-24T18:30:00Z');
    expect(isOpenAt(christmasEve)).toBe(false);
    expect(nextOpenAfter(christmasEve)).toBe(at('2026-12-28T14:30:00Z'));
    expect(lastClosedSession(christmasEve).date).toBe('2026-12-24');
    expect(lastClosedSession(at('2026-12-26T12:00:00Z')).date).toBe('2026-12-24');
  });

  it('dates instants by New York day', () => {
    expect(newYorkDateOf(at('2026-12-08T01:00:00Z'))).toBe('2026-12-07');
    expect(newYorkDateOf(at('2026-12-08T05:00:00Z'))).toBe('2026-12-08');
  });

  it('is open exactly from the open to the close', () => {
    const session = sessionOf('2026-12-08')!;
    expect(isOpenAt(session.open - 1)).toBe(false);
    expect(isOpenAt(session.open)).toBe(true);
    expect(isOpenAt(session.close - 1)).toBe(true);
    expect(isOpenAt(session.close)).toBe(false);
  });
});
