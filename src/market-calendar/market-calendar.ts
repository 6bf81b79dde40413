import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../clock/clock';
import type { AllConfig } from '../config/configuration';
import type { LifetimeFn } from '../cache/cache-policies';
import { calendarLifetime } from './cache-lifetimes';
import {
  currentOrNextSession,
  isTradingDay,
  lastClosedSession,
  newYorkDateOf,
  nextOpenAfter,
  sessionAt,
  type Session,
} from './us-equity-calendar';
import { DEFAULT_VOLATILITY_TTL, realizedVolatilityPercent, volatilityTtlMs, type VolatilityTtlSettings } from './volatility-ttl';

/**
 * The exchange calendar at the service's clock, for features: is the market open, when does it
 * open or close next, how long should a value of a given volatility live. The rules themselves are
 * pure functions (`us-equity-calendar.ts`).
 */
@Injectable()
export class MarketCalendar {
  private readonly volatility: VolatilityTtlSettings;
  /** Whether lifetimes follow the calendar (`CACHE_TTL_RULES=calendar`). */
  readonly enabled: boolean;
  private readonly openMarginMs: number;

  constructor(
    private readonly clock: Clock,
    config: ConfigService<AllConfig, true>,
  ) {
    const settings = config.get('marketCalendar', { infer: true });
    this.enabled = settings.ttlRules === 'calendar';
    this.volatility = settings.volatility ?? DEFAULT_VOLATILITY_TTL;
    this.openMarginMs = settings.openMarginMs;
  }

  /** For `CacheModuleOptions.lifetime`: undefined with `CACHE_TTL_RULES=fixed`. */
  lifetime(): LifetimeFn | undefined {
    return this.enabled ? calendarLifetime({ openMarginMs: this.openMarginMs }) : undefined;
  }

  isOpen(at = this.clock.now()): boolean {
    return sessionAt(at) !== undefined;
  }

  isTradingDay(date: string): boolean {
    return isTradingDay(date);
  }

  /** The session in progress or the next one. */
  currentOrNextSession(at = this.clock.now()): Session {
    return currentOrNextSession(at);
  }

  lastClosedSession(at = this.clock.now()): Session {
    return lastClosedSession(at);
  }

  nextOpen(at = this.clock.now()): number {
    return nextOpenAfter(at);
  }

  /** Today in New York (`YYYY-MM-DD`). */
  today(at = this.clock.now()): string {
    return newYorkDateOf(at);
  }

  /**
   * The session lifetime of a value built from these daily closes (scores, scan records): short for
   * volatile names, long for calm ones. Undefined when lifetimes are fixed (the policy TTL applies).
   * Outside the session the calendar rule takes over (until the next open), whatever this says.
   */
  volatilityTtlMs(closes: readonly number[]): number | undefined {
    if (!this.enabled) return undefined;
    return volatilityTtlMs(realizedVolatilityPercent(closes), this.volatility);
  }
}
