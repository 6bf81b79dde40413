import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SymbolInfo } from '../market-data.types';
import { GICS_SECTORS, generateCompanyName, generateTicker, isGicsSector, type GicsSector } from './synthetic-names';
import { SeededRandom } from './synthetic-random';

/** Per-symbol parameters of the return model in `synthetic-series.ts` (daily units). */
export interface SymbolModel {
  /** Loading on the market factor. */
  beta: number;
  /** Loading on its sector's factor. */
  sectorLoading: number;
  /** Long-run standard deviation of the idiosyncratic daily log return. */
  idioVol: number;
  /** Close just before the first generated bar. */
  startPrice: number;
  /** Expected daily log return, before the volatility correction. */
  drift: number;
  /** Shares traded on an average day. */
  averageVolume: number;
}

export interface SyntheticSymbol {
  info: SymbolInfo;
  sector: GicsSector;
  model: SymbolModel;
  /** A real, current S&P 500 constituent (as opposed to a generated symbol). */
  sp500: boolean;
}

export interface SyntheticUniverse {
  /** Real S&P 500 constituents first (file order), then generated symbols. */
  symbols: readonly SyntheticSymbol[];
  bySymbol: ReadonlyMap<string, SyntheticSymbol>;
}

export interface Constituent {
  symbol: string;
  name: string;
  sector: GicsSector;
  industry: string;
}

export const SP500_CONSTITUENTS_CSV = join(__dirname, 'data', 'sp500-constituents.csv');

// Defensive sectors move less than the market, cyclical and growth ones more.
const SECTOR_RISK: Record<GicsSector, number> = {
  'Communication Services': 1.05,
  'Consumer Discretionary': 1.1,
  'Consumer Staples': 0.7,
  Energy: 1.15,
  Financials: 1.0,
  'Health Care': 0.9,
  Industrials: 1.0,
  'Information Technology': 1.2,
  Materials: 1.0,
  'Real Estate': 0.9,
  Utilities: 0.65,
};

/** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

export function parseConstituents(csv: string): Constituent[] {
  const [header, ...rows] = parseCsv(csv);
  const column = (name: string): number => {
    const index = header?.indexOf(name) ?? -1;
    if (index < 0) throw new Error(`S&P 500 constituents CSV has no "${name}" column`);
    return index;
  };
  const [symbol, security, sector, industry] = ['Symbol', 'Security', 'GICS Sector', 'GICS Sub-Industry'].map(column);
  return rows.map((row) => {
    const sectorName = row[sector]?.trim() ?? '';
    if (!isGicsSector(sectorName)) throw new Error(`Unknown GICS sector "${sectorName}" for ${row[symbol]}`);
    return { symbol: row[symbol].trim().toUpperCase(), name: row[security].trim(), sector: sectorName, industry: row[industry].trim() };
  });
}

export function loadSp500Constituents(path = SP500_CONSTITUENTS_CSV): Constituent[] {
  return parseConstituents(readFileSync(path, 'utf8'));
}

/**
 * Builds the universe for a seed: every real constituent (even if `size` is smaller, so `sp500`
 * stays complete), then generated symbols up to `size`. Generated identities come from one
 * sequential stream, so a larger universe extends a smaller one instead of reshuffling it.
 */
export function buildSyntheticUniverse(
  seed: number,
  size: number,
  constituents: readonly Constituent[] = loadSp500Constituents(),
): SyntheticUniverse {
  const symbols: SyntheticSymbol[] = constituents.map((c) => createSymbol(seed, c, true));
  const takenTickers = new Set(constituents.map((c) => c.symbol.replace(/\W/g, '')));
  constituents.forEach((c) => takenTickers.add(c.symbol));
  const takenNames = new Set(constituents.map((c) => c.name));
  const industries = industriesBySector(constituents);
  const sectorWeights = GICS_SECTORS.map((s) => 10 + constituents.filter((c) => c.sector === s).length);
  const rng = SeededRandom.of(seed, 'universe');
  while (symbols.length < size) {
    const sector = GICS_SECTORS[rng.weightedIndex(sectorWeights)];
    const name = generateCompanyName(rng, sector, takenNames);
    const symbol = generateTicker(rng, name, takenTickers);
    symbols.push(createSymbol(seed, { symbol, name, sector, industry: rng.pick(industries.get(sector) ?? [sector]) }, false));
  }
  return { symbols, bySymbol: new Map(symbols.map((s) => [s.info.symbol, s])) };
}

function industriesBySector(constituents: readonly Constituent[]): Map<GicsSector, string[]> {
  const result = new Map<GicsSector, string[]>();
  for (const c of constituents) {
    const list = result.get(c.sector) ?? [];
    if (!list.includes(c.industry)) list.push(c.industry);
    result.set(c.sector, list);
  }
  return result;
}

// Keyed on the symbol alone, so a ticker's parameters do not depend on universe size or order.
function createSymbol(seed: number, c: Constituent, sp500: boolean): SyntheticSymbol {
  const rng = SeededRandom.of(seed, 'model', c.symbol);
  const marketCap = sp500
    ? Math.min(4e12, Math.max(6e9, rng.logNormal(4e10, 1.0)))
    : Math.min(5e11, Math.max(5e7, rng.logNormal(1.5e9, 1.4)));
  const risk = SECTOR_RISK[c.sector];
  // Small caps carry more idiosyncratic risk than mega caps.
  const sizePremium = 1 + 0.12 * Math.max(0, 11 - Math.log10(marketCap));
  const startPrice = Math.min(800, Math.max(3, rng.logNormal(45, 0.9)));
  const model: SymbolModel = {
    beta: rng.clampedNormal(risk, 0.25, 0.3, 2.2),
    sectorLoading: rng.clampedNormal(0.9, 0.25, 0.3, 1.6),
    idioVol: rng.logNormal(0.012, 0.25) * risk * sizePremium,
    startPrice,
    drift: rng.clampedNormal(0.08, 0.07, -0.1, 0.3) / 252,
    averageVolume: Math.max(20_000, Math.round((marketCap / startPrice) * rng.logNormal(0.006, 0.4))),
  };
  const nasdaqShare = sp500 ? (c.sector === 'Information Technology' ? 0.55 : 0.2) : 0.6;
  const draw = rng.uniform();
  const exchange = draw < nasdaqShare ? 'NASDAQ' : sp500 || draw < 0.95 ? 'NYSE' : 'NYSE American';
  return {
    info: {
      symbol: c.symbol,
      name: c.name,
      sector: c.sector,
      industry: c.industry,
      marketCap: Math.round(marketCap),
      exchange,
      currency: 'USD',
    },
    sector: c.sector,
    model,
    sp500,
  };
}
