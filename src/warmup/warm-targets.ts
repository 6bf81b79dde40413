import { Injectable, Optional } from '@nestjs/common';
import type { WarmPolicyName } from '../config/warmup.config';
import { IndicatorsService } from '../indicators/indicators.service';
import { MarketDataService } from '../market-data/market-data.service';
import { ScoresService } from '../scores/scores.service';
import { RouteWarmer } from './route-warmer';

/**
 * What the warmer needs from the ML module, as a class token. Optional: while no inference
 * module binds it, the `predictions` policy is unavailable (a request naming it gets a 400).
 */
export abstract class WarmPredictions {
  abstract predict(symbol: string): Promise<unknown>;
}

/**
 * Per policy, the features' public service calls that fill its cache entries (as a caller's
 * request would, with the routes' default options), then the public route itself so its HTTP
 * response is cached too. A symbol's policies run in order, so later ones reuse the history
 * the earlier ones cached.
 */
@Injectable()
export class WarmTargets {
  constructor(
    private readonly marketData: MarketDataService,
    private readonly indicators: IndicatorsService,
    private readonly scores: ScoresService,
    private readonly routes: RouteWarmer,
    @Optional() private readonly predictions?: WarmPredictions,
  ) {}

  isAvailable(policy: WarmPolicyName): boolean {
    return policy !== 'predictions' || this.predictions !== undefined;
  }

  /** @throws the feature's domain error (e.g. SymbolNotFoundError), or RouteWarmupError */
  async warm(policy: WarmPolicyName, symbol: string): Promise<void> {
    const path = encodeURIComponent(symbol);
    switch (policy) {
      case 'prices':
        await this.marketData.getPrice(symbol);
        return this.routes.get(`/api/v1/market/prices/${path}`);
      case 'history':
        // Cold data together (the disk tier's kinds): the history route's default and the symbol's info.
        await this.marketData.getHistory(symbol, { interval: '1d', period: '1y' });
        await this.marketData.getInfo(symbol);
        await this.routes.get(`/api/v1/market/history/${path}`);
        return this.routes.get(`/api/v1/market/info/${path}`);
      case 'indicators':
        await this.indicators.getIndicators(symbol);
        return this.routes.get(`/api/v1/indicators/${path}`);
      case 'scores':
        await this.scores.scoreSymbol(symbol);
        return this.routes.get(`/api/v1/scores/${path}`);
      case 'predictions':
        if (!this.predictions) throw new Error('predictions are not available in this build');
        await this.predictions.predict(symbol);
        return this.routes.get(`/api/v1/predictions/${path}`);
      default: {
        const unreachable: never = policy;
        throw new Error(`Unknown warm policy ${String(unreachable)}`);
      }
    }
  }

  /** The first `count` symbols of a universe (cached under `tickers`, so also on the disk tier). */
  async universe(market: string, count: number): Promise<string[]> {
    if (count <= 0) return [];
    return (await this.marketData.listSymbols(market)).slice(0, count).map((s) => s.symbol);
  }
}
