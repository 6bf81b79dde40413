import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMarketDataConfig, type MarketDataConfig } from '../config/market-data.config';
import type { EnvSchema } from '../config/env.schema';
import { SYNTHETIC_GENERATOR_VERSION } from './providers/synthetic.provider';
import { sourceIdentityOf } from './source-identity';

const config = (env: Partial<EnvSchema>): MarketDataConfig => buildMarketDataConfig(env as EnvSchema);

describe(sourceIdentityOf.name, () => {
  it('tells apart providers, seeds, universe sizes and remote base URLs, and never carries the API key', () => {
    const identities = [
      sourceIdentityOf(config({})),
      sourceIdentityOf(config({ SYNTHETIC_SEED: 7 })),
      sourceIdentityOf(config({ SYNTHETIC_UNIVERSE_SIZE: 600 })),
      sourceIdentityOf(config({ MARKET_DATA_PROVIDER: 'polygon', POLYGON_API_KEY: 'k-secret-1' })),
      sourceIdentityOf(config({ MARKET_DATA_PROVIDER: 'polygon', POLYGON_API_KEY: 'k-secret-1', POLYGON_BASE_URL: 'https://api.massive.com' })),
      sourceIdentityOf(config({ MARKET_DATA_PROVIDER: 'yahoo' })),
    ];
    expect(new Set(identities).size).toBe(identities.length);
    expect(identities.join('\n')).not.toContain('k-secret-1');
    expect(identities[0]).toContain(`v${SYNTHETIC_GENERATOR_VERSION}`);
  });

  it('changes for a CSV file when its size or modification time changes, and for another file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'source-identity-'));
    const file = join(dir, 'AAPL.csv');
    writeFileSync(file, 'date,close\n2018-01-02,1\n');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const csv = (path: string) => sourceIdentityOf(config({ MARKET_DATA_PROVIDER: 'csv', MARKET_DATA_CSV_PATH: path }));
    const first = csv(file);
    expect(csv(file)).toBe(first);
    expect(csv(dir)).not.toBe(first);

    utimesSync(file, 1_700_000_100, 1_700_000_100);
    const touched = csv(file);
    expect(touched).not.toBe(first);
    writeFileSync(file, 'date,close\n2018-01-02,1\n2018-01-03,2\n');
    utimesSync(file, 1_700_000_100, 1_700_000_100);
    expect(csv(file)).not.toBe(touched);
  });
});
