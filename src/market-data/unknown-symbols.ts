import { Injectable } from '@nestjs/common';
import { CacheKeys, CacheService, symbolTag } from '../cache';
import { SymbolNotFoundError } from '../common/errors';

/**
 * The negative cache: "the provider does not know this symbol", remembered for the `notFound`
 * policy TTL (`CACHE_NOT_FOUND_TTL`, 5 min), so a batch or scan of unknown names reaches the
 * upstream at most once per symbol per TTL instead of once per lookup on every request.
 *
 * Per symbol, whatever was asked (quote, history, info): `SymbolNotFoundError` means the symbol
 * is unknown to the provider (`common/errors.ts`), not that one kind of data is missing. The
 * marker is source-scoped like every key (another data source never reads it) and tagged with
 * the symbol, so invalidating the symbol forgets it at once.
 */
@Injectable()
export class UnknownSymbols {
  // Lookups of a symbol whose existence is being settled right now: a second lookup of the same
  // symbol (a scan asks for info and history at once) waits for the first one's answer instead
  // of making a second upstream call that an unknown symbol would answer the same way.
  private readonly settling = new Map<string, Promise<boolean>>();

  constructor(private readonly cache: CacheService) {}

  /**
   * Runs the upstream `load` for `symbol` unless it is known to be unknown; a not-found answer is
   * remembered. Call it inside the cache factory, so a cached value never pays for the check.
   * @throws SymbolNotFoundError (remembered or fresh), or whatever `load` throws
   */
  async lookup<T>(symbol: string, load: () => Promise<T>): Promise<T> {
    const pending = this.settling.get(symbol);
    if (pending) {
      if (await pending) throw new SymbolNotFoundError(symbol);
      return load();
    }
    const attempt = this.firstLookup(symbol, load);
    const unknown = attempt.then(
      () => false,
      (error: unknown) => error instanceof SymbolNotFoundError,
    );
    this.settling.set(symbol, unknown);
    void unknown.then(() => {
      if (this.settling.get(symbol) === unknown) this.settling.delete(symbol);
    });
    return attempt;
  }

  /** Which of `symbols` are remembered as unknown: L1, then one MGET (no upstream call). */
  async rememberedAmong(symbols: readonly string[]): Promise<Set<string>> {
    if (symbols.length === 0) return new Set();
    const markers = await this.cache.getMany<true>(symbols.map((symbol) => CacheKeys.notFound(symbol)));
    return new Set(symbols.filter((_, i) => markers[i] !== undefined));
  }

  private async firstLookup<T>(symbol: string, load: () => Promise<T>): Promise<T> {
    if ((await this.rememberedAmong([symbol])).size > 0) throw new SymbolNotFoundError(symbol);
    try {
      return await load();
    } catch (error) {
      if (error instanceof SymbolNotFoundError) await this.remember(symbol);
      throw error;
    }
  }

  // No grace: a marker past its TTL is simply gone, and the next lookup asks the upstream again.
  private remember(symbol: string): Promise<void> {
    return this.cache.set('notFound', CacheKeys.notFound(symbol), true as const, { graceMs: 0, tags: [symbolTag(symbol)] });
  }
}
