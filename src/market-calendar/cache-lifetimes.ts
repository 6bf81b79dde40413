import type { LifetimeRule } from '../cache/cache-policies';
import { currentOrNextSession, nextOpenAfter, sessionAt } from './us-equity-calendar';

export interface CalendarLifetimeOptions {
  /** A value cached while the market is closed stays fresh this long past the next open. @default 60 s */
  openMarginMs: number;
}

/**
 * Turns a policy's rule and TTL into the entry's real lifetime at `now`, by the exchange calendar:
 *
 * - `fixed`: the TTL.
 * - `quote`: in a session, the TTL, cut at the close (the closing quote is final); closed, until the
 *   next open plus the margin (nothing trades in between).
 * - `dailyBar`: until the next close (the next bar is final then), never longer than the TTL during a
 *   session; closed, until the next close whatever the TTL (a Friday evening bar set lives to
 *   Monday's close).
 * - `derived`: in a session, the TTL (the policy's, or the value's own: `ctx.setTtl`, `ttlMs: fn`);
 *   closed, until the next open plus the margin. Either way the cache caps it at the earliest
 *   lifetime of the cached values the factory read (`dependency-tracker.ts`).
 */
export function calendarLifetime(options: CalendarLifetimeOptions): (rule: LifetimeRule, ttlMs: number, now: number) => number {
  return (rule, ttlMs, now) => {
    if (rule === 'fixed') return ttlMs;
    const session = sessionAt(now);
    switch (rule) {
      case 'quote':
        return session ? Math.min(ttlMs, session.close - now) : nextOpenAfter(now) + options.openMarginMs - now;
      case 'dailyBar': {
        const untilClose = currentOrNextSession(now).close - now;
        return session ? Math.min(ttlMs, untilClose) : untilClose;
      }
      case 'derived':
        return session ? ttlMs : nextOpenAfter(now) + options.openMarginMs - now;
    }
  };
}
