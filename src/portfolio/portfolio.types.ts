import type { PredictionResponse } from '../inference/predictions.dto';
import type { ScoreHorizon } from '../scores/score-model';
import type { HoldingsBasis, PortfolioBenchmark, PortfolioLookback } from './portfolio-holdings';
import type { Diversification, RiskMetrics } from './portfolio-risk';

export interface HoldingAnalysis {
  symbol: string;
  name: string;
  sector: string;
  /** Shares; null for a weight portfolio. */
  quantity: number | null;
  /** Latest quote. */
  price: number;
  /** quantity × price; null for a weight portfolio. */
  value: number | null;
  /** 0..1; all holdings sum to 1. */
  weight: number;
  score: { composite: number | null; confidence: number };
  /** The ML prediction (model, horizon, probability up); null when the model has no answer for the symbol. */
  prediction: PredictionResponse | null;
}

export interface SectorWeight {
  sector: string;
  weight: number;
}

export interface SectorSuggestion {
  symbol: string;
  name: string;
  composite: number | null;
}

export interface SectorGap {
  sector: string;
  portfolioWeight: number;
  benchmarkWeight: number;
  /** portfolio − benchmark: negative means under-weight. */
  gap: number;
  /** Best-scored names of the sector not already held; only for under-weight sectors. */
  suggestions: SectorSuggestion[];
}

export interface MarketProxyInfo {
  kind: 'equal-weighted-sample';
  /** Sample names that had history and went into the proxy. */
  symbols: string[];
}

export interface PortfolioAnalysis {
  basis: HoldingsBasis;
  horizon: ScoreHorizon;
  benchmark: PortfolioBenchmark;
  lookback: PortfolioLookback;
  currency: 'USD';
  /** Σ quantity × price; null for a weight portfolio. */
  totalValue: number | null;
  /** Symbol → weight (0..1, summing to 1). */
  weights: Record<string, number>;
  holdings: HoldingAnalysis[];
  risk: RiskMetrics & { marketProxy: MarketProxyInfo };
  sectorExposure: SectorWeight[];
  benchmarkWeighting: 'market-cap' | 'equal';
  sectorGaps: SectorGap[];
  diversification: Diversification;
  /** Symbols the provider does not know; left out of every figure. */
  unknown: string[];
  notes: string[];
  /** Latest quote time among the holdings. */
  asOf: string;
  /** When this analysis was computed (unchanged while it is served from the cache). */
  computedAt: string;
  /** True when this answer came from the portfolio cache. */
  servedFromCache: boolean;
}
