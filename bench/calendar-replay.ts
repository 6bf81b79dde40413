/**
 * One simulated trading week through the real app (in process, synthetic provider, memory only)
 * with an injected clock: a caller asks for quotes, daily history, indicators and scores of N
 * symbols every 5 minutes and scans a universe every hour. Counts upstream calls (per provider
 * method, i.e. per policy, and per market period) and factory runs, and checks every answer given
 * during a session against what its policy allows. Used by `bench/calendar.bench.ts` (the week,
 * full size) and `test/e2e/calendar-replay.e2e-spec.ts` (a small replay in `npm test`).
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/bootstrap';
import { CacheEvents } from '../src/cache/cache.events';
import { DEFAULT_GRACE_PERCENT, DEFAULT_POLICY_TTL_SECONDS } from '../src/cache/cache-policies';
import { ManualClock } from '../src/clock';
import { IndicatorsService } from '../src/indicators/indicators.service';
import { isTradingDay, lastClosedSession, newYorkDateOf, newYorkInstant, sessionAt } from '../src/market-calendar';
import { MarketDataService } from '../src/market-data/market-data.service';
import { LimitedMarketDataProvider } from '../src/market-data/providers/limited.provider';
import { SyntheticMarketDataProvider } from '../src/market-data/providers/synthetic.provider';
import { ScansService } from '../src/scans/scans.service';
import { ScanRequestDto } from '../src/scans/scans.dto';
import { ScoresService } from '../src/scores/scores.service';
import { QUIET_BENCH_ENV } from './bench-app';

export type TtlMode = 'fixed' | 'calendar';
export type Period = 'session' | 'night' | 'weekend';
export const PERIODS: readonly Period[] = ['session', 'night', 'weekend'];
/** Provider method → the policy whose factory calls it. */
export const UPSTREAM_POLICY = { getQuote: 'price', getHistory: 'history', getInfo: 'info', listSymbols: 'tickers' } as const;
type UpstreamMethod = keyof typeof UPSTREAM_POLICY;

export interface ReplayOptions {
  mode: TtlMode;
  /** New York date the replay starts on, at 00:00 (a Monday for "a week"). */
  from: string;
  /** Days replayed (7: Monday 00:00 to Sunday 24:00). */
  days: number;
  /** Symbols the caller asks about every step (the first of the S&P 500 list). */
  symbols: number;
  /** Size of the synthetic universe, scanned hourly as `universe: all` (never fewer than its ~503 S&P 500 names). */
  scanSize: number;
  /** Scan a smaller market instead (a sector slug: `utilities`); its infos come with the list, as with `all`. @default 'all' */
  scanUniverse?: string;
  stepMinutes?: number;
  scanEveryMinutes?: number;
  seed?: number;
}

export interface Violation {
  at: string;
  what: string;
  detail: string;
}

export interface ReplayResult {
  mode: TtlMode;
  upstream: { total: number; byPolicy: Record<string, number>; byPeriod: Record<Period, number>; byPolicyPeriod: Record<string, Record<Period, number>> };
  /** Factory runs per policy (recomputations; upstream calls are the ones of price, history, info, tickers). */
  factories: Record<string, number>;
  /** Simulated minutes per period (the week's shares). */
  minutes: Record<Period, number>;
  answers: number;
  sessionAnswersChecked: number;
  violations: Violation[];
  violationCount: number;
  /** Oldest quote answered during a session, in seconds since it last could have changed. */
  maxSessionQuoteAgeS: number;
  wallMs: number;
}

const MINUTE = 60_000;
// What the price policy allows: its TTL, plus its grace for an answer served stale while one refresh runs.
const PRICE_ALLOWED_MS = DEFAULT_POLICY_TTL_SECONDS.price * 1000 * (1 + DEFAULT_GRACE_PERCENT / 100);
const INDICATOR_NAMES = ['sma20', 'rsi14'];

export function periodOf(epochMs: number): Period {
  if (sessionAt(epochMs)) return 'session';
  return isTradingDay(newYorkDateOf(epochMs)) ? 'night' : 'weekend';
}

const zeroPeriods = (): Record<Period, number> => ({ session: 0, night: 0, weekend: 0 });

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  const step = (options.stepMinutes ?? 5) * MINUTE;
  const scanEvery = (options.scanEveryMinutes ?? 60) * MINUTE;
  const start = newYorkInstant(options.from, 0);
  const end = newYorkInstant(new Date(Date.parse(`${options.from}T00:00:00Z`) + options.days * 86_400_000).toISOString().slice(0, 10), 0);
  const clock = new ManualClock(start);
  const seed = options.seed ?? 42;
  const universeSize = Math.max(options.scanSize, options.symbols, 10);
  const { app } = await createApp(
    {
      ...QUIET_BENCH_ENV,
      REDIS_ENABLED: 'false',
      CACHE_TTL_RULES: options.mode,
      SYNTHETIC_SEED: String(seed),
      SYNTHETIC_UNIVERSE_SIZE: String(universeSize),
      SIGNALS_REFRESH_INTERVAL_MS: '0',
      ALERTS_POLL_INTERVAL_MS: '0',
      // Every entry of the week fits: evictions would count as upstream calls in both modes alike.
      CACHE_L1_MAX_ENTRIES: '1000000',
      CACHE_L1_MAX_BYTES: String(8 * 1024 ** 3),
    },
    { clock },
  );
  try {
    await app.init();
    return await run(app, options, { clock, start, end, step, scanEvery, seed, universeSize, started });
  } finally {
    await app.close();
  }
}

