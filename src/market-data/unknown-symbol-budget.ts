import { InvalidArgumentError } from '../common/errors';

/**
 * Unknown symbols a caller's own symbol list (batch prices, batch predictions, a scan's
 * `symbols`) may name. Each new unknown name costs an upstream lookup before it is remembered, so
 * a list of thousands of invented names would otherwise cost thousands of calls per request.
 */
export const MAX_UNKNOWN_SYMBOLS_PER_REQUEST = 50;

/** More unknown symbols than a request may name: a 400 (`INVALID_ARGUMENT`) naming the count and the limit. */
export class TooManyUnknownSymbolsError extends InvalidArgumentError {
  constructor(readonly unknown: readonly string[], readonly limit: number) {
    const sample = unknown.slice(0, 5).join(', ');
    super(
      `symbols include at least ${unknown.length} unknown symbols (${sample}${unknown.length > 5 ? ', ...' : ''}); ` +
        `at most ${limit} unknown symbols are allowed per request`,
    );
  }
}

/**
 * Counts the unknown symbols of one request. Past the limit it throws, and `exhausted` tells the
 * remaining lookups not to start: the request stops costing upstream calls at once.
 */
export class UnknownSymbolBudget {
  private readonly found = new Set<string>();

  constructor(readonly limit = MAX_UNKNOWN_SYMBOLS_PER_REQUEST) {}

  get exhausted(): boolean {
    return this.found.size > this.limit;
  }

  /** Records unknown symbols. @throws TooManyUnknownSymbolsError once more than `limit` are known */
  add(...symbols: string[]): void {
    for (const symbol of symbols) this.found.add(symbol);
    this.check();
  }

  /** @throws TooManyUnknownSymbolsError when past the limit */
  check(): void {
    if (this.exhausted) throw new TooManyUnknownSymbolsError([...this.found].sort(), this.limit);
  }
}
