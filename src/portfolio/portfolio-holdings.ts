import { InvalidArgumentError } from '../common/errors';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import type { HistoryPeriod } from '../market-data/market-data.types';
import { SCORE_HORIZONS, type ScoreHorizon } from '../scores/score-model';
import type { HoldingInput, PortfolioRequest } from './portfolio.dto';

/** Holdings per request, counted before duplicates are merged. */
export const MAX_PORTFOLIO_HOLDINGS = 100;
export const PORTFOLIO_BENCHMARKS = ['sp500'] as const;
export type PortfolioBenchmark = (typeof PORTFOLIO_BENCHMARKS)[number];
export const PORTFOLIO_LOOKBACKS = ['3mo', '6mo', '1y', '2y', '5y'] as const satisfies readonly HistoryPeriod[];
export type PortfolioLookback = (typeof PORTFOLIO_LOOKBACKS)[number];
/** Upper bounds that keep sums and products far from overflow. */
export const MAX_QUANTITY = 1e12;
export const MAX_WEIGHT = 1e6;

export type HoldingsBasis = 'quantity' | 'weight';

/** What the analysis (and its cache key) depends on: order, case and duplicates no longer matter. */
export interface NormalizedPortfolio {
  basis: HoldingsBasis;
  /** Sorted by symbol, upper-cased, merged; weights normalized to sum to 1. */
  holdings: { symbol: string; amount: number }[];
  horizon: ScoreHorizon;
  benchmark: PortfolioBenchmark;
  lookback: PortfolioLookback;
}

/** Why holdings cannot be read as one basis, or null when they can. Shared by the DTO and the service. */
export function basisProblem(holdings: readonly unknown[]): string | null {
  const kinds = new Set<HoldingsBasis>();
  for (let i = 0; i < holdings.length; i++) {
    const holding = holdings[i];
    if (typeof holding !== 'object' || holding === null) continue;
    const hasQuantity = (holding as HoldingInput).quantity !== undefined;
    const hasWeight = (holding as HoldingInput).weight !== undefined;
    if (hasQuantity === hasWeight) return `holdings.${i} must have either quantity or weight (exactly one)`;
    kinds.add(hasQuantity ? 'quantity' : 'weight');
  }
  return kinds.size > 1 ? 'holdings must all have quantity or all have weight, not a mix of both' : null;
}

/**
 * Validates what the DTO validates (for callers outside HTTP), merges duplicate symbols and
 * sorts. `notes` describe what was done to the input; they are per request, never cached.
 * @throws InvalidArgumentError
 */
export function normalizePortfolio(request: PortfolioRequest): { portfolio: NormalizedPortfolio; notes: string[] } {
  const { holdings } = request;
  if (!Array.isArray(holdings) || holdings.length === 0) throw new InvalidArgumentError('holdings must contain at least one holding');
  if (holdings.length > MAX_PORTFOLIO_HOLDINGS) {
    throw new InvalidArgumentError(`holdings may contain at most ${MAX_PORTFOLIO_HOLDINGS} holdings`);
  }
  const problem = basisProblem(holdings);
  if (problem) throw new InvalidArgumentError(problem);
  const basis: HoldingsBasis = holdings[0].quantity !== undefined ? 'quantity' : 'weight';
  const horizon = request.horizon ?? 'medium';
  if (!SCORE_HORIZONS.includes(horizon)) throw new InvalidArgumentError(`horizon must be one of ${SCORE_HORIZONS.join(', ')}`);
  const benchmark = request.benchmark ?? 'sp500';
  if (!PORTFOLIO_BENCHMARKS.includes(benchmark)) throw new InvalidArgumentError(`benchmark must be one of ${PORTFOLIO_BENCHMARKS.join(', ')}`);
  const lookback = request.lookback ?? '1y';
  if (!PORTFOLIO_LOOKBACKS.includes(lookback)) throw new InvalidArgumentError(`lookback must be one of ${PORTFOLIO_LOOKBACKS.join(', ')}`);

  const merged = new Map<string, { amount: number; count: number }>();
  holdings.forEach((holding, i) => {
    const symbol = typeof holding.symbol === 'string' ? holding.symbol.trim().toUpperCase() : '';
    if (!SYMBOL_PATTERN.test(symbol)) throw new InvalidArgumentError(`holdings.${i}.symbol must be 1-15 characters: letters, digits and . - ^ =`);
    const amount = basis === 'quantity' ? holding.quantity : holding.weight;
    const limit = basis === 'quantity' ? MAX_QUANTITY : MAX_WEIGHT;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0 || amount > limit) {
      throw new InvalidArgumentError(`holdings.${i}.${basis} must be a positive finite number of at most ${limit}`);
    }
    const slot = merged.get(symbol) ?? { amount: 0, count: 0 };
    slot.amount += amount;
    slot.count++;
    merged.set(symbol, slot);
  });

  const notes: string[] = [];
  const sorted = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [symbol, { amount, count }] of sorted) {
    if (count > 1) notes.push(`${symbol} appeared ${count} times; merged into one holding (${basis} ${amount})`);
  }
  let entries = sorted.map(([symbol, { amount }]) => ({ symbol, amount }));
  if (basis === 'weight') {
    const total = entries.reduce((sum, h) => sum + h.amount, 0);
    if (Math.abs(total - 1) > 1e-9) notes.push(`weights summed to ${total}; normalized to sum to 1`);
    entries = entries.map((h) => ({ symbol: h.symbol, amount: h.amount / total }));
  }
  return { portfolio: { basis, holdings: entries, horizon, benchmark, lookback }, notes };
}
