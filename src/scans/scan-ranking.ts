import type { ScanItem, ScanRequestDto } from './scans.dto';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** Whether a scan record passes the request's filters; a missing figure fails a filter on it. */
export function matchesFilters(item: ScanItem, request: Pick<ScanRequestDto, 'sector' | 'minPrice' | 'minAvgVolume' | 'minScore'>): boolean {
  if (request.sector && slug(item.sector) !== slug(request.sector)) return false;
  if (request.minPrice !== undefined && (item.price ?? -1) < request.minPrice) return false;
  if (request.minAvgVolume !== undefined && (item.avgVolume ?? -1) < request.minAvgVolume) return false;
  if (request.minScore !== undefined && (item.composite ?? -1) < request.minScore) return false;
  return true;
}

/** Best composite first; unscored last; ties by confidence, then symbol for a stable order. */
export function rankItems(items: readonly ScanItem[]): ScanItem[] {
  return [...items].sort(
    (a, b) =>
      (b.composite ?? -Infinity) - (a.composite ?? -Infinity) || b.confidence - a.confidence || a.symbol.localeCompare(b.symbol),
  );
}
