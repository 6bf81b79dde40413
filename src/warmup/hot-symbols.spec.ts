import { CacheKeys } from '../cache';
import { symbolsFromHotKeys } from './hot-symbols';

describe(symbolsFromHotKeys.name, () => {
  const hot = (...keys: string[]) => keys.map((key, i) => ({ key, hits: 100 - i }));

  it('takes the symbol of every per-symbol policy, most requested first, once each', () => {
    const keys = hot(
      CacheKeys.score('msft', 'medium'),
      CacheKeys.price('AAPL'),
      CacheKeys.history('MSFT', '1d', '1y'),
      CacheKeys.indicators('NVDA', '1d', 'abc'),
      CacheKeys.info('BRK.B'),
      CacheKeys.prediction('momentum-v1', 'JPM', '2024-01-02'),
    );
    expect(symbolsFromHotKeys(keys, 10)).toEqual(['MSFT', 'AAPL', 'NVDA', 'BRK.B', 'JPM']);
    expect(symbolsFromHotKeys(keys, 2)).toEqual(['MSFT', 'AAPL']);
  });

  it('ignores keys without a symbol: hashed HTTP responses, sector leaders, portfolios, foreign keys', () => {
    const keys = hot(
      CacheKeys.http('price', '/api/v1/market/prices/AAPL'),
      CacheKeys.sectorLeaders('sp500', 'energy', 'medium'),
      CacheKeys.portfolio('hash'),
      CacheKeys.tickers('sp500'),
      'some:foreign:key',
      CacheKeys.price('ok'),
    );
    expect(symbolsFromHotKeys(keys, 10)).toEqual(['OK']);
  });

  it('drops parts that are not valid symbols after decoding', () => {
    expect(symbolsFromHotKeys(hot(CacheKeys.price('a b'), CacheKeys.price('%E0%A4%A'), CacheKeys.price('X^Y')), 10)).toEqual(['X^Y']);
  });
});
