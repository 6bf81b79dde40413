import { FEATURE_NAMES, MIN_HISTORY_BARS } from '../feature-builder';
import { standardize } from '../model-runtime';
import { buildDataset, dayNumber, featureStatistics, isoDate, pick, standardizedColumns, walkForwardSplit, type SeriesLike } from './dataset';

const HORIZON = 20;
const START = dayNumber('2015-01-01');

/** One bar per calendar day (weekends do not matter here), a gently rising zig-zag close. */
function series(length: number, firstDay = START): SeriesLike {
  return {
    days: Int32Array.from({ length }, (_, i) => firstDay + i),
    close: Float64Array.from({ length }, (_, i) => 100 + i * 0.1 + (i % 3 === 0 ? 1 : 0)),
    volume: Float64Array.from({ length }, (_, i) => 1000 + (i % 7) * 10),
  };
}

describe(buildDataset.name, () => {
  const sut = buildDataset;

  it('makes one row per day that has both a full feature vector and a label', () => {
    const data = sut(new Map([['AAA', series(300)]]), HORIZON);

    // The first vector is on index MIN_HISTORY_BARS - 1; the last label reads index 299.
    expect(data.count).toBe(300 - HORIZON - (MIN_HISTORY_BARS - 1));
    expect(data.columns).toHaveLength(FEATURE_NAMES.length);
    expect(isoDate(data.day[0])).toBe(isoDate(START + MIN_HISTORY_BARS - 1));
    expect(data.labelEndDay[0] - data.day[0]).toBe(HORIZON);
  });

  it('labels each row with the forward return over the horizon and its sign', () => {
    const s = series(300);
    const data = sut(new Map([['AAA', s]]), HORIZON);

    const t = MIN_HISTORY_BARS - 1 + 5;
    const expected = s.close[t + HORIZON] / s.close[t] - 1;
    expect(data.forwardReturn[5]).toBeCloseTo(expected, 15);
    expect(data.label[5]).toBe(expected > 0 ? 1 : 0);
  });

  it('keeps symbols apart: no row mixes two series', () => {
    const data = sut(
      new Map([
        ['AAA', series(280)],
        ['BBB', series(290)],
      ]),
      HORIZON,
    );

    expect(data.symbols).toEqual(['AAA', 'BBB']);
    expect(Array.from(data.symbol).filter((s) => s === 0)).toHaveLength(280 - HORIZON - (MIN_HISTORY_BARS - 1));
    expect(Array.from(data.symbol).filter((s) => s === 1)).toHaveLength(290 - HORIZON - (MIN_HISTORY_BARS - 1));
  });
});

describe(walkForwardSplit.name, () => {
  const data = buildDataset(new Map([['AAA', series(400)]]), HORIZON);
  const trainEnd = data.day[60];
  const testStart = trainEnd + 1;

  it('embargoes training rows whose label window reaches into the test period', () => {
    const split = walkForwardSplit(data, trainEnd, testStart);

    expect(Array.from(split.train).every((i) => data.labelEndDay[i] <= trainEnd)).toBe(true);
    expect(split.embargoed).toBe(HORIZON);
    expect(split.train.length).toBe(61 - HORIZON);
    expect(Array.from(split.test).every((i) => data.day[i] >= testStart)).toBe(true);
    expect(split.train.length + split.embargoed + split.test.length).toBe(data.count);
  });

  it('stops the test period at testEnd', () => {
    const split = walkForwardSplit(data, trainEnd, testStart, testStart + 9);

    expect(split.test.length).toBe(10);
  });
});

describe(featureStatistics.name, () => {
  it('uses only the rows given, and standardizes exactly as the runtime does', () => {
    const data = buildDataset(new Map([['AAA', series(320)]]), HORIZON);
    const rows = Int32Array.from({ length: 10 }, (_, i) => i);

    const stats = featureStatistics(data, rows);
    const columns = standardizedColumns(data, rows, stats, 5);

    const ret5 = Array.from(pick(data.columns[0], rows));
    const mean = ret5.reduce((s, v) => s + v, 0) / 10;
    expect(stats[0].mean).toBeCloseTo(mean, 15);
    expect(stats[0].std).toBeCloseTo(Math.sqrt(ret5.reduce((s, v) => s + (v - mean) ** 2, 0) / 9), 15);
    const vector = data.columns.map((c) => c[3]);
    expect(columns.map((c) => c[3])).toEqual(standardize(vector, stats, 5));
  });
});
