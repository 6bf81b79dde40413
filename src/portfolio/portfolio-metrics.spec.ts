import {
  annualizedMeanReturn,
  annualizedVolatility,
  averagePairwiseCorrelation,
  beta,
  correlationMatrix,
  covariance,
  covarianceMatrix,
  diversificationScore,
  herfindahl,
  logReturns,
  maxDrawdown,
  portfolioVariance,
  RISK_FREE_RATE,
  sharpeRatio,
} from './portfolio-metrics';

const market = [0.01, -0.02, 0.015, 0.005, -0.01, 0.02, -0.005];
const times = (xs: readonly number[], k: number) => xs.map((x) => x * k);
const finite = (...values: (number | null)[]) => values.every((v) => v === null || Number.isFinite(v));

describe(logReturns.name, () => {
  it('gives ln(next / previous) per step', () => {
    const sut = logReturns;
    expect(sut([100, 110, 99])).toEqual([Math.log(1.1), Math.log(0.9)]);
    expect(sut([100])).toEqual([]);
  });
});

describe(covariance.name, () => {
  const sut = covariance;

  it('is the sample (n - 1) covariance', () => {
    expect(sut([1, 2, 3], [2, 4, 6])).toBeCloseTo(2, 12);
    expect(sut([1, 2, 3], [1, 2, 3])).toBeCloseTo(1, 12);
    expect(sut([1, 2, 3], [5, 5, 5])).toBe(0);
  });

  it('is null below two points', () => {
    expect(sut([1], [1])).toBeNull();
    expect(sut([], [])).toBeNull();
  });
});

describe(covarianceMatrix.name, () => {
  const sut = covarianceMatrix;

  it('is symmetric with variances on the diagonal', () => {
    const m = sut([[1, 2, 3], [2, 4, 6]]);
    expect(m[0][0]).toBeCloseTo(1, 12);
    expect(m[0][1]).toBeCloseTo(2, 12);
    expect(m[1][0]).toBeCloseTo(2, 12);
    expect(m[1][1]).toBeCloseTo(4, 12);
  });

  it('is all zeros when the series are too short', () => {
    expect(sut([[1], [2]])).toEqual([[0, 0], [0, 0]]);
    expect(sut([])).toEqual([]);
  });
});

describe(annualizedVolatility.name, () => {
  const sut = annualizedVolatility;
  // Mean 0, Σr² = 0.001, so the daily sample variance is 0.001 / 3 and the annual one 0.084.
  const r1 = [0.01, -0.01, 0.02, -0.02];

  it('annualizes one asset as sqrt(252 · variance)', () => {
    expect(sut([1], covarianceMatrix([r1]))).toBeCloseTo(Math.sqrt(0.084), 12);
  });

  it('adds the volatilities of perfectly correlated assets (no diversification)', () => {
    const cov = covarianceMatrix([r1, times(r1, 2)]);
    expect(sut([0.5, 0.5], cov)).toBeCloseTo(1.5 * Math.sqrt(0.084), 12);
    expect(portfolioVariance([0.5, 0.5], [[1, 2], [2, 4]])).toBeCloseTo(2.25, 12);
  });

  it('divides by sqrt(2) for two uncorrelated assets of equal volatility, equally weighted', () => {
    const a = [0.01, -0.01, 0.01, -0.01];
    const b = [0.01, 0.01, -0.01, -0.01];
    expect(covariance(a, b)).toBeCloseTo(0, 15);
    expect(sut([0.5, 0.5], covarianceMatrix([a, b]))).toBeCloseTo(sut([1], covarianceMatrix([a])) / Math.SQRT2, 12);
  });

  it('is 0, not NaN, for flat series', () => {
    expect(sut([0.5, 0.5], covarianceMatrix([[0, 0, 0], [0, 0, 0]]))).toBe(0);
  });
});

describe(sharpeRatio.name, () => {
  const sut = sharpeRatio;

  it('is (return - risk-free) / volatility', () => {
    expect(sut(0.1, 0.2, 0.04)).toBeCloseTo(0.3, 12);
    expect(sut(0.0, 0.2, 0.04)).toBeCloseTo(-0.2, 12);
    expect(sut(RISK_FREE_RATE + 0.1, 0.5)).toBeCloseTo(0.2, 12);
  });

  it('is null, not Infinity, at zero volatility', () => {
    expect(sut(0.1, 0)).toBeNull();
  });

  it('annualizes the mean daily return by 252 trading days', () => {
    expect(annualizedMeanReturn([0.001, 0.001, 0.001])).toBeCloseTo(0.252, 12);
    expect(annualizedMeanReturn([])).toBe(0);
  });
});

