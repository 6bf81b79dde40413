import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { createClient, createCluster, createSentinel } from '@keyv/redis';
import { RESP_TYPES } from '@redis/client';
import { ConfigInvalidError } from '../common/errors';
import type { RedisConnectionConfig, RedisNodeAddress } from '../config/cache.config';
import type { RedisTopology } from './redis-topology';
import { ClusterTopology } from './topologies/cluster.topology';
import { SentinelTopology } from './topologies/sentinel.topology';
import { reconnectDelay } from './topologies/reconnect-delay';
import { StandaloneTopology } from './topologies/standalone.topology';

// Bulk-string replies come back as Buffers: cache entries are binary (V8 serializer).
const BUFFER_REPLIES = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

/** The private CA of REDIS_TLS_CA_FILE, read once per client; unreadable stops the boot naming the variable. */
function trustedCa(config: RedisConnectionConfig): { ca?: Buffer } {
  if (!config.tlsCaFile) return {};
  try {
    return { ca: readFileSync(config.tlsCaFile) };
  } catch (error) {
    throw new ConfigInvalidError([`REDIS_TLS_CA_FILE: cannot read ${config.tlsCaFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

/**
 * Options of every connection to a data node (the standalone server, each cluster node, the
 * Sentinel-managed master). `disableOfflineQueue`: while disconnected, commands fail at once
 * instead of queueing until Redis returns (the hang that `createKeyv` shows in the research doc).
 */
function dataNodeOptions(config: RedisConnectionConfig) {
  return {
    username: config.username,
    password: config.password,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: config.connectTimeoutMs,
      ...(config.tls ? { tls: true as const, rejectUnauthorized: !config.tlsInsecure, ...trustedCa(config) } : {}),
      reconnectStrategy: reconnectDelay,
    },
  };
}

/**
 * A node-redis v5 client to one node: the standalone server (from the URL) or, given `node`, that
 * node (a Sentinel-named master, a cluster node; used for pub/sub connections). Through
 * `@keyv/redis`' re-exports; the tier drives node-redis itself rather than the `KeyvRedis` adapter,
 * whose offline queue hangs on a dead Redis and whose JSON serialization is lossy.
 */
export function createRedisClient(config: RedisConnectionConfig, node?: RedisNodeAddress) {
  const options = dataNodeOptions(config);
  const target = node
    ? { socket: { ...options.socket, host: node.host, port: node.port }, database: config.sentinel?.database }
    : { url: config.url };
  return createClient({ ...options, ...target }).withTypeMapping(BUFFER_REPLIES);
}

function createClusterClient(config: RedisConnectionConfig, seeds: readonly RedisNodeAddress[]) {
  return createCluster({
    rootNodes: seeds.map((seed) => ({ socket: { host: seed.host, port: seed.port } })),
    defaults: dataNodeOptions(config),
  }).withTypeMapping(BUFFER_REPLIES);
}

function createSentinelClient(config: RedisConnectionConfig, sentinel: NonNullable<RedisConnectionConfig['sentinel']>) {
  return createSentinel({
    name: sentinel.masterName,
    sentinelRootNodes: sentinel.nodes,
    nodeClientOptions: { ...dataNodeOptions(config), database: sentinel.database },
    sentinelClientOptions: { password: sentinel.password, socket: { connectTimeout: config.connectTimeoutMs } },
    // Master connection errors surface as 'error' (else they are swallowed), for the outage log.
    passthroughClientErrorEvents: true,
    // No retry rounds of its own: SentinelTopology retries the first connect (see there).
    maxCommandRediscovers: 0,
  }).withTypeMapping(BUFFER_REPLIES);
}

export type RedisClient = ReturnType<typeof createRedisClient>;
export type RedisClusterClient = ReturnType<typeof createClusterClient>;
export type RedisSentinelClient = ReturnType<typeof createSentinelClient>;

/**
 * The L2's Redis, in the configured topology (standalone, Cluster or Sentinel) behind one seam.
 * Logs one line per outage and one on recovery, never the URL (it may hold a password).
 */
export function createRedisTopology(config: RedisConnectionConfig, logger = new Logger('Redis')): RedisTopology {
  const topology = buildTopology(config);
  let down = false;
  topology.on('error', (error) => {
    if (!down) logger.warn(`Redis (${config.topology}) unavailable, serving from memory until it returns: ${error.message}`);
    down = true;
  });
  topology.on('ready', () => {
    if (down) logger.log(`Redis (${config.topology}) connection restored`);
    down = false;
  });
  return topology;
}

function buildTopology(config: RedisConnectionConfig): RedisTopology {
  const nodeClient = (node?: RedisNodeAddress) => createRedisClient(config, node);
  switch (config.topology) {
    case 'standalone':
      return new StandaloneTopology(createRedisClient(config), nodeClient, config.connectTimeoutMs);
    case 'cluster': {
      const seeds = config.clusterNodes ?? [];
      return new ClusterTopology(createClusterClient(config, seeds), seeds, nodeClient);
    }
    case 'sentinel': {
      if (!config.sentinel) throw new Error('Sentinel topology without sentinel settings');
      return new SentinelTopology(createSentinelClient(config, config.sentinel), nodeClient);
    }
    default: {
      const never: never = config.topology;
      throw new Error(`Unknown Redis topology ${String(never)}`);
    }
  }
}
