import { Injectable, Optional } from '@nestjs/common';
import type { FactoryContext } from '../cache';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { MarketDataService } from '../market-data/market-data.service';
import type { SymbolInfo } from '../market-data/market-data.types';
import { historyPeriodFor, type ScoreHorizon } from '../scores/score-model';
import { ScoresService } from '../scores/scores.service';
import type { ScanItem } from './scans.dto';

const AVG_VOLUME_BARS = 20;

/** Builds one symbol's scan record from cached market data and its score (the same history fetch serves both). */
@Injectable()
export class ScanSymbolEvaluator {
  constructor(
    private readonly marketData: MarketDataService,
    private readonly scores: ScoresService,
    @Optional() private readonly calendar?: MarketCalendar,
  ) {}

  /**
   * `ctx`: the scan record's cache entry, whose session lifetime follows the symbol's realized
   * volatility like its score's. @throws SymbolNotFoundError, upstream errors
   */
  async evaluate(symbol: string, horizon: ScoreHorizon, knownInfo?: SymbolInfo, ctx?: FactoryContext<ScanItem>): Promise<ScanItem> {
    const [info, bars, score] = await Promise.all([
      knownInfo ?? this.marketData.getInfo(symbol),
      this.marketData.getHistory(symbol, { interval: '1d', period: historyPeriodFor(horizon) }),
      this.scores.scoreSymbol(symbol, horizon),
    ]);
    const ttlMs = ctx && this.calendar?.volatilityTtlMs(bars.map((bar) => bar.close));
    if (ttlMs !== undefined) ctx?.setTtl(ttlMs);
    const recent = bars.slice(-AVG_VOLUME_BARS);
    return {
      symbol,
      name: info.name,
      sector: info.sector,
      price: bars.at(-1)?.close ?? null,
      avgVolume: recent.length > 0 ? recent.reduce((sum, b) => sum + b.volume, 0) / recent.length : null,
      composite: score.composite,
      momentum: score.momentum,
      value: score.value,
      confidence: score.confidence,
    };
  }
}