describe(maxDrawdown.name, () => {
  const sut = maxDrawdown;

  it('finds a fall of 50 % from the running peak', () => {
    expect(sut([100, 200, 100, 150])).toBeCloseTo(0.5, 12);
    expect(sut([100, 80, 120, 60, 110])).toBeCloseTo(0.5, 12);
  });

  it('takes the deepest of several falls', () => {
    expect(sut([100, 90, 100, 70, 100])).toBeCloseTo(0.3, 12);
  });

  it('is 0 for rising, flat, single-point and empty series', () => {
    expect(sut([1, 2, 3])).toBe(0);
    expect(sut([5, 5, 5])).toBe(0);
    expect(sut([5])).toBe(0);
    expect(sut([])).toBe(0);
  });
});

describe(beta.name, () => {
  const sut = beta;

  it('is 1 for the market itself and 2 for twice the market', () => {
    expect(sut(market, market)).toBeCloseTo(1, 12);
    expect(sut(times(market, 2), market)).toBeCloseTo(2, 12);
    expect(sut(times(market, -1), market)).toBeCloseTo(-1, 12);
  });

  it('ignores noise uncorrelated with the market', () => {
    const m = [0.01, -0.01, 0.01, -0.01];
    const noise = [0.02, 0.02, -0.02, -0.02];
    expect(sut(m.map((x, i) => x + noise[i]), m)).toBeCloseTo(1, 12);
  });

  it('is 0 for a flat asset and null for a flat or too short market', () => {
    expect(sut([0, 0, 0, 0, 0, 0, 0], market)).toBe(0);
    expect(sut(market, [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01])).toBeNull();
    expect(sut([0.01], [0.02])).toBeNull();
  });
});

describe(correlationMatrix.name, () => {
  const sut = correlationMatrix;

  it('is 1 between perfectly correlated assets and -1 for opposite ones', () => {
    const corr = sut(covarianceMatrix([market, times(market, 3), times(market, -1)]));
    expect(corr[0][1]).toBeCloseTo(1, 12);
    expect(corr[0][2]).toBeCloseTo(-1, 12);
    expect(corr[1][1]).toBe(1);
  });

  it('gives a zero-variance asset correlation 0, not NaN', () => {
    const corr = sut(covarianceMatrix([market, market.map(() => 0)]));
    expect(corr[0][1]).toBe(0);
    expect(corr[1][1]).toBe(1);
  });
});

describe(herfindahl.name, () => {
  it('is 1 for one holding and 1/n for n equal ones', () => {
    expect(herfindahl([1])).toBe(1);
    expect(herfindahl([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(0.25, 12);
    expect(herfindahl([0.5, 0.3, 0.2])).toBeCloseTo(0.38, 12);
  });
});

describe(averagePairwiseCorrelation.name, () => {
  const sut = averagePairwiseCorrelation;

  it('weights each pair by wᵢwⱼ', () => {
    expect(sut([0.5, 0.5], [[1, 0.3], [0.3, 1]])).toBeCloseTo(0.3, 12);
    const corr = [[1, 1, 0], [1, 1, 0], [0, 0, 1]];
    // Pairs (0,1): 0.25·0.25·1; (0,2), (1,2): 0.25·0.5·0 → (2·0.0625) / (2·(0.0625 + 0.125 + 0.125)).
    expect(sut([0.25, 0.25, 0.5], corr)).toBeCloseTo(0.0625 / 0.3125, 12);
  });

  it('is null for a single holding', () => {
    expect(sut([1], [[1]])).toBeNull();
  });
});

describe(diversificationScore.name, () => {
  const sut = diversificationScore;

  it('is 0 for one holding and for perfectly correlated holdings', () => {
    expect(sut([1], null)).toBe(0);
    expect(sut([0.5, 0.5], 1)).toBe(0);
  });

  it('is 100 · (1 - HHI) · (1 - ρ̄): 90 for ten equal uncorrelated holdings', () => {
    const ten = new Array(10).fill(0.1);
    expect(sut(ten, 0)).toBeCloseTo(90, 10);
    expect(sut(ten, 0.5)).toBeCloseTo(45, 10);
    expect(sut([0.5, 0.5], 0.2)).toBeCloseTo(40, 10);
  });

  it('gives negative correlation no extra credit and stays within 0..100', () => {
    expect(sut([0.5, 0.5], -0.8)).toBeCloseTo(50, 10);
    expect(finite(sut([0.5, 0.5], null), sut([], null))).toBe(true);
  });
});
