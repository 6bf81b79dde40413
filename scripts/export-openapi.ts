// Writes docs/openapi.json from the real app, so the checked-in snapshot is exactly what /docs-json
// serves. test/e2e/openapi.e2e-spec.ts fails when they differ: run `npm run openapi` and commit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap';
import { buildOpenApiDocument, stableJson } from '../src/openapi/openapi';

/** The env the snapshot is built with; the test uses the same one. Routes do not depend on it. */
export const OPENAPI_SNAPSHOT_ENV = { NODE_ENV: 'test', REDIS_ENABLED: 'false', LOG_LEVEL: 'silent' } as const;
export const OPENAPI_SNAPSHOT_PATH = join(__dirname, '..', 'docs', 'openapi.json');

async function main(): Promise<void> {
  const { app } = await createApp({ ...OPENAPI_SNAPSHOT_ENV });
  try {
    await app.init();
    writeFileSync(OPENAPI_SNAPSHOT_PATH, stableJson(buildOpenApiDocument(app)));
    console.log(`Wrote ${OPENAPI_SNAPSHOT_PATH}`);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
