import {
  buildPolicies,
  DEFAULT_GRACE_PERCENT,
  DEFAULT_POLICY_TTL_SECONDS,
  type PolicySettings,
  type PolicyName,
} from '../cache/cache-policies';
import type { EnvSchema } from './env.schema';
import { parseHostPort, type RedisNodeAddress } from './redis-env.decorators';

export type { RedisNodeAddress } from './redis-env.decorators';

/** Which Redis deployment L2 talks to. */
export type RedisTopologyKind = 'standalone' | 'cluster' | 'sentinel';

export interface RedisConnectionConfig {
  /** `cluster` when REDIS_CLUSTER_NODES is set, `sentinel` when REDIS_SENTINELS is. @default 'standalone' */
  topology: RedisTopologyKind;
  /** Standalone only. Full URL; built from host/port/db/tls when REDIS_URL is unset. */
  url: string;
  /** ACL user and password of the data nodes, in every topology. */
  username?: string;
  password?: string;
  /** TLS to the data nodes (not to the Sentinels). */
  tls: boolean;
  tlsInsecure: boolean;
  /** PEM file of the CA(s) to trust for the data nodes' certificates (REDIS_TLS_CA_FILE); read at boot. */
  tlsCaFile?: string;
  /** @default 2000 */
  connectTimeoutMs: number;
  /** Cluster only: seed nodes; the others are discovered from them. */
  clusterNodes?: RedisNodeAddress[];
  /** Sentinel only. */
  sentinel?: {
    nodes: RedisNodeAddress[];
    /** @default 'mymaster' */
    masterName: string;
    password?: string;
    /** REDIS_DB. @default 0 */
    database: number;
  };
}

export interface CacheConfig {
  /** @default true (the service still starts, on memory, when Redis is absent) */
  redisEnabled: boolean;
  redis: RedisConnectionConfig;
  /** Every key starts with this. @default 'mc:' */
  prefix: string;
  l1: {
    /** @default 10000 */ maxEntries: number;
    /** @default 64 MiB */ maxBytes: number;
    /** @default 1 MiB */ maxEntryBytes: number;
  };
  http: {
    /** Responses larger than this are answered but not cached per request: the value behind them is. @default 256 KiB */
    maxEntryBytes: number;
  };
  l2: {
    /** Deadline of every Redis operation, enforced by us (node-redis' timeout misses a frozen server). @default 100 */
    timeoutMs: number;
  };
  breaker: {
    /** Failure percentage in the rolling window that opens the breaker. @default 50 */ errorPercent: number;
    /** Calls needed in the window before the breaker may open. @default 5 */ minRequests: number;
    /** @default 10000 */ windowMs: number;
    /** How long it stays open before one half-open probe. @default 5000 */ openMs: number;
  };
  bus: {
    /** Publish writes/invalidations so other replicas drop their L1 copy. @default true */ enabled: boolean;
    /** L1 lifetime cap while the bus is down. @default 5000 */ downTtlMs: number;
  };
  lock: {
    /** One factory run per cold key across replicas (Redis lease). @default true */ enabled: boolean;
    /** @default 10000 */ leaseMs: number;
    /** How long other replicas wait for the holder's value. @default 5000 */ waitMs: number;
  };
  policies: Record<PolicyName, PolicySettings>;
}

const POLICY_ENV: Record<PolicyName, keyof EnvSchema> = {
  price: 'CACHE_PRICE_TTL',
  history: 'CACHE_HISTORY_TTL',
  historyIntraday: 'CACHE_HISTORY_INTRADAY_TTL',
  info: 'CACHE_INFO_TTL',
  tickers: 'CACHE_TICKERS_TTL',
  indicators: 'CACHE_INDICATORS_TTL',
  score: 'CACHE_SCORE_TTL',
  prediction: 'CACHE_PREDICTION_TTL',
  portfolio: 'CACHE_PORTFOLIO_TTL',
  scan: 'CACHE_SCAN_TTL',
  signals: 'CACHE_SIGNALS_TTL',
  screening: 'CACHE_SCREENING_TTL',
  notFound: 'CACHE_NOT_FOUND_TTL',
  http: 'CACHE_DEFAULT_TTL',
  default: 'CACHE_DEFAULT_TTL',
};

