import { Injectable, Optional } from '@nestjs/common';
import { CacheKeys, CacheService } from '../cache';
import { InvalidArgumentError } from '../common/errors';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { MarketDataService } from '../market-data/market-data.service';
import { historyPeriodFor, SCORE_HORIZONS, scoreBars, type ScoreHorizon } from './score-model';
import type { ScoreResponse } from './scores.dto';

/** Momentum / value-like / composite scores; public so the universe scan can score symbol by symbol. */
@Injectable()
export class ScoresService {
  constructor(
    private readonly cache: CacheService,
    private readonly marketData: MarketDataService,
    /** Absent (unit tests): the policy TTL. */
    @Optional() private readonly calendar?: MarketCalendar,
  ) {}

  /**
   * One cached history fetch and O(n) maths per symbol. Too little history gives low confidence
   * and nulls, not an error. During the session a score lives by its symbol's realized volatility
   * (1 h for volatile names … 8 h for calm ones, `CACHE_VOLATILITY_*`), never past its history's
   * lifetime (the cache caps it). @throws SymbolNotFoundError, InvalidArgumentError (unknown horizon)
   */
  async scoreSymbol(symbol: string, horizon: ScoreHorizon = 'medium'): Promise<ScoreResponse> {
    if (!SCORE_HORIZONS.includes(horizon)) {
      throw new InvalidArgumentError(`horizon must be one of ${SCORE_HORIZONS.join(', ')}`);
    }
    const normalized = symbol.trim().toUpperCase();
    return this.cache.wrap('score', CacheKeys.score(normalized, horizon), async (ctx) => {
      const bars = await this.marketData.getHistory(normalized, { interval: '1d', period: historyPeriodFor(horizon) });
      const ttlMs = this.calendar?.volatilityTtlMs(bars.map((bar) => bar.close));
      if (ttlMs !== undefined) ctx.setTtl(ttlMs);
      return { symbol: normalized, horizon, ...scoreBars(bars, horizon) };
    });
  }
}
