// Three projects so that `npm test` runs everything and each layer can run alone.
// ts-jest transpiles only (isolatedModules): `npm run typecheck` is the type check.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: `${__dirname}/tsconfig.spec.json` }] };
const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/../test/support/quiet-logger.ts', '<rootDir>/../test/support/loopback-only-dns.ts'],
};

module.exports = {
  testTimeout: 30_000,
  // Two workers on the 2-core CI machine: most files wait on sockets, child processes and timers,
  // so a second worker nearly halves the run (one worker: ~13 min) without starving the first.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testMatch: ['<rootDir>/**/*.spec.ts'] },
    { ...common, displayName: 'integration', rootDir: 'test', testMatch: ['<rootDir>/integration/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', rootDir: 'test', testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'] },
  ],
};
