#!/usr/bin/env node
// The operators' CLI (`market-cache --help`). Runs the TypeScript source through ts-node in a
// clone (no build step), or the compiled dist/cli/main.js where ts-node is absent (production
// image, which has no devDependencies).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
let entry;
try {
  require('ts-node').register({ project: join(root, 'tsconfig.json'), transpileOnly: true });
  entry = join(root, 'src', 'cli', 'main.ts');
} catch {
  entry = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) {
    console.error('market-cache: neither ts-node (npm ci) nor a build (npm run build) is available');
    process.exit(1);
  }
}
// `market-cache keys | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error) => (error.code === 'EPIPE' ? process.exit(process.exitCode ?? 0) : undefined));
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