function redisUrl(env: EnvSchema): string {
  if (env.REDIS_URL) return env.REDIS_URL;
  const scheme = env.REDIS_TLS ? 'rediss' : 'redis';
  const host = env.REDIS_HOST ?? '127.0.0.1';
  // IPv6 literals need brackets in a URL.
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${env.REDIS_PORT ?? 6379}/${env.REDIS_DB ?? 0}`;
}

// The schema has validated every item, so parsing cannot fail here.
const addresses = (list: readonly string[]): RedisNodeAddress[] => list.map((item) => parseHostPort(item)!);

function redisTopology(env: EnvSchema): Pick<RedisConnectionConfig, 'topology' | 'clusterNodes' | 'sentinel'> {
  if (env.REDIS_CLUSTER_NODES) return { topology: 'cluster', clusterNodes: addresses(env.REDIS_CLUSTER_NODES) };
  if (!env.REDIS_SENTINELS) return { topology: 'standalone' };
  return {
    topology: 'sentinel',
    sentinel: {
      nodes: addresses(env.REDIS_SENTINELS),
      masterName: env.REDIS_SENTINEL_MASTER ?? 'mymaster',
      password: env.REDIS_SENTINEL_PASSWORD,
      database: env.REDIS_DB ?? 0,
    },
  };
}

export function buildCacheConfig(env: EnvSchema): CacheConfig {
  const ttl = { ...DEFAULT_POLICY_TTL_SECONDS };
  for (const [policy, variable] of Object.entries(POLICY_ENV) as [PolicyName, keyof EnvSchema][]) {
    const override = env[variable];
    // `http` keeps its own short default unless CACHE_DEFAULT_TTL is meant for it too.
    if (typeof override === 'number' && policy !== 'http') ttl[policy] = override;
  }
  const url = redisUrl(env);
  return {
    redisEnabled: env.REDIS_ENABLED ?? true,
    redis: {
      ...redisTopology(env),
      url,
      username: env.REDIS_USERNAME,
      password: env.REDIS_PASSWORD,
      tls: url.startsWith('rediss://') || (env.REDIS_TLS ?? false),
      tlsInsecure: env.REDIS_TLS_INSECURE ?? false,
      tlsCaFile: env.REDIS_TLS_CA_FILE,
      connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS ?? 2000,
    },
    prefix: env.REDIS_PREFIX ?? 'mc:',
    l1: {
      maxEntries: env.CACHE_L1_MAX_ENTRIES ?? 10_000,
      maxBytes: env.CACHE_L1_MAX_BYTES ?? 64 * 1024 * 1024,
      maxEntryBytes: env.CACHE_L1_MAX_ENTRY_BYTES ?? 1024 * 1024,
    },
    http: { maxEntryBytes: env.CACHE_HTTP_MAX_ENTRY_BYTES ?? 256 * 1024 },
    l2: { timeoutMs: env.CACHE_L2_TIMEOUT_MS ?? 100 },
    breaker: {
      errorPercent: env.CACHE_BREAKER_ERROR_PERCENT ?? 50,
      minRequests: env.CACHE_BREAKER_MIN_REQUESTS ?? 5,
      windowMs: env.CACHE_BREAKER_WINDOW_MS ?? 10_000,
      openMs: env.CACHE_BREAKER_OPEN_MS ?? 5_000,
    },
    bus: { enabled: env.CACHE_BUS_ENABLED ?? true, downTtlMs: env.CACHE_BUS_DOWN_L1_TTL_MS ?? 5_000 },
    lock: { enabled: env.CACHE_LOCK_ENABLED ?? true, leaseMs: env.CACHE_LOCK_LEASE_MS ?? 10_000, waitMs: env.CACHE_LOCK_WAIT_MS ?? 5_000 },
    policies: buildPolicies(ttl, env.CACHE_GRACE_PERCENT ?? DEFAULT_GRACE_PERCENT),
  };
}