async function run(
  app: NestFastifyApplication,
  options: ReplayOptions,
  ctx: { clock: ManualClock; start: number; end: number; step: number; scanEvery: number; seed: number; universeSize: number; started: number },
): Promise<ReplayResult> {
  const { clock } = ctx;
  const marketData = app.get(MarketDataService);
  const indicators = app.get(IndicatorsService);
  const scores = app.get(ScoresService);
  const scans = app.get(ScansService);
  const limited = app.get(LimitedMarketDataProvider);
  // The truth the answers are checked against: the same synthetic market, outside the service and uncounted.
  const truth = new SyntheticMarketDataProvider({ seed: ctx.seed, universeSize: ctx.universeSize, clock: () => clock.date() });

  const byPolicyPeriod: Record<string, Record<Period, number>> = {};
  for (const method of Object.keys(UPSTREAM_POLICY) as UpstreamMethod[]) {
    const policy = UPSTREAM_POLICY[method];
    byPolicyPeriod[policy] = zeroPeriods();
    const original = (limited[method] as (...args: unknown[]) => Promise<unknown>).bind(limited);
    (limited as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      byPolicyPeriod[policy][periodOf(clock.now())]++;
      return original(...args);
    };
  }
  const factories: Record<string, number> = {};
  app.get(CacheEvents, { strict: false }).on('factory', ({ policy, ok }) => {
    if (ok) factories[policy] = (factories[policy] ?? 0) + 1;
  });

  const symbols = (await truth.listSymbols('sp500')).slice(0, options.symbols).map((s) => s.symbol);
  const scanRequest = Object.assign(new ScanRequestDto(), { universe: options.scanUniverse ?? 'all', horizon: 'medium', limit: 50 });
  const minutes = zeroPeriods();
  const violations: Violation[] = [];
  let violationCount = 0;
  let answers = 0;
  let checked = 0;
  let maxQuoteAge = 0;
  const violate = (what: string, detail: string) => {
    violationCount++;
    if (violations.length < 20) violations.push({ at: clock.date().toISOString(), what, detail });
  };

  for (let t = ctx.start; t < ctx.end; t += ctx.step) {
    clock.set(t);
    const period = periodOf(t);
    minutes[period] += ctx.step / MINUTE;
    const session = period === 'session' ? sessionAt(t)! : undefined;
    // During a session every answer must carry the last final bar (yesterday's close) and a quote younger than the price policy allows.
    const lastFinal = session ? lastClosedSession(t).date : '';
    for (const symbol of symbols) {
      const [quote, bars, indicator, score] = [
        await marketData.getPrice(symbol),
        await marketData.getHistory(symbol, { interval: '1d', period: '3mo' }),
        await indicators.getIndicators(symbol, { names: INDICATOR_NAMES }),
        await scores.scoreSymbol(symbol, 'medium'),
      ];
      answers += 4;
      if (!session) continue;
      checked += 4;
      const age = t - Math.max(Date.parse(quote.asOf), session.open);
      maxQuoteAge = Math.max(maxQuoteAge, age);
      if (age > PRICE_ALLOWED_MS) violate('quote', `${symbol} asOf ${quote.asOf}: ${Math.round(age / 1000)} s old`);
      if ((bars.at(-1)?.date ?? '') < lastFinal) violate('history', `${symbol} ends ${bars.at(-1)?.date}, last close ${lastFinal}`);
      if ((indicator.asOf ?? '') < lastFinal) violate('indicators', `${symbol} asOf ${indicator.asOf}, last close ${lastFinal}`);
      if ((score.asOf ?? '') < lastFinal) violate('score', `${symbol} asOf ${score.asOf}, last close ${lastFinal}`);
    }
    if ((t - ctx.start) % ctx.scanEvery === 0) {
      const scan = await scans.scan(scanRequest);
      answers++;
      if (session) {
        checked++;
        for (const item of scan.results) {
          const close = (await truth.getHistory(item.symbol, { interval: '1d', period: '1mo' })).at(-1)?.close;
          if (item.price !== close) violate('scan', `${item.symbol} price ${item.price}, last close ${close}`);
        }
      }
    }
    await settle(limited);
  }

  const byPolicy: Record<string, number> = {};
  const byPeriod = zeroPeriods();
  for (const [policy, counts] of Object.entries(byPolicyPeriod)) {
    byPolicy[policy] = counts.session + counts.night + counts.weekend;
    for (const p of PERIODS) byPeriod[p] += counts[p];
  }
  return {
    mode: options.mode,
    upstream: { total: byPeriod.session + byPeriod.night + byPeriod.weekend, byPolicy, byPeriod, byPolicyPeriod },
    factories,
    minutes,
    answers,
    sessionAnswersChecked: checked,
    violations,
    violationCount,
    maxSessionQuoteAgeS: Math.round(maxQuoteAge / 1000),
    wallMs: Math.round(performance.now() - ctx.started),
  };
}

/** Lets the step's background refreshes finish before the clock moves on. */
async function settle(limited: LimitedMarketDataProvider): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  while (limited.stats().inFlight > 0 || limited.stats().queued > 0) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
