/**
 * `npm run bench:calendar`: issue 17's replay. One simulated trading week (Monday 00:00 to Sunday
 * 24:00 New York time) with an injected clock, through the real app in process (synthetic provider,
 * memory only): a caller asks for quotes, daily history (3 months), indicators (sma20, rsi14) and
 * medium scores of the first N S&P 500 symbols every 5 minutes, and scans a universe of M symbols
 * every hour (limit 50). Run once with fixed TTLs (`CACHE_TTL_RULES=fixed`, today's behaviour) and once
 * with the calendar and volatility rules; upstream calls per policy and per period (session, weekday
 * night, weekend/holiday), factory runs per policy, and every session answer checked against its
 * policy (bench/calendar-replay.ts). Writes the "Market calendar" section of docs/BENCHMARKS.md.
 *
 * Options: `--symbols 500 --scan 5000` (the issue's load; default 50 / 500, a tenth of it: see the
 * section for why), `--from 2026-12-07` (a Monday), `--holiday-week 2026-11-23` (a second week with
 * a holiday and an early close; `--holiday-week none` skips it).
 */
import { environment, recordTargets, table, writeSection, type TargetRow } from './report';
import { PERIODS, replay, type ReplayOptions, type ReplayResult } from './calendar-replay';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

const pct = (part: number, whole: number) => (whole === 0 ? '0 %' : `${((100 * part) / whole).toFixed(1)} %`);
const reduction = (before: number, after: number) => (before === 0 ? 0 : 1 - after / before);

async function week(base: Omit<ReplayOptions, 'mode'>): Promise<{ fixed: ReplayResult; calendar: ReplayResult }> {
  const fixed = await replay({ ...base, mode: 'fixed' });
  console.log(`fixed: ${fixed.upstream.total} upstream calls, ${fixed.violationCount} violations, ${(fixed.wallMs / 1000).toFixed(0)} s`);
  const calendar = await replay({ ...base, mode: 'calendar' });
  console.log(`calendar: ${calendar.upstream.total} upstream calls, ${calendar.violationCount} violations, ${(calendar.wallMs / 1000).toFixed(0)} s`);
  return { fixed, calendar };
}

function describe(title: string, base: Omit<ReplayOptions, 'mode'>, { fixed, calendar }: { fixed: ReplayResult; calendar: ReplayResult }): string {
  const policies = [...new Set([...Object.keys(fixed.upstream.byPolicy), ...Object.keys(calendar.upstream.byPolicy)])];
  const upstreamRows = policies.map((policy) => {
    const before = fixed.upstream.byPolicy[policy] ?? 0;
    const after = calendar.upstream.byPolicy[policy] ?? 0;
    return [policy, before, after, `${(100 * reduction(before, after)).toFixed(1)} %`];
  });
  upstreamRows.push(['**all**', fixed.upstream.total, calendar.upstream.total, `**${(100 * reduction(fixed.upstream.total, calendar.upstream.total)).toFixed(1)} %**`]);
  const totalMinutes = PERIODS.reduce((sum, p) => sum + fixed.minutes[p], 0);
  const periodRows = PERIODS.map((p) => [
    p,
    `${(fixed.minutes[p] / 60).toFixed(1)} h (${pct(fixed.minutes[p], totalMinutes)})`,
    `${fixed.upstream.byPeriod[p]} (${pct(fixed.upstream.byPeriod[p], fixed.upstream.total)})`,
    `${calendar.upstream.byPeriod[p]} (${pct(calendar.upstream.byPeriod[p], calendar.upstream.total)})`,
  ]);
  const factoryPolicies = [...new Set([...Object.keys(fixed.factories), ...Object.keys(calendar.factories)])].sort();
  const factoryRows = factoryPolicies.map((policy) => [policy, fixed.factories[policy] ?? 0, calendar.factories[policy] ?? 0]);
  const checks = (r: ReplayResult) =>
    `${r.sessionAnswersChecked} session answers checked, ${r.violationCount} older than their policy allows; oldest session quote ${r.maxSessionQuoteAgeS} s since it could last have changed (allowed 450 s: 300 s TTL + 150 s grace)`;
  return [
    `### ${title}`,
    '',
    `${base.from} 00:00 New York + ${base.days} days; ${base.symbols} symbols × (quote, history, indicators, score) every ${base.stepMinutes ?? 5} min, a ${base.scanSize}-symbol scan every ${base.scanEveryMinutes ?? 60} min; ${fixed.answers} answers per run.`,
    '',
    'Upstream calls (provider calls, by the policy whose factory made them):',
    '',
    table(['policy', 'fixed TTLs (today)', 'calendar + volatility', 'fewer'], upstreamRows),
    '',
    'By period (the week\'s minutes, and each run\'s upstream calls):',
    '',
    table(['period', 'share of the week', 'fixed TTLs', 'calendar + volatility'], periodRows),
    '',
    'Factory runs (computations, upstream or not) per policy:',
    '',
    table(['policy', 'fixed TTLs', 'calendar + volatility'], factoryRows),
    '',
    `Freshness: fixed: ${checks(fixed)}. Calendar: ${checks(calendar)}.`,
    '',
    `Bound: sessions are ${pct(fixed.minutes.session, totalMinutes)} of the week, and during them the policy TTLs apply as before (a quote every 5 minutes is a refresh every 5 minutes). Even if every call outside the sessions disappeared, this replay could not make fewer than its ${calendar.upstream.byPeriod.session} session calls: at most ${(100 * reduction(fixed.upstream.total, calendar.upstream.byPeriod.session)).toFixed(1)} % fewer than the fixed TTLs' ${fixed.upstream.total}. Outside the sessions the calendar removed ${(100 * reduction(fixed.upstream.byPeriod.night + fixed.upstream.byPeriod.weekend, calendar.upstream.byPeriod.night + calendar.upstream.byPeriod.weekend)).toFixed(1)} % of the calls (what is left: the closing quote and the day's bars at each close, the first fetch on Monday 00:00, and the 4-hour ticker lists).`,
    ...(calendar.violations.length ? ['', 'First violations (calendar):', '', ...calendar.violations.map((v) => `- ${v.at} ${v.what}: ${v.detail}`)] : []),
    '',
    `Wall time: ${(fixed.wallMs / 1000).toFixed(0)} s (fixed), ${(calendar.wallMs / 1000).toFixed(0)} s (calendar).`,
  ].join('\n');
}

