import type { SeededRandom } from './synthetic-random';

/** The 11 GICS sectors, spelled as in the S&P constituents file. */
export const GICS_SECTORS = [
  'Communication Services',
  'Consumer Discretionary',
  'Consumer Staples',
  'Energy',
  'Financials',
  'Health Care',
  'Industrials',
  'Information Technology',
  'Materials',
  'Real Estate',
  'Utilities',
] as const;

export type GicsSector = (typeof GICS_SECTORS)[number];

/** `Information Technology` → `information-technology` (the form `listSymbols` accepts). */
export function sectorSlug(sector: string): string {
  return sector.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function isGicsSector(value: string): value is GicsSector {
  return (GICS_SECTORS as readonly string[]).includes(value);
}

const STEM_HEADS = [
  'Acu', 'Aero', 'Alta', 'Ampli', 'Apex', 'Arbor', 'Astra', 'Avan', 'Axi', 'Bella', 'Blue', 'Bri', 'Cala',
  'Cardi', 'Cas', 'Cel', 'Cogni', 'Cor', 'Crest', 'Cyto', 'Del', 'Dyna', 'Eco', 'Ela', 'Ener', 'Equi', 'Evo',
  'Fide', 'Flu', 'Fort', 'Gala', 'Geo', 'Glo', 'Hali', 'Helio', 'Hori', 'Hydra', 'Inno', 'Iso', 'Kine', 'Lumi',
  'Magna', 'Mari', 'Medi', 'Meri', 'Neo', 'Nexa', 'Nova', 'Omni', 'Opti', 'Ori', 'Pala', 'Peri', 'Pinna',
  'Prime', 'Quan', 'Radi', 'Sere', 'Sola', 'Stra', 'Summi', 'Syne', 'Tera', 'Thera', 'Tri', 'Uni', 'Vala',
  'Vecto', 'Veri', 'Vira', 'Vita', 'Xeno', 'Zeni',
];

const STEM_TAILS = [
  'bridge', 'cor', 'dex', 'dyne', 'gen', 'gon', 'lex', 'lia', 'lis', 'logic', 'mark', 'mont', 'nex', 'nova',
  'phire', 'point', 'quest', 'ris', 'scape', 'sphere', 'stone', 'tek', 'tron', 'vance', 'ven', 'vest', 'via',
  'vio', 'x', 'za',
];

const SECTOR_NOUNS: Record<GicsSector, readonly string[]> = {
  'Communication Services': ['Media', 'Communications', 'Networks', 'Interactive', 'Entertainment'],
  'Consumer Discretionary': ['Brands', 'Retail', 'Motors', 'Leisure', 'Apparel', 'Homes'],
  'Consumer Staples': ['Foods', 'Beverages', 'Consumer Products', 'Farms', 'Grocers'],
  Energy: ['Energy', 'Petroleum', 'Resources', 'Midstream', 'Oil & Gas'],
  Financials: ['Financial', 'Bancorp', 'Capital', 'Insurance', 'Trust'],
  'Health Care': ['Therapeutics', 'Biosciences', 'Pharmaceuticals', 'Medical', 'Health', 'Diagnostics'],
  Industrials: ['Industries', 'Aerospace', 'Logistics', 'Machinery', 'Systems'],
  'Information Technology': ['Technologies', 'Software', 'Semiconductor', 'Systems', 'Micro', 'Data'],
  Materials: ['Materials', 'Chemicals', 'Mining', 'Metals', 'Packaging'],
  'Real Estate': ['Realty', 'Properties', 'REIT', 'Land', 'Residential'],
  Utilities: ['Power', 'Utilities', 'Electric', 'Water', 'Gas & Electric'],
};

const LEGAL_FORMS = ['Inc.', 'Corp.', 'Holdings', 'Group', 'Co.', 'plc', ''];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VOWELS = /[AEIOU]/g;

/** A company name not yet in `taken` (which it updates), e.g. `Novagen Therapeutics Inc.`. */
export function generateCompanyName(rng: SeededRandom, sector: GicsSector, taken: Set<string>): string {
  let name = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    const form = rng.pick(LEGAL_FORMS);
    name = `${rng.pick(STEM_HEADS)}${rng.pick(STEM_TAILS)} ${rng.pick(SECTOR_NOUNS[sector])}${form ? ` ${form}` : ''}`;
    if (!taken.has(name)) break;
  }
  if (taken.has(name)) name = `${name} ${taken.size}`;
  taken.add(name);
  return name;
}

/**
 * A 3-5 letter ticker not yet in `taken` (which it updates). Derived from the name first, as
 * real tickers mostly are (`Novagen` → `NOVA`, `NVGN`), then random letters.
 */
export function generateTicker(rng: SeededRandom, name: string, taken: Set<string>): string {
  const letters = name.split(' ')[0].toUpperCase().replace(/[^A-Z]/g, '');
  const consonants = letters[0] + letters.slice(1).replace(VOWELS, '');
  const candidates = [
    letters.slice(0, 4),
    letters.slice(0, 3),
    consonants.slice(0, 4),
    consonants.slice(0, 3),
    letters.slice(0, 2) + consonants.slice(-2),
    letters.slice(0, 5),
  ];
  for (const candidate of candidates) {
    if (candidate.length >= 3 && !taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
  for (;;) {
    const length = 3 + rng.int(3);
    let ticker = letters[0];
    while (ticker.length < length) ticker += LETTERS[rng.int(LETTERS.length)];
    if (!taken.has(ticker)) {
      taken.add(ticker);
      return ticker;
    }
  }
}
