import { auc, averageRanks, dailyAuc, dailyIc, pearson, spearman } from './evaluation';

describe(averageRanks.name, () => {
  it('ranks from 1 and gives ties their average rank', () => {
    expect(Array.from(averageRanks([10, 30, 20, 30]))).toEqual([1, 3.5, 2, 3.5]);
  });
});

describe(auc.name, () => {
  const sut = auc;

  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for a constant score', () => {
    expect(sut([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(sut([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(sut([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('counts the share of correctly ordered positive-negative pairs (hand example: 3 of 4)', () => {
    expect(sut([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('is NaN without both classes', () => {
    expect(sut([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe(spearman.name, () => {
  it('is 1 for any increasing relation and -1 for any decreasing one', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [9, 4, 1, 0])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe(dailyIc.name, () => {
  it('correlates within each day and averages over days, skipping thin days', () => {
    // Day 1: perfect agreement; day 2: perfect disagreement; day 3 has too few names.
    const scores = [1, 2, 3, 1, 2, 3, 5];
    const returns = [0.1, 0.2, 0.3, 0.3, 0.2, 0.1, 0.4];
    const day = [1, 1, 1, 2, 2, 2, 3];

    const ic = dailyIc(scores, returns, day, 3);

    expect(ic).toEqual({ days: 2, mean: 0, std: Math.SQRT2, hitRate: 0.5 });
  });

  it('ignores the level of each day (a market-wide move), unlike a pooled correlation', () => {
    // Within each day the ranking is perfect, but day 2's scores are all lower while its returns are higher.
    const scores = [3, 4, 5, 0, 1, 2];
    const returns = [0.0, 0.01, 0.02, 0.1, 0.11, 0.12];
    const day = [1, 1, 1, 2, 2, 2];

    expect(dailyIc(scores, returns, day, 3).mean).toBeCloseTo(1, 12);
    expect(spearman(scores, returns)).toBeLessThan(0);
    expect(dailyAuc(scores, [0, 1, 1, 0, 1, 1], day, 3)).toBe(1);
  });
});
