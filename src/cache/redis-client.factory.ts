import { Logger } from '@nestjs/common';
import { createClient } from '@keyv/redis';
import { RESP_TYPES } from '@redis/client';
import type { RedisConnectionConfig } from '../config/cache.config';

/**
 * Creates the node-redis v5 client of the remote tier, through `@keyv/redis`' re-export (its
 * `createCluster`/`createSentinel` serve the other topologies). The tier drives the client
 * itself rather than through the `KeyvRedis` adapter: the adapter's offline queue hangs on a
 * dead Redis, its JSON serialization is lossy, and it has no pipelined MULTI or binary values.
 *
 * - `disableOfflineQueue`: while disconnected, commands fail at once instead of queueing
 *   until Redis returns (the hang that `createKeyv` shows in the research doc).
 * - reconnect forever with capped, jittered back-off: Redis absent at boot or restarted later is
 *   picked up without an app restart.
 * - replies of bulk strings come back as Buffers: cache entries are binary (V8 serializer).
 */
export function createRedisClient(config: RedisConnectionConfig, logger = new Logger('Redis')) {
  const client = createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: config.connectTimeoutMs,
      ...(config.tls ? { tls: true as const, rejectUnauthorized: !config.tlsInsecure } : {}),
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 6), 3000) + Math.floor(Math.random() * 100),
    },
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });

  let down = false;
  client.on('error', (error: Error) => {
    // One line per outage, not one per reconnect attempt; never the URL (it may hold a password).
    if (!down) logger.warn(`Redis unavailable, serving from memory until it returns: ${error.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log('Redis connection restored');
    down = false;
  });
  return client;
}

export type RedisClient = ReturnType<typeof createRedisClient>;
