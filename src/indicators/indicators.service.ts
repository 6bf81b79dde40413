import { Injectable } from '@nestjs/common';
import { CacheKeys, CacheService, hashOf } from '../cache';
import { InvalidArgumentError } from '../common/errors';
import { BAR_INTERVALS } from '../market-data/market-data.dto';
import { MarketDataService } from '../market-data/market-data.service';
import type { Bar, BarInterval, HistoryPeriod } from '../market-data/market-data.types';
import {
  barsNeeded,
  computeIndicator,
  DEFAULT_INDICATOR_NAMES,
  INDICATOR_NAME_HELP,
  parseIndicatorNames,
  type IndicatorSpec,
  type IndicatorValue,
} from './indicator-catalog';
import {
  DEFAULT_SERIES_POINTS,
  MAX_INDICATOR_NAMES,
  MAX_SERIES_POINTS,
  type IndicatorPoint,
  type IndicatorsQuery,
  type IndicatorsResponse,
} from './indicators.dto';

// Shortest period first. Daily starts at 2y and weekly at 5y so that most requests share one
// cached history per symbol instead of each name set fetching its own.
const PERIOD_LADDER: Record<BarInterval, readonly [HistoryPeriod, number][]> = {
  '1d': [
    ['2y', 504],
    ['5y', 1260],
  ],
  '1wk': [['5y', 260]],
};

interface NormalizedRequest {
  specs: IndicatorSpec[];
  interval: BarInterval;
  series: boolean;
  points: number;
}

/** Technical indicators over cached history; the result itself is cached under the `indicators` policy. */
@Injectable()
export class IndicatorsService {
  constructor(
    private readonly cache: CacheService,
    private readonly marketData: MarketDataService,
  ) {}

  /** @throws InvalidArgumentError for unknown names or bad bounds; SymbolNotFoundError */
  async getIndicators(symbol: string, query: IndicatorsQuery = {}): Promise<IndicatorsResponse> {
    const normalized = symbol.trim().toUpperCase();
    const request = normalize(query);
    const setHash = hashOf({
      names: request.specs.map((s) => s.name).sort(),
      series: request.series,
      // Without a series, points changes nothing in the answer, so it must not split the cache.
      points: request.series ? request.points : null,
    });
    return this.cache.wrap('indicators', CacheKeys.indicators(normalized, request.interval, setHash), () =>
      this.compute(normalized, request),
    );
  }

  private async compute(symbol: string, request: NormalizedRequest): Promise<IndicatorsResponse> {
    const needed = Math.max(...request.specs.map(barsNeeded)) + (request.series ? request.points : 0);
    const bars = await this.marketData.getHistory(symbol, { interval: request.interval, period: periodFor(request.interval, needed) });
    const values: IndicatorsResponse['values'] = {};
    const series: Record<string, IndicatorPoint[]> = {};
    for (const spec of request.specs) {
      const computed = computeIndicator(spec, bars);
      values[spec.name] = computed.length > 0 ? computed[computed.length - 1] : null;
      if (request.series) series[spec.name] = lastPoints(bars, computed, request.points);
    }
    const asOf = bars.length > 0 ? bars[bars.length - 1].date : null;
    return { symbol, interval: request.interval, asOf, values, ...(request.series ? { series } : {}) };
  }
}

function normalize(query: IndicatorsQuery): NormalizedRequest {
  const names = query.names ?? DEFAULT_INDICATOR_NAMES;
  if (names.length === 0 || names.length > MAX_INDICATOR_NAMES) {
    throw new InvalidArgumentError(`names must list 1 to ${MAX_INDICATOR_NAMES} indicators`);
  }
  const { specs, invalid } = parseIndicatorNames(names);
  if (invalid.length > 0) {
    throw new InvalidArgumentError(`Unknown or malformed indicator(s): ${invalid.join(', ')}; expected ${INDICATOR_NAME_HELP}`);
  }
  const points = query.points ?? DEFAULT_SERIES_POINTS;
  if (!Number.isInteger(points) || points < 1 || points > MAX_SERIES_POINTS) {
    throw new InvalidArgumentError(`points must be an integer from 1 to ${MAX_SERIES_POINTS}`);
  }
  const interval = query.interval ?? '1d';
  if (!BAR_INTERVALS.includes(interval)) {
    throw new InvalidArgumentError(`interval must be one of ${BAR_INTERVALS.join(', ')}`);
  }
  return { specs, interval, series: query.series ?? false, points };
}

/** The shortest period that covers `needed` bars, or `max`. */
function periodFor(interval: BarInterval, needed: number): HistoryPeriod {
  return PERIOD_LADDER[interval].find(([, bars]) => bars >= needed)?.[0] ?? 'max';
}

function lastPoints(bars: readonly Bar[], values: readonly IndicatorValue[], points: number): IndicatorPoint[] {
  const from = Math.max(0, bars.length - points);
  return bars.slice(from).map((bar, i) => ({ date: bar.date, value: values[from + i] }));
}
