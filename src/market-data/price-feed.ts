import { Injectable, Logger } from '@nestjs/common';
import type { Quote } from './market-data.types';

/** `receivedAt`: when this replica got the quote (a quote's own `asOf` may be an older trade time). */
export type PriceListener = (quote: Quote, receivedAt: Date) => void;

/**
 * Every quote this replica fetched from the provider (a price read that missed the cache, a
 * warmup, refresh-ahead, the alerts' poll), for features that react to prices (price alerts).
 * Listeners run synchronously and must not throw; a throwing one is logged and skipped.
 */
@Injectable()
export class PriceFeed {
  private readonly logger = new Logger(PriceFeed.name);
  private readonly listeners = new Set<PriceListener>();

  /** Returns the unsubscribe function. */
  subscribe(listener: PriceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(quote: Quote): void {
    const receivedAt = new Date();
    for (const listener of this.listeners) {
      try {
        listener(quote, receivedAt);
      } catch (error) {
        this.logger.warn(`A price listener failed on ${quote.symbol}: ${(error as Error).message}`);
      }
    }
  }
}
