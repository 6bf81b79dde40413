import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'papaparse';

/** S&P 500 members as of April 2018: the list that matches the 2013-2018 price file. */
export const SP500_2018_CONSTITUENTS_CSV = join(__dirname, 'data', 'sp500-constituents-2018-04.csv');

/**
 * Price-file tickers renamed by April 2018, mapped to their name in the constituents list
 * (shared/data/README.md): with these, 501 of the 505 price tickers get a sector.
 */
export const SP500_2018_RENAMES: Readonly<Record<string, string>> = { CBG: 'CBRE', HCN: 'WELL', PCLN: 'BKNG' };

export interface Sp500Constituent2018 {
  symbol: string;
  name: string;
  /** Pre-September-2018 GICS sector names (e.g. `Telecommunication Services`). */
  sector: string;
}

/** `Symbol,Name,Sector` rows keyed by symbol (dot share classes, as in the price file). */
export async function loadSp500Constituents2018(path = SP500_2018_CONSTITUENTS_CSV): Promise<Map<string, Sp500Constituent2018>> {
  const { data } = parse<Record<string, string | undefined>>(await readFile(path, 'utf8'), { header: true, skipEmptyLines: true });
  const result = new Map<string, Sp500Constituent2018>();
  for (const row of data) {
    const symbol = row.Symbol?.trim().toUpperCase();
    if (!symbol) continue;
    result.set(symbol, { symbol, name: row.Name?.trim() || symbol, sector: row.Sector?.trim() || 'Unknown' });
  }
  return result;
}
