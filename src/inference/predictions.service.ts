import { Injectable } from '@nestjs/common';
import { CacheKeys, CacheService, symbolTag, type CacheKey } from '../cache';
import { InsufficientDataError, SymbolNotFoundError } from '../common/errors';
import { MarketDataService } from '../market-data/market-data.service';
import type { Bar, HistoryQuery } from '../market-data/market-data.types';
import { UnknownSymbolBudget } from '../market-data/unknown-symbol-budget';
import { latestFeatures, MIN_HISTORY_BARS, namedFeatures, type FeatureName } from './feature-builder';
import { ModelRuntime } from './model-runtime';
import type { BatchPredictionsResponse, PredictionResponse } from './predictions.dto';

/** The same cached daily history the 'short'/'medium' scores read: 504 bars, twice the model's lookback. */
const HISTORY: HistoryQuery = { interval: '1d', period: '2y' };

/** What the cache holds: the answer with its inputs, so `explain` never splits the cache. */
type CachedPrediction = PredictionResponse & { features: Record<FeatureName, number> };

export interface PredictOptions {
  /** Include the feature values. @default false */
  explain?: boolean;
}

/**
 * ML predictions from cached daily history. Answers are cached per model version, symbol and
 * as-of date, so a deploy with another artifact never serves the previous model's answers.
 * Public: portfolio analytics and the warmer call `predict`.
 */
@Injectable()
export class PredictionsService {
  constructor(
    private readonly cache: CacheService,
    private readonly marketData: MarketDataService,
    private readonly model: ModelRuntime,
  ) {}

  /** @throws SymbolNotFoundError; InsufficientDataError when the history is shorter than the model's lookback */
  async predict(symbol: string, options: PredictOptions = {}): Promise<PredictionResponse> {
    const normalized = symbol.trim().toUpperCase();
    const bars = await this.marketData.getHistory(normalized, HISTORY);
    const prediction = await this.cache.wrap('prediction', this.keyOf(normalized, bars), () => this.compute(normalized, bars));
    return present(prediction, options.explain);
  }

  /**
   * Distinct symbols in request order. Cached answers come from one MGET; only the misses are
   * computed, then written in one pipelined round trip. Unknown symbols and too-short histories are
   * listed apart instead of failing the batch, up to MAX_UNKNOWN_SYMBOLS_PER_REQUEST of them.
   * @throws TooManyUnknownSymbolsError past that bound; upstream errors other than an unknown symbol
   */
  async predictMany(symbols: readonly string[], options: PredictOptions = {}): Promise<BatchPredictionsResponse> {
    const requested = [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
    const unknown = new Set<string>();
    const budget = new UnknownSymbolBudget();
    const histories = await Promise.all(
      requested.map(async (symbol) => {
        try {
          return { symbol, bars: await this.marketData.getHistory(symbol, HISTORY) };
        } catch (error) {
          if (!(error instanceof SymbolNotFoundError)) throw error;
          unknown.add(symbol);
          budget.add(symbol);
          return undefined;
        }
      }),
    );
    const insufficient = new Set<string>();
    const candidates = histories.filter((h): h is { symbol: string; bars: Bar[] } => {
      if (h && h.bars.length < MIN_HISTORY_BARS) insufficient.add(h.symbol);
      return h !== undefined && !insufficient.has(h.symbol);
    });
    const keys = candidates.map((c) => this.keyOf(c.symbol, c.bars));
    const cached = await this.cache.getManyWithMeta<CachedPrediction>(keys);

    const answers = new Map<string, CachedPrediction>();
    const computed: { policy: 'prediction'; key: CacheKey; value: CachedPrediction; options: { tags: string[] } }[] = [];
    candidates.forEach(({ symbol, bars }, i) => {
      const hit = cached[i]?.value;
      if (hit) return void answers.set(symbol, hit);
      try {
        const value = this.compute(symbol, bars);
        answers.set(symbol, value);
        computed.push({ policy: 'prediction', key: keys[i], value, options: { tags: [symbolTag(symbol)] } });
      } catch (error) {
        if (!(error instanceof InsufficientDataError)) throw error;
        insufficient.add(symbol);
      }
    });
    if (computed.length > 0) await this.cache.setMany(computed);

    return {
      predictions: requested.flatMap((s) => (answers.has(s) ? [present(answers.get(s) as CachedPrediction, options.explain)] : [])),
      unknown: requested.filter((s) => unknown.has(s)),
      insufficientHistory: requested.filter((s) => insufficient.has(s)),
      stats: { cached: answers.size - computed.length, computed: computed.length },
    };
  }

  // The as-of date is the last bar's: a new trading day is a new key, never a stale hit.
  private keyOf(symbol: string, bars: readonly Bar[]): CacheKey {
    return CacheKeys.prediction(this.model.cacheVersion, symbol, bars.at(-1)?.date ?? 'none');
  }

  private compute(symbol: string, bars: readonly Bar[]): CachedPrediction {
    const vector = latestFeatures(bars);
    if (!vector) {
      throw new InsufficientDataError(
        bars.length < MIN_HISTORY_BARS
          ? `${symbol} has ${bars.length} daily bars; the model needs at least ${MIN_HISTORY_BARS}`
          : `${symbol} has no complete feature vector on ${bars.at(-1)?.date} (a non-finite input)`,
      );
    }
    const probabilityUp = this.model.probabilityUp(vector);
    return {
      symbol,
      model: { name: this.model.name, version: this.model.version },
      horizonDays: this.model.horizonDays,
      probabilityUp: Math.round(probabilityUp * 10_000) / 10_000,
      signal: this.model.signalOf(probabilityUp),
      asOf: bars[bars.length - 1].date,
      features: namedFeatures(vector),
    };
  }
}

function present(prediction: CachedPrediction, explain = false): PredictionResponse {
  if (explain) return prediction;
  const { features: _features, ...answer } = prediction;
  return answer;
}
