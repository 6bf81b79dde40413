import { Injectable, Logger, Optional } from '@nestjs/common';
import pLimit from 'p-limit';
import { CacheKeys, CacheService, hashOf, type CacheResult } from '../cache';
import { Clock, SystemClock } from '../clock';
import { SymbolNotFoundError } from '../common/errors';
import { MarketDataService } from '../market-data/market-data.service';
import type { SymbolInfo } from '../market-data/market-data.types';
import { LimitedMarketDataProvider } from '../market-data/providers/limited.provider';
import { UnknownSymbolBudget } from '../market-data/unknown-symbol-budget';
import { ScanSymbolEvaluator } from './scan-symbol.evaluator';
import type { ScanEvent, ScanItem, ScanRequestDto, ScanResponse, ScanStats } from './scans.dto';
import { matchesFilters, rankItems } from './scan-ranking';

// Per-symbol records are read in chunks with one MGET each; misses are computed with bounded concurrency.
const CHUNK = 500;
const CONCURRENCY = 16;

type Emit = (event: ScanEvent) => void;

/** Ranks a universe or a symbol list; per-symbol records and whole answers are cached. */
@Injectable()
export class ScansService {
  private readonly logger = new Logger(ScansService.name);

  constructor(
    private readonly cache: CacheService,
    private readonly marketData: MarketDataService,
    private readonly evaluator: ScanSymbolEvaluator,
    private readonly upstream: LimitedMarketDataProvider,
    @Optional() private readonly clock: Clock = new SystemClock(),
  ) {}

  /** The whole answer, cached 5 min under a hash of the normalized request. */
  async scan(request: ScanRequestDto, emit?: Emit): Promise<ScanResponse> {
    const date = this.today();
    const key = CacheKeys.scan(hashOf(normalize(request)), date);
    const result = await this.cache.wrapWithMeta('scan', key, () => this.run(request, date, emit));
    const response = { ...result.value, servedFromCache: result.source !== 'factory' };
    if (response.servedFromCache && emit) {
      const { scanned } = response.stats;
      emit({ type: 'progress', done: scanned, total: scanned, cacheHits: response.stats.cacheHits, upstreamCalls: 0 });
      response.results.forEach((item) => emit({ type: 'match', item }));
    }
    return response;
  }

  private async run(request: ScanRequestDto, date: string, emit?: Emit): Promise<ScanResponse> {
    const started = performance.now();
    const callsBefore = this.upstream.stats().calls;
    const universe = await this.resolveUniverse(request);
    const stats: ScanStats = { scanned: 0, matched: 0, cacheHits: { l1: 0, l2: 0, stale: 0 }, computed: 0, upstreamCalls: 0, durationMs: 0 };
    const items: ScanItem[] = [];
    const unknown: string[] = [];
    const failed: string[] = [];
    const limit = pLimit(CONCURRENCY);
    // A caller's own list is bounded in unknown names (each new one costs an upstream lookup); a
    // universe comes from the provider itself.
    const budget = request.symbols ? new UnknownSymbolBudget() : undefined;

    for (let offset = 0; offset < universe.length; offset += CHUNK) {
      const chunk = universe.slice(offset, offset + CHUNK);
      const keys = chunk.map(({ symbol }) => CacheKeys.scanResult(symbol, date, request.horizon));
      const cached = await this.cache.getManyWithMeta<ScanItem>(keys);
      // Names remembered as unknown (one MGET) are settled before any lookup: a repeated list of
      // unknown names costs no upstream call, and one past the bound is refused at once.
      const remembered = await this.marketData.unknownAmong(chunk.filter((_, i) => !cached[i]).map(({ symbol }) => symbol));
      unknown.push(...remembered);
      budget?.add(...remembered);
      await Promise.all(
        chunk.map(({ symbol, info }, i) =>
          limit(async () => {
            let found: CacheResult<ScanItem> | undefined = cached[i];
            if (!found && (remembered.has(symbol) || budget?.exhausted)) return;
            try {
              found ??= await this.cache.wrapWithMeta('scan', keys[i], (ctx) => this.evaluator.evaluate(symbol, request.horizon, info, ctx));
            } catch (error) {
              if (!(error instanceof SymbolNotFoundError)) return void failed.push(symbol);
              unknown.push(symbol);
              // Past the bound the scan stops: tasks not started yet return above, and this throw is the 400.
              budget?.add(symbol);
              return;
            }
            count(stats, found.source);
            if (!matchesFilters(found.value, request)) return;
            items.push(found.value);
            emit?.({ type: 'match', item: found.value });
          }),
        ),
      );
      stats.scanned = Math.min(offset + CHUNK, universe.length);
      stats.upstreamCalls = this.upstream.stats().calls - callsBefore;
      emit?.({ type: 'progress', done: stats.scanned, total: universe.length, cacheHits: { ...stats.cacheHits }, upstreamCalls: stats.upstreamCalls });
    }

    if (failed.length > 0) this.logger.warn(`Scan could not evaluate ${failed.length} of ${universe.length} symbols`);
    const results = rankItems(items).slice(0, request.limit);
    stats.matched = items.length;
    stats.durationMs = Math.round(performance.now() - started);
    return {
      date,
      horizon: request.horizon,
      universe: request.symbols ? 'list' : (request.universe ?? 'all'),
      results,
      unknown: unknown.sort(),
      failed: failed.sort(),
      stats,
      servedFromCache: false,
    };
  }

  /** The UTC day of the service's clock: part of every scan key. */
  private today(): string {
    return this.clock.date().toISOString().slice(0, 10);
  }

  private async resolveUniverse(request: ScanRequestDto): Promise<{ symbol: string; info?: SymbolInfo }[]> {
    if (request.symbols) return [...new Set(request.symbols)].map((symbol) => ({ symbol }));
    const listed = await this.marketData.listSymbols(request.universe ?? 'all');
    return listed.map((info) => ({ symbol: info.symbol, info }));
  }
}

function count(stats: ScanStats, source: CacheResult<unknown>['source']): void {
  if (source === 'l1') stats.cacheHits.l1++;
  else if (source === 'l2') stats.cacheHits.l2++;
  else if (source === 'stale') stats.cacheHits.stale++;
  else stats.computed++;
}

/** Field order and symbol order must not change the cache key. */
function normalize(request: ScanRequestDto): unknown {
  const { symbols, ...rest } = request;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  return { ...fields, symbols: symbols ? [...new Set(symbols)].sort() : undefined };
}
