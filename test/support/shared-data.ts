import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The team's shared market data (`../shared/data` beside the checkout). A clone elsewhere (CI's
 * scratch directory) finds it through `SHARED_DATA_DIR` or the workspace's fixed location.
 */
const CANDIDATES = [process.env.SHARED_DATA_DIR, resolve(__dirname, '../../../shared/data'), '/work/shared/data'];

export const SHARED_DATA_DIR = CANDIDATES.find((dir): dir is string => !!dir && existsSync(join(dir, 'sp500-daily-sample-50.csv'))) ?? resolve(__dirname, '../../../shared/data');

/** A file of the shared data folder. */
export const sharedData = (file: string): string => join(SHARED_DATA_DIR, file);
