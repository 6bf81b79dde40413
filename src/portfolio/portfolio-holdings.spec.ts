import { hashOf } from '../cache';
import { InvalidArgumentError } from '../common/errors';
import { basisProblem, MAX_PORTFOLIO_HOLDINGS, normalizePortfolio } from './portfolio-holdings';
import type { HoldingInput } from './portfolio.dto';

describe(normalizePortfolio.name, () => {
  const sut = normalizePortfolio;

  it('upper-cases, sorts and fills in the defaults, so order and case give the same hash', () => {
    const a = sut({ holdings: [{ symbol: 'msft', quantity: 5 }, { symbol: 'AAPL', quantity: 10 }] });
    const b = sut({ holdings: [{ symbol: ' aapl ', quantity: 10 }, { symbol: 'MSFT', quantity: 5 }], horizon: 'medium', benchmark: 'sp500' });

    expect(a.portfolio).toEqual({
      basis: 'quantity',
      holdings: [{ symbol: 'AAPL', amount: 10 }, { symbol: 'MSFT', amount: 5 }],
      horizon: 'medium',
      benchmark: 'sp500',
      lookback: '1y',
    });
    expect(hashOf(a.portfolio)).toBe(hashOf(b.portfolio));
    expect(a.notes).toEqual([]);
  });

  it('merges duplicate symbols by summing, with a note', () => {
    const { portfolio, notes } = sut({ holdings: [{ symbol: 'AAPL', quantity: 10 }, { symbol: 'aapl', quantity: 2.5 }] });
    expect(portfolio.holdings).toEqual([{ symbol: 'AAPL', amount: 12.5 }]);
    expect(notes).toEqual(['AAPL appeared 2 times; merged into one holding (quantity 12.5)']);
  });

  it('normalizes weights to sum to 1 and says so when they did not', () => {
    const { portfolio, notes } = sut({ holdings: [{ symbol: 'A', weight: 30 }, { symbol: 'B', weight: 10 }] });
    expect(portfolio.holdings).toEqual([{ symbol: 'A', amount: 0.75 }, { symbol: 'B', amount: 0.25 }]);
    expect(notes).toEqual(['weights summed to 40; normalized to sum to 1']);
    expect(sut({ holdings: [{ symbol: 'A', weight: 0.5 }, { symbol: 'B', weight: 0.5 }] }).notes).toEqual([]);
  });

  it.each<[string, HoldingInput[]]>([
    ['empty', []],
    ['mixed', [{ symbol: 'A', quantity: 1 }, { symbol: 'B', weight: 1 }]],
    ['both', [{ symbol: 'A', quantity: 1, weight: 1 }]],
    ['neither', [{ symbol: 'A' }]],
    ['zero', [{ symbol: 'A', quantity: 0 }]],
    ['negative', [{ symbol: 'A', weight: -1 }]],
    ['NaN', [{ symbol: 'A', quantity: Number.NaN }]],
    ['Infinity', [{ symbol: 'A', quantity: Number.POSITIVE_INFINITY }]],
    ['bad symbol', [{ symbol: 'A*B', quantity: 1 }]],
    ['too many', Array.from({ length: MAX_PORTFOLIO_HOLDINGS + 1 }, (_, i) => ({ symbol: `S${i}`, quantity: 1 }))],
  ])('rejects %s holdings with InvalidArgumentError', (_, holdings) => {
    expect(() => sut({ holdings })).toThrow(InvalidArgumentError);
  });
});

describe(basisProblem.name, () => {
  const sut = basisProblem;

  it('names the holding with both or neither, and a mix of bases', () => {
    expect(sut([{ symbol: 'A', quantity: 1 }, { symbol: 'B', quantity: 1, weight: 1 }])).toBe('holdings.1 must have either quantity or weight (exactly one)');
    expect(sut([{ symbol: 'A', quantity: 1 }, { symbol: 'B', weight: 1 }])).toMatch(/not a mix/);
    expect(sut([{ symbol: 'A', weight: 1 }, { symbol: 'B', weight: 2 }])).toBeNull();
    expect(sut([null, 3])).toBeNull();
  });
});
