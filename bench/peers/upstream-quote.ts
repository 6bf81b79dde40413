const MS_PER_DAY = 86_400_000;
// As the service's Polygon provider: the last two daily bars of the last two calendar weeks.
const QUOTE_LOOKBACK_DAYS = 14;

/** An upstream refusal (429, 5xx...): the peers answer it as a failed request, as a naive handler would. */
export class UpstreamError extends Error {
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A peer's handler body: one Polygon-format aggregates call (the same one the service's provider
 * makes for a quote) turned into a quote object of the same shape. No retry, no limit: what a
 * handler behind `CacheInterceptor` or `cache-manager.wrap` would typically do.
 * @throws UpstreamError on a non-2xx answer
 */
export async function fetchUpstreamQuote(baseUrl: string, apiKey: string, symbol: string): Promise<Record<string, unknown>> {
  const now = Date.now();
  const path = `/v2/aggs/ticker/${encodeURIComponent(symbol)}/range/1/day/${isoDate(now - QUOTE_LOOKBACK_DAYS * MS_PER_DAY)}/${isoDate(now)}?adjusted=true&sort=asc&limit=50000`;
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!response.ok) {
    await response.arrayBuffer();
    throw new UpstreamError(response.status);
  }
  const json = (await response.json()) as { results?: { c: number; v: number; t: number }[] };
  const bars = json.results ?? [];
  const last = bars.at(-1);
  if (!last) throw new UpstreamError(404);
  const previousClose = bars.length > 1 ? bars[bars.length - 2].c : last.c;
  return {
    symbol,
    price: last.c,
    previousClose,
    change: last.c - previousClose,
    changePercent: previousClose === 0 ? 0 : ((last.c - previousClose) / previousClose) * 100,
    volume: last.v,
    asOf: new Date(last.t).toISOString(),
    currency: 'USD',
  };
}
