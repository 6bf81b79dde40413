import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { ConfigInvalidError } from './common/errors';
import { loadRawProcessEnv } from './config/process-env';

async function main(): Promise<void> {
  const { app, config } = await createApp(loadRawProcessEnv());
  await app.listen({ port: config.app.port, host: config.app.host });
  Logger.log(`Market Cache Service listening on ${await app.getUrl()} (provider ${config.marketData.provider})`, 'Bootstrap');
}

main().catch((error: unknown) => {
  // A bad config is an operator's typo: print the list plainly, no stack trace.
  if (error instanceof ConfigInvalidError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
