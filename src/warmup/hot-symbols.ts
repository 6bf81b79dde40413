import type { HotKey } from '../cache';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';

// Where the symbol sits in a logical key `v{n}:{policy}:{part}...` (see CacheKeys); policies
// whose keys carry no symbol (http responses are hashed, portfolio, signals...) are absent.
const SYMBOL_PART: Record<string, number> = { price: 2, history: 2, historyIntraday: 2, info: 2, indicators: 2, score: 2, prediction: 3 };
// Parts at the symbol's position that are not symbols (e.g. `score:leaders:...`).
const NOT_SYMBOLS = new Set(['http', 'leaders', 'result']);

/** The symbols behind the most requested keys, most requested first, at most `limit`. */
export function symbolsFromHotKeys(hotKeys: readonly HotKey[], limit: number): string[] {
  const symbols = new Set<string>();
  for (const { key } of hotKeys) {
    if (symbols.size >= limit) break;
    const parts = key.split(':');
    const at = SYMBOL_PART[parts[1]];
    const raw = at === undefined ? undefined : parts[at];
    if (!raw || NOT_SYMBOLS.has(raw)) continue;
    const symbol = safeDecode(raw)?.toUpperCase();
    if (symbol && SYMBOL_PATTERN.test(symbol)) symbols.add(symbol);
  }
  return [...symbols];
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