async function main(): Promise<void> {
  const symbols = Number(option('symbols', '50'));
  const scanSize = Number(option('scan', '500'));
  const from = option('from', '2026-12-07');
  const holidayWeek = option('holiday-week', '2026-11-23');
  const base = { from, days: 7, symbols, scanSize };
  const regular = await week(base);
  const sections = [describe(`A regular week (${from})`, base, regular)];
  const rows: TargetRow[] = [];
  const cut = reduction(regular.fixed.upstream.total, regular.calendar.upstream.total);
  rows.push({
    scenario: `calendar TTLs, one simulated week (${symbols} symbols every 5 min, ${scanSize}-symbol scan hourly)`,
    comparedWith: 'fixed TTLs, same replay',
    target: '≥ 80 % fewer upstream calls',
    measured: `${regular.fixed.upstream.total} → ${regular.calendar.upstream.total} (${(100 * cut).toFixed(1)} % fewer)`,
    met: cut >= 0.8,
  });
  rows.push({
    scenario: 'calendar TTLs: session answers within their policy',
    comparedWith: 'every answer given during a session',
    target: '0 older than the policy allows',
    measured: `${regular.calendar.violationCount} of ${regular.calendar.sessionAnswersChecked}`,
    met: regular.calendar.violationCount === 0,
  });
  if (holidayWeek !== 'none') {
    const holidayBase = { ...base, from: holidayWeek };
    const holiday = await week(holidayBase);
    sections.push(describe(`A week with a holiday and an early close (${holidayWeek})`, holidayBase, holiday));
    const holidayCut = reduction(holiday.fixed.upstream.total, holiday.calendar.upstream.total);
    rows.push({
      scenario: `calendar TTLs, holiday week ${holidayWeek}`,
      comparedWith: 'fixed TTLs, same replay',
      target: '≥ 80 % fewer upstream calls',
      measured: `${holiday.fixed.upstream.total} → ${holiday.calendar.upstream.total} (${(100 * holidayCut).toFixed(1)} % fewer), ${holiday.calendar.violationCount} session violations`,
      met: holidayCut >= 0.8 && holiday.calendar.violationCount === 0,
    });
  }
  const body = [
    `Load: ${symbols === 500 && scanSize === 5000 ? "the issue's" : `a ${symbols === 50 && scanSize === 500 ? 'tenth' : 'fraction'} of the issue's (500 symbols, a 5,000-symbol scan; \`--symbols 500 --scan 5000\`)`}. Every symbol's keys are its own, so upstream calls scale with the symbols (tickers excepted); the fixed-TTL run costs 6 to 8 minutes at a tenth (each read of a 504-bar history from L1 is a \`v8.deserialize\` of about 1.3 ms, and fixed TTLs recompute indicators every 5 minutes and every scan record every hour), so an hour or more at full size. At a tenth the scan covers the synthetic universe's \`all\`, which never has fewer than its 503 S&P 500 names.`,
    '',
    '`npm run bench:calendar` (bench/calendar.bench.ts, bench/calendar-replay.ts): a simulated week through the real app with an injected `ManualClock`, synthetic provider, no Redis; fixed TTLs (`CACHE_TTL_RULES=fixed`, the behaviour before issue 17) against the calendar and volatility rules. Every answer given during a session is checked: a quote no older than the price policy allows (TTL + grace) since it could last have changed (its `asOf`, or the open), history, indicators and scores carrying the last closed session\'s bar, scan results priced at the last close.',
    '',
    table(['scenario', 'compared with', 'target', 'measured', 'met'], rows.map((r) => [r.scenario, r.comparedWith, r.target, r.measured, r.met ? 'yes' : '**no**'])),
    '',
    ...sections.flatMap((s) => [s, '']),
    environment(),
  ].join('\n');
  console.log(body);
  writeSection('Market calendar', body);
  recordTargets('calendar', rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
