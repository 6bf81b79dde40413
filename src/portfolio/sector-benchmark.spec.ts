import pLimit from 'p-limit';
import { CacheBuilder } from '../../test/support/cache.builder';
import { SymbolNotFoundError, UpstreamUnavailableError } from '../common/errors';
import type { MarketDataService } from '../market-data/market-data.service';
import type { SymbolInfo } from '../market-data/market-data.types';
import type { ScoresService } from '../scores/scores.service';
import { benchmarkSectorWeights, leaderCandidates, SectorBenchmark, sectorExposure, sectorGaps } from './sector-benchmark';

const info = (symbol: string, sector: string, marketCap: number | null): SymbolInfo => ({
  symbol,
  name: `${symbol} Inc.`,
  sector,
  industry: 'x',
  marketCap,
  exchange: 'X',
  currency: 'USD',
});

const universe = [info('T1', 'Tech', 300), info('T2', 'Tech', 100), info('E1', 'Energy', 50), info('E2', 'Energy', 50)];

describe(benchmarkSectorWeights.name, () => {
  const sut = benchmarkSectorWeights;

  it('weights sectors by market cap when every constituent has one', () => {
    const { weighting, weights } = sut(universe);
    expect(weighting).toBe('market-cap');
    expect(weights.get('Tech')).toBeCloseTo(0.8, 12);
    expect(weights.get('Energy')).toBeCloseTo(0.2, 12);
  });

  it('falls back to equal weights when any cap is unknown', () => {
    const { weighting, weights } = sut([...universe.slice(1), info('T3', 'Tech', null)]);
    expect(weighting).toBe('equal');
    expect(weights.get('Tech')).toBeCloseTo(0.5, 12);
  });
});

describe(sectorGaps.name, () => {
  it('lists every sector of either side, most under-weight first', () => {
    const exposure = sectorExposure([{ sector: 'Tech', weight: 0.7 }, { sector: 'Other', weight: 0.1 }, { sector: 'Tech', weight: 0.2 }]);
    expect(exposure).toEqual([{ sector: 'Tech', weight: 0.9 }, { sector: 'Other', weight: 0.1 }]);

    const sut = sectorGaps(exposure, new Map([['Tech', 0.7], ['Energy', 0.3]]));
    expect(sut.map((g) => [g.sector, g.gap])).toEqual([['Energy', -0.3], ['Other', 0.1], ['Tech', 0.2]]);
  });
});

describe(leaderCandidates.name, () => {
  it('takes the largest caps, or list order without caps', () => {
    expect(leaderCandidates(universe, 'Tech', 1).map((c) => c.symbol)).toEqual(['T1']);
    expect(leaderCandidates([info('B', 'S', null), info('A', 'S', 9)], 'S', 2).map((c) => c.symbol)).toEqual(['B', 'A']);
  });
});

describe(SectorBenchmark.name, () => {
  const composites: Record<string, number | Error> = { E1: 40, E2: 70 };
  const scoreSymbol = jest.fn(async (symbol: string) => {
    const value = composites[symbol];
    if (value instanceof Error) throw value;
    return { composite: value ?? null };
  });

  async function build(): Promise<SectorBenchmark> {
    const cache = await new CacheBuilder().withL1Only().build();
    const marketData = { listSymbols: jest.fn(async () => universe) } as unknown as MarketDataService;
    return new SectorBenchmark(cache.sut, marketData, { scoreSymbol } as unknown as ScoresService);
  }

  beforeEach(() => scoreSymbol.mockClear());

  it('ranks the sector candidates by composite and caches the ranking', async () => {
    const sut = await build();

    const first = await sut.leaders('sp500', 'Energy', 'medium', pLimit(2));
    const again = await sut.leaders('sp500', 'Energy', 'medium', pLimit(2));

    expect(first.map((l) => l.symbol)).toEqual(['E2', 'E1']);
    expect(again).toEqual(first);
    expect(scoreSymbol).toHaveBeenCalledTimes(2);
  });

  it('skips unknown candidates but does not cache a ranking cut short by an upstream failure', async () => {
    const sut = await build();
    composites.E1 = new SymbolNotFoundError('E1');
    composites.E2 = new UpstreamUnavailableError('test', 'down');

    expect(await sut.leaders('sp500', 'Energy', 'short', pLimit(2))).toEqual([]);
    composites.E2 = 70;
    expect((await sut.leaders('sp500', 'Energy', 'short', pLimit(2))).map((l) => l.symbol)).toEqual(['E2']);
  });
});
