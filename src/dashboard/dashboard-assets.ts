import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Asset {
  body: Buffer;
  contentType: string;
}

// Copied next to the compiled files by nest-cli.json's `assets`, so `__dirname` works from src/ and dist/.
const STATIC_DIR = join(__dirname, 'static');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The page's scripts and styles by the name the HTML uses; nothing else is ever served. */
const ASSET_FILES: Record<string, () => string> = {
  'dashboard.js': () => join(STATIC_DIR, 'dashboard.js'),
  'dashboard.css': () => join(STATIC_DIR, 'dashboard.css'),
  'login.js': () => join(STATIC_DIR, 'login.js'),
  // chart.js 4's self-contained UMD build, from the installed package: no CDN, works offline.
  // (Its `exports` map hides dist/, so locate it next to the CommonJS entry point.)
  'chart.umd.min.js': () => join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
};
export const ASSET_NAMES = Object.keys(ASSET_FILES);

const typeOf = (path: string) => TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/** The dashboard's static files, read once at boot (about 230 kB, chart.js included). */
@Injectable()
export class DashboardAssets {
  readonly page: Buffer = readFileSync(join(STATIC_DIR, 'index.html'));
  readonly loginPage: Buffer = readFileSync(join(STATIC_DIR, 'login.html'));
  private readonly assets = new Map<string, Asset>(
    Object.entries(ASSET_FILES).map(([name, locate]) => {
      const path = locate();
      return [name, { body: readFileSync(path), contentType: typeOf(path) }];
    }),
  );

  asset(name: string): Asset | undefined {
    return this.assets.get(name);
  }
}
