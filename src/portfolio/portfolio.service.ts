import { Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { CacheKeys, CacheService, hashOf, type FactoryContext } from '../cache';
import { InvalidArgumentError, NotFoundError, SymbolNotFoundError } from '../common/errors';
import type { PredictionResponse } from '../inference/predictions.dto';
import { PredictionsService } from '../inference/predictions.service';
import { MarketDataService } from '../market-data/market-data.service';
import type { Bar, Quote, SymbolInfo } from '../market-data/market-data.types';
import type { ScoreResponse } from '../scores/scores.dto';
import { ScoresService } from '../scores/scores.service';
import { MarketProxy } from './market-proxy';
import { normalizePortfolio, type NormalizedPortfolio } from './portfolio-holdings';
import { analyzeRisk, diversificationOf, MIN_RISK_OBSERVATIONS } from './portfolio-risk';
import type { PortfolioRequest } from './portfolio.dto';
import type { HoldingAnalysis, PortfolioAnalysis, SectorGap } from './portfolio.types';
import { isUnderweight, SectorBenchmark, sectorExposure, sectorGaps, SUGGESTIONS_PER_SECTOR } from './sector-benchmark';

// Per request: holdings resolved at once (each runs its 4-5 cached reads together), and proxy and
// leader histories scored at once. The provider's own limiter bounds upstream calls process-wide.
const CONCURRENCY = 8;

interface ResolvedHolding {
  symbol: string;
  amount: number;
  info: SymbolInfo;
  quote: Quote;
  bars: Bar[];
  score: ScoreResponse;
}

/** Portfolio analytics: the whole answer is cached under a hash of the normalized holdings. */
@Injectable()
export class PortfolioService {
  private readonly logger = new Logger(PortfolioService.name);

  constructor(
    private readonly cache: CacheService,
    private readonly marketData: MarketDataService,
    private readonly scores: ScoresService,
    private readonly proxy: MarketProxy,
    private readonly benchmark: SectorBenchmark,
    private readonly predictions: PredictionsService,
  ) {}

  /**
   * Order, case and duplicates of symbols do not change the key; request-level notes (merges,
   * weight normalization) are added after the cache, since they describe this request only.
   * @throws InvalidArgumentError (bad input), NotFoundError (no holding is a known symbol)
   */
  async analyze(request: PortfolioRequest): Promise<PortfolioAnalysis> {
    const { portfolio, notes } = normalizePortfolio(request);
    const key = CacheKeys.portfolio(hashOf(portfolio));
    const result = await this.cache.wrapWithMeta<PortfolioAnalysis>('portfolio', key, (ctx) => this.compute(portfolio, ctx));
    return { ...result.value, notes: [...notes, ...result.value.notes], servedFromCache: result.source !== 'factory' };
  }

  private async compute(portfolio: NormalizedPortfolio, ctx: FactoryContext<PortfolioAnalysis>): Promise<PortfolioAnalysis> {
    const limit = pLimit(CONCURRENCY);
    const notes: string[] = [];
    const resolved = await Promise.all(portfolio.holdings.map((h) => limit(() => this.resolve(h.symbol, h.amount, portfolio))));
    const known = resolved.filter((h): h is ResolvedHolding => h !== null);
    const unknown = portfolio.holdings.filter((_, i) => resolved[i] === null).map((h) => h.symbol);
    if (known.length === 0) throw new NotFoundError(`None of the holdings is a known symbol: ${unknown.join(', ')}`);
    if (unknown.length > 0) notes.push(`left out unknown symbol(s): ${unknown.join(', ')}`);

    const quantities = portfolio.basis === 'quantity';
    const values = known.map((h) => (quantities ? h.amount * h.quote.price : h.amount));
    const total = values.reduce((sum, v) => sum + v, 0);
    if (!(total > 0)) throw new InvalidArgumentError('the known holdings have no positive value at their latest prices');
    const weights = values.map((v) => v / total);
    if (!quantities && unknown.length > 0) notes.push('weights renormalized over the known holdings');

    const [proxy, benchmark, predictions] = await Promise.all([
      this.proxy.dailyReturns(portfolio.lookback, limit),
      this.benchmark.weights(portfolio.benchmark),
      this.predict(known.map((h) => h.symbol), notes),
    ]);
    // A degraded answer (proxy or model inputs failing upstream) is served, never kept for the TTL.
    if (proxy.failed > 0 || predictions === null) ctx.skipCache();
    const risk = analyzeRisk({
      histories: known.map((h) => h.bars),
      weights,
      units: quantities ? known.map((h) => h.amount) : null,
      market: proxy.returns,
    });
    if (risk.observations < MIN_RISK_OBSERVATIONS) {
      notes.push(`only ${risk.observations} daily returns common to all holdings in the ${portfolio.lookback} lookback; risk figures need ${MIN_RISK_OBSERVATIONS}`);
    } else if (risk.beta === null) {
      notes.push('beta unavailable: too few market proxy names or days overlap the holdings');
    }

    const holdings: HoldingAnalysis[] = known.map((h, i) => ({
      symbol: h.symbol,
      name: h.info.name,
      sector: h.info.sector,
      quantity: quantities ? h.amount : null,
      price: h.quote.price,
      value: quantities ? round2(values[i]) : null,
      weight: weights[i],
      score: { composite: h.score.composite, confidence: h.score.confidence },
      prediction: predictions?.get(h.symbol) ?? null,
    }));
    const exposure = sectorExposure(holdings);
    const gaps = await this.withSuggestions(sectorGaps(exposure, benchmark.weights), portfolio, new Set(holdings.map((h) => h.symbol)), limit);

    return {
      basis: portfolio.basis,
      horizon: portfolio.horizon,
      benchmark: portfolio.benchmark,
      lookback: portfolio.lookback,
      currency: 'USD',
      totalValue: quantities ? round2(total) : null,
      weights: Object.fromEntries(holdings.map((h) => [h.symbol, h.weight])),
      holdings,
      risk: { ...risk, marketProxy: { kind: 'equal-weighted-sample', symbols: proxy.symbols } },
      sectorExposure: exposure,
      benchmarkWeighting: benchmark.weighting,
      sectorGaps: gaps,
      diversification: diversificationOf(weights, risk.averageCorrelation),
      unknown,
      notes,
      asOf: known.map((h) => h.quote.asOf).sort().at(-1) ?? new Date().toISOString(),
      computedAt: new Date().toISOString(),
      servedFromCache: false,
    };
  }

  /** Null for a symbol the provider does not know; any other failure fails the analysis. */
  private async resolve(symbol: string, amount: number, portfolio: NormalizedPortfolio): Promise<ResolvedHolding | null> {
    let info: SymbolInfo;
    try {
      info = await this.marketData.getInfo(symbol);
    } catch (error) {
      if (error instanceof SymbolNotFoundError) return null;
      throw error;
    }
    const [quote, bars, score] = await Promise.all([
      this.marketData.getPrice(symbol),
      this.marketData.getHistory(symbol, { interval: '1d', period: portfolio.lookback }),
      this.scores.scoreSymbol(symbol, portfolio.horizon),
    ]);
    return { symbol, amount, info, quote, bars, score };
  }

  /** One batch (cached answers from one MGET); null when the model's inputs failed upstream. */
  private async predict(symbols: string[], notes: string[]): Promise<Map<string, PredictionResponse> | null> {
    try {
      const batch = await this.predictions.predictMany(symbols);
      if (batch.insufficientHistory.length > 0) notes.push(`no prediction (too little history): ${batch.insufficientHistory.join(', ')}`);
      return new Map(batch.predictions.map((p) => [p.symbol, p]));
    } catch (error) {
      // Predictions are one column of the answer: their failure degrades it, never fails it.
      this.logger.warn(`Predictions unavailable for a portfolio: ${(error as Error).message}`);
      notes.push('predictions unavailable right now');
      return null;
    }
  }

  private async withSuggestions(gaps: SectorGap[], portfolio: NormalizedPortfolio, held: ReadonlySet<string>, limit: ReturnType<typeof pLimit>) {
    return Promise.all(
      gaps.map(async (gap) => {
        if (!isUnderweight(gap)) return gap;
        const leaders = await this.benchmark.leaders(portfolio.benchmark, gap.sector, portfolio.horizon, limit);
        return { ...gap, suggestions: leaders.filter((l) => !held.has(l.symbol)).slice(0, SUGGESTIONS_PER_SECTOR) };
      }),
    );
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
