import { UpstreamBadResponseError } from '../../common/errors';
import type { Bar } from '../market-data.types';
import { newYorkDate } from './new-york-time';

const PROVIDER = 'polygon';

/** The fields of `/v3/reference/tickers/{T}` (and of each list element) that we use. */
export interface PolygonTicker {
  ticker: string;
  name: string;
  marketCap: number | null;
  industry: string | null;
  exchange: string | null;
  currency: string | null;
}

function bad(message: string): UpstreamBadResponseError {
  return new UpstreamBadResponseError(PROVIDER, message);
}

function optionalNumber(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`${field} is not a number`);
  return value;
}

function requiredNumber(value: unknown, field: string): number {
  const n = optionalNumber(value, field);
  if (n === null) throw bad(`${field} is missing`);
  return n;
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * Daily bars of one aggregates page. A missing `results` means no bars (upstream-formats.md A.2);
 * any element without numeric `c`, `v`, `t` makes the whole page bad: a partial series would be
 * cached as if it were the truth. `o`/`h`/`l` may be absent (→ null), as our Bar allows.
 */
export function parseAggregateBars(body: Record<string, unknown>): Bar[] {
  const results = body.results;
  if (results === undefined || results === null) return [];
  if (!Array.isArray(results)) throw bad('aggregates results is not an array');
  return results.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw bad(`aggregates results[${i}] is not an object`);
    const r = item as Record<string, unknown>;
    return {
      // Daily bars start at midnight New York: its date there is the trading day.
      date: newYorkDate(requiredNumber(r.t, `results[${i}].t`)),
      open: optionalNumber(r.o, `results[${i}].o`),
      high: optionalNumber(r.h, `results[${i}].h`),
      low: optionalNumber(r.l, `results[${i}].l`),
      close: requiredNumber(r.c, `results[${i}].c`),
      volume: requiredNumber(r.v, `results[${i}].v`),
    };
  });
}

/**
 * One ticker from the reference endpoints. Only `ticker` and `name` are required; `market_cap`
 * (USD), `sic_description`, `primary_exchange` (a MIC such as XNAS) and `currency_name` are
 * optional in practice, so their absence is `null`, not an error.
 */
export function parseTicker(value: unknown, where: string): PolygonTicker {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${where} is not an object`);
  const r = value as Record<string, unknown>;
  const ticker = optionalString(r.ticker);
  if (ticker === null) throw bad(`${where}.ticker is missing`);
  return {
    ticker: ticker.toUpperCase(),
    name: optionalString(r.name) ?? ticker,
    marketCap: optionalNumber(r.market_cap, `${where}.market_cap`),
    industry: optionalString(r.sic_description),
    exchange: optionalString(r.primary_exchange),
    currency: optionalString(r.currency_name)?.toUpperCase() ?? null,
  };
}

/** `/v3/reference/tickers/{T}` → its `results` object. */
export function parseTickerDetails(body: Record<string, unknown>): PolygonTicker {
  return parseTicker(body.results, 'results');
}

/** One page of `/v3/reference/tickers?...`; a missing `results` is an empty page. */
export function parseTickerList(body: Record<string, unknown>): PolygonTicker[] {
  const results = body.results;
  if (results === undefined || results === null) return [];
  if (!Array.isArray(results)) throw bad('tickers results is not an array');
  return results.map((item, i) => parseTicker(item, `results[${i}]`));
}
