import { Injectable } from '@nestjs/common';
import type pLimit from 'p-limit';
import { CacheKeys, CacheService } from '../cache';
import { SymbolNotFoundError } from '../common/errors';
import { MarketDataService } from '../market-data/market-data.service';
import type { SymbolInfo } from '../market-data/market-data.types';
import type { ScoreHorizon } from '../scores/score-model';
import { ScoresService } from '../scores/scores.service';
import type { PortfolioBenchmark } from './portfolio-holdings';
import type { SectorGap, SectorSuggestion, SectorWeight } from './portfolio.types';

/** A sector is under-weight (and gets suggestions) when it trails the benchmark by more than this. */
export const UNDERWEIGHT_THRESHOLD = 0.02;
/** Candidates scored per sector: its largest names, so the cost per sector is fixed. */
export const LEADER_CANDIDATES = 10;
export const SUGGESTIONS_PER_SECTOR = 3;

type Limit = ReturnType<typeof pLimit>;

export interface BenchmarkWeights {
  weighting: 'market-cap' | 'equal';
  weights: Map<string, number>;
}

/**
 * Sector weights of the benchmark: by market cap when every constituent has one (synthetic,
 * polygon), else one equal share per constituent (csv: a file of bars carries no caps). A partial
 * cap-weighting would silently drop the names without a cap, so it is all or nothing.
 */
export function benchmarkSectorWeights(constituents: readonly SymbolInfo[]): BenchmarkWeights {
  const byCap = constituents.length > 0 && constituents.every((c) => c.marketCap !== null && c.marketCap > 0);
  const weights = new Map<string, number>();
  let total = 0;
  for (const c of constituents) {
    const w = byCap ? (c.marketCap ?? 0) : 1;
    weights.set(c.sector, (weights.get(c.sector) ?? 0) + w);
    total += w;
  }
  for (const [sector, w] of weights) weights.set(sector, w / total);
  return { weighting: byCap ? 'market-cap' : 'equal', weights };
}

export function sectorExposure(holdings: readonly { sector: string; weight: number }[]): SectorWeight[] {
  const bySector = new Map<string, number>();
  for (const h of holdings) bySector.set(h.sector, (bySector.get(h.sector) ?? 0) + h.weight);
  return [...bySector].map(([sector, weight]) => ({ sector, weight: round6(weight) })).sort((a, b) => b.weight - a.weight || a.sector.localeCompare(b.sector));
}

/** Every sector of either side, most under-weight first; suggestions are filled in later. */
export function sectorGaps(exposure: readonly SectorWeight[], benchmark: ReadonlyMap<string, number>): SectorGap[] {
  const held = new Map(exposure.map((e) => [e.sector, e.weight]));
  const sectors = new Set([...benchmark.keys(), ...held.keys()]);
  return [...sectors]
    .map((sector) => {
      const portfolioWeight = held.get(sector) ?? 0;
      const benchmarkWeight = benchmark.get(sector) ?? 0;
      return { sector, portfolioWeight, benchmarkWeight: round6(benchmarkWeight), gap: round6(portfolioWeight - benchmarkWeight), suggestions: [] };
    })
    .sort((a, b) => a.gap - b.gap || a.sector.localeCompare(b.sector));
}

export function isUnderweight(gap: SectorGap): boolean {
  return gap.gap < -UNDERWEIGHT_THRESHOLD;
}

/** The sector's largest names by market cap; without caps, the first in list (alphabetical) order. */
export function leaderCandidates(constituents: readonly SymbolInfo[], sector: string, count = LEADER_CANDIDATES): SymbolInfo[] {
  const members = constituents.filter((c) => c.sector === sector);
  if (members.every((c) => c.marketCap !== null)) members.sort((a, b) => (b.marketCap ?? 0) - (a.marketCap ?? 0));
  return members.slice(0, count);
}

/** Benchmark sector weights and per-sector leaders, from the cached universe list and cached scores. */
@Injectable()
export class SectorBenchmark {
  constructor(
    private readonly cache: CacheService,
    private readonly marketData: MarketDataService,
    private readonly scores: ScoresService,
  ) {}

  async weights(benchmark: PortfolioBenchmark): Promise<BenchmarkWeights> {
    return benchmarkSectorWeights(await this.marketData.listSymbols(benchmark));
  }

  /**
   * The sector's candidates ranked by composite score (best first, unscored last), cached per
   * benchmark, sector and horizon so every portfolio shares one ranking. `limit` bounds the scoring.
   */
  leaders(benchmark: PortfolioBenchmark, sector: string, horizon: ScoreHorizon, limit: Limit): Promise<SectorSuggestion[]> {
    return this.cache.wrap('score', CacheKeys.sectorLeaders(benchmark, sector, horizon), async (ctx) => {
      const candidates = leaderCandidates(await this.marketData.listSymbols(benchmark), sector);
      const scored = await Promise.all(
        candidates.map((c) =>
          limit(async (): Promise<SectorSuggestion | null> => {
            try {
              const score = await this.scores.scoreSymbol(c.symbol, horizon);
              return { symbol: c.symbol, name: c.name, composite: score.composite };
            } catch (error) {
              // A candidate without data is no suggestion and must not fail the portfolio; an
              // upstream failure must not freeze a partial ranking for the policy's TTL either.
              if (!(error instanceof SymbolNotFoundError)) ctx.skipCache();
              return null;
            }
          }),
        ),
      );
      return scored
        .filter((s): s is SectorSuggestion => s !== null)
        .sort((a, b) => (b.composite ?? -1) - (a.composite ?? -1) || a.symbol.localeCompare(b.symbol));
    });
  }
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
