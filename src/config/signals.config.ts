import type { ScoreHorizon } from '../scores/score-model';
import type { EnvSchema } from './env.schema';

export interface SignalsConfig {
  /** How often one replica recomputes the active signals, ms; 0 turns the schedule off. @default 900000 (15 min) */
  refreshIntervalMs: number;
  /** Universe screened (`all`, `sp500` or a sector slug). @default 'sp500' */
  universe: string;
  /** @default 'medium' */
  horizon: ScoreHorizon;
  /** How long a day's screening is kept after its last run, ms (state store). @default 24 h */
  screeningRetentionMs: number;
  thresholds: {
    /** Composite at or above this is a `strong` signal. @default 80 */
    compositeHigh: number;
    /** Composite at or below this is a `weak` signal. @default 20 */
    compositeLow: number;
    /** Momentum at or above this is a `momentum` signal. @default 90 */
    momentumHigh: number;
    /** Records with less confidence (0..1) never signal. @default 0.5 */
    minConfidence: number;
  };
}

export function buildSignalsConfig(env: EnvSchema): SignalsConfig {
  return {
    refreshIntervalMs: env.SIGNALS_REFRESH_INTERVAL_MS ?? 15 * 60_000,
    universe: env.SIGNALS_UNIVERSE ?? 'sp500',
    horizon: (env.SIGNALS_HORIZON ?? 'medium') as ScoreHorizon,
    screeningRetentionMs: (env.SIGNALS_SCREENING_RETENTION_HOURS ?? 24) * 3600_000,
    thresholds: {
      compositeHigh: env.SIGNALS_COMPOSITE_HIGH ?? 80,
      compositeLow: env.SIGNALS_COMPOSITE_LOW ?? 20,
      momentumHigh: env.SIGNALS_MOMENTUM_HIGH ?? 90,
      minConfidence: (env.SIGNALS_MIN_CONFIDENCE_PERCENT ?? 50) / 100,
    },
  };
}
