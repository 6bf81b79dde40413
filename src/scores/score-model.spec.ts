import type { Bar } from '../market-data/market-data.types';
import { SeededRandom } from '../market-data/providers/synthetic-random';
import { barsNeededFor, blend, confidenceOf, historyPeriodFor, SCORE_HORIZONS, scoreBars, squash } from './score-model';

/** Deterministic daily bars: a geometric walk with `drift` and `vol` per day (the project's seeded generator). */
function walk(length: number, drift: number, vol: number, seed = 1): Bar[] {
  const random = new SeededRandom(seed);
  const uniform = () => random.uniform();
  let close = 100;
  return Array.from({ length }, (_, i) => {
    close *= Math.exp(drift + vol * (uniform() + uniform() + uniform() - 1.5) * 2);
    const date = new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    return { date, open: close, high: close * 1.01, low: close * 0.99, close, volume: 1e6 };
  });
}

describe(squash.name, () => {
  it('maps 0 to 50 and stays inside 0..100, increasing', () => {
    expect(squash(0)).toBe(50);
    expect(squash(1)).toBeGreaterThan(squash(0.5));
    expect(squash(-40)).toBeGreaterThanOrEqual(0);
    expect(squash(40)).toBeLessThanOrEqual(100);
    expect(squash(1)).toBeCloseTo(84.6, 0); // about the normal CDF at 1 sigma
  });
});

describe(blend.name, () => {
  it('renormalizes the weights of the parts that exist and is null when none does', () => {
    expect(blend([[80, 0.6], [null, 0.4]])).toBe(80);
    expect(blend([[80, 0.5], [40, 0.5]])).toBe(60);
    expect(blend([[null, 1], [Number.NaN, 1]])).toBeNull();
  });
});

describe(confidenceOf.name, () => {
  const sut = confidenceOf;

  it('falls with fewer points and with more volatility, within 0..1', () => {
    expect(sut(504, 504, 0.2)).toBeGreaterThan(sut(252, 504, 0.2));
    expect(sut(252, 504, 0.2)).toBeGreaterThan(sut(21, 504, 0.2));
    expect(sut(504, 504, 0.2)).toBeGreaterThan(sut(504, 504, 0.6));
    expect(sut(504, 504, 0)).toBe(1);
    expect(sut(0, 504, 0.2)).toBe(0);
    expect(sut(504, 504, null)).toBe(0.5);
  });
});

describe(barsNeededFor.name, () => {
  it('needs two years for short and medium and 756 + 21 + 1 bars for long', () => {
    expect(barsNeededFor('short')).toBe(504);
    expect(barsNeededFor('medium')).toBe(504);
    expect(barsNeededFor('long')).toBe(778);
  });
});

describe(historyPeriodFor.name, () => {
  it('asks for the shortest history that covers the horizon', () => {
    expect(SCORE_HORIZONS.map(historyPeriodFor)).toEqual(['2y', '2y', '5y']);
  });
});

describe(scoreBars.name, () => {
  const sut = scoreBars;
  const rising = walk(900, 0.002, 0.004);
  const falling = walk(900, -0.002, 0.004);

  it.each(SCORE_HORIZONS)('scores a steadily rising series higher on momentum than a falling one (%s)', (horizon) => {
    const up = sut(rising, horizon);
    const down = sut(falling, horizon);

    expect(up.momentum).toBeGreaterThan(60);
    expect(down.momentum).toBeLessThan(40);
    expect(up.components.momentumWindows.every((w) => (w.z ?? 0) > 0)).toBe(true);
  });

  it('raises momentum monotonically with the drift of the same noise', () => {
    const momenta = [-0.003, -0.001, 0, 0.001, 0.003].map((drift) => sut(walk(600, drift, 0.015, 3), 'medium').momentum as number);

    expect(momenta).toEqual([...momenta].sort((a, b) => a - b));
    expect(new Set(momenta).size).toBe(momenta.length);
  });

  it('is value-like: the same walk scores higher on value near its 52-week low than near its high', () => {
    expect(sut(falling, 'medium').value).toBeGreaterThan(sut(rising, 'medium').value as number);
    expect(sut(falling, 'medium').components.range52w.position).toBeCloseTo(0, 1);
  });

  it('loses confidence as the history gets shorter', () => {
    const confidences = [900, 400, 200, 60].map((n) => sut(rising.slice(-n), 'medium').confidence);

    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    expect(new Set(confidences).size).toBe(confidences.length);
  });

  it('loses confidence as the series gets noisier', () => {
    expect(sut(walk(600, 0, 0.005), 'short').confidence).toBeGreaterThan(sut(walk(600, 0, 0.04), 'short').confidence);
  });

  it('keeps the composite within 0..100 on calm, wild, crashing and flat series', () => {
    const series = [walk(800, 0, 0.01, 7), walk(800, 0.01, 0.08, 8), walk(800, -0.02, 0.05, 9), walk(800, 0, 0, 10), walk(30, 0.05, 0.2, 11)];
    for (const bars of series) {
      for (const horizon of SCORE_HORIZONS) {
        const { composite, momentum, value, confidence } = sut(bars, horizon);
        expect(composite).not.toBeNull();
        // Momentum is null for 30 bars on the long horizon: none of its windows fits.
        for (const score of [composite, momentum, value].filter((s) => s !== null)) {
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
        }
        expect(confidence).toBeGreaterThanOrEqual(0);
        expect(confidence).toBeLessThanOrEqual(1);
      }
    }
  });

  it('answers with nulls and low confidence, not an error, when a window has too few bars', () => {
    const result = sut(rising.slice(-100), 'long');

    expect(result.dataPoints).toBe(100);
    expect(result.components.momentumWindows.map((w) => w.z)).toEqual([null, null]);
    expect(result.components.trend.z).toBeNull();
    expect(result.components.longTermAverage.average).toBeNull();
    expect(result.momentum).toBeNull();
    expect(result.composite).toBe(result.value);
    expect(result.confidence).toBeLessThan(0.15);
  });

  it('answers an empty history with nulls and zero confidence', () => {
    expect(sut([], 'short')).toMatchObject({ momentum: null, value: null, composite: null, confidence: 0, dataPoints: 0, asOf: null });
  });

  it('reports the model, the inputs it used and the horizon weights', () => {
    const result = sut(rising, 'medium');

    expect(result).toMatchObject({ model: 'heuristic-v1', dataPoints: 504, asOf: rising.at(-1)?.date, weights: { momentum: 0.6, value: 0.4 } });
    expect(result.components.momentumWindows.map((w) => [w.days, w.skipDays])).toEqual([
      [126, 21],
      [252, 21],
    ]);
    expect(result.components.lastClose).toBe(rising.at(-1)?.close);
  });
});
