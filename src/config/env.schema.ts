import { IsIn, IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { parseAnonymousScopes, parseClientCredentials } from './auth.config';
import { parseTrustProxy } from './http.config';
import { BoolVar, IntVar, ParsedVar, SecondsVar } from './env.decorators';
import { parseRatePerSecond } from './market-data.config';
import { CronVar, ListVar, TimeZoneVar } from './list-env.decorators';
import { HostPortListVar } from './redis-env.decorators';
import { WARM_POLICY_NAMES } from './warmup.config';
import { SYMBOL_PATTERN } from '../market-data/market-data.dto';
import { SCORE_HORIZONS } from '../scores/score-model';
import { isAllowedHostItem } from '../alerts/webhooks/webhook-target';

/**
 * Every environment variable the service reads, one validated field each. Defaults live in the
 * typed slices (`*.config.ts`), not here, so that "unset" stays distinguishable from "set".
 * `.env.example` documents each one.
 */
export class EnvSchema {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IntVar(0, 65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  /** Graceful shutdown: how long in-flight requests may drain after SIGTERM. */
  @IntVar(0, 120_000) SHUTDOWN_GRACE_MS?: number;
  /** Graceful shutdown: how long readiness answers 503 before the server stops accepting connections. */
  @IntVar(0, 60_000) SHUTDOWN_DELAY_MS?: number;

  // --- Redis (L2) ---
  @BoolVar() REDIS_ENABLED?: boolean;
  @IsOptional() @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must look like redis://host:port or rediss://...' })
  REDIS_URL?: string;
  @IsOptional() @IsString() REDIS_HOST?: string;
  @IntVar(1, 65535) REDIS_PORT?: number;
  @IsOptional() @IsString() REDIS_USERNAME?: string;
  @IsOptional() @IsString() REDIS_PASSWORD?: string;
  @IntVar(0, 15) REDIS_DB?: number;
  @BoolVar() REDIS_TLS?: boolean;
  /** Skip certificate verification (self-signed test setups only). */
  @BoolVar() REDIS_TLS_INSECURE?: boolean;
  /** PEM file of the CA(s) that signed the Redis server certificate (a private CA); default: Node's trusted CAs. */
  @IsOptional() @IsString() REDIS_TLS_CA_FILE?: string;
  /** Ends with `:`, so no pattern under it can reach another application's keys (`mc` would match `mcx:…`). */
  @IsOptional() @Matches(/^[A-Za-z0-9_.:-]{0,31}:$/, { message: 'REDIS_PREFIX must be 1-32 chars of [A-Za-z0-9_.:-] ending with ":"' })
  REDIS_PREFIX?: string;
  @IntVar(50, 60_000) REDIS_CONNECT_TIMEOUT_MS?: number;
  /** A separate standalone Redis for state (alerts, stored screenings, scheduling leases); unset: the cache's Redis. Credentials in the URL. */
  @IsOptional() @Matches(/^rediss?:\/\/\S+$/, { message: 'STATE_REDIS_URL must look like redis://host:port or rediss://...' })
  STATE_REDIS_URL?: string;
  /** Cluster mode: seed nodes `host:port,...` (the others are discovered); REDIS_URL/HOST/PORT/DB are then unused. */
  @HostPortListVar('REDIS_SENTINELS') REDIS_CLUSTER_NODES?: string[];
  /** Sentinel mode: the Sentinels `host:port,...`, which name the current master. */
  @HostPortListVar() REDIS_SENTINELS?: string[];
  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REDIS_SENTINEL_MASTER must be 1-64 chars of [A-Za-z0-9_.-]' })
  REDIS_SENTINEL_MASTER?: string;
  /** Password of the Sentinels themselves (REDIS_USERNAME/REDIS_PASSWORD are the data nodes'). */
  @IsOptional() @IsString() REDIS_SENTINEL_PASSWORD?: string;

  // --- L1 bounds ---
  @IntVar(1, 10_000_000) CACHE_L1_MAX_ENTRIES?: number;
  @IntVar(1024, 16 * 1024 ** 3) CACHE_L1_MAX_BYTES?: number;
  /** Values larger than this skip L1 (still cached in L2). */
  @IntVar(64, 1024 ** 3) CACHE_L1_MAX_ENTRY_BYTES?: number;
  /** HTTP responses larger than this are not cached as responses (the value behind them still is). */
  @IntVar(1024, 1024 ** 3) CACHE_HTTP_MAX_ENTRY_BYTES?: number;

  // --- L2 deadline and circuit breaker ---
  @IntVar(5, 10_000) CACHE_L2_TIMEOUT_MS?: number;
  @IntVar(1, 100) CACHE_BREAKER_ERROR_PERCENT?: number;
  @IntVar(1, 10_000) CACHE_BREAKER_MIN_REQUESTS?: number;
  @IntVar(100, 600_000) CACHE_BREAKER_WINDOW_MS?: number;
  @IntVar(50, 600_000) CACHE_BREAKER_OPEN_MS?: number;

  // --- Across replicas: invalidation bus and stampede lease ---
  @BoolVar() CACHE_BUS_ENABLED?: boolean;
  /** L1 lifetime cap while the bus is down (missed invalidations stay bounded). */
  @IntVar(100, 3_600_000) CACHE_BUS_DOWN_L1_TTL_MS?: number;
  @BoolVar() CACHE_LOCK_ENABLED?: boolean;
  @IntVar(100, 600_000) CACHE_LOCK_LEASE_MS?: number;
  @IntVar(0, 600_000) CACHE_LOCK_WAIT_MS?: number;

  // --- Policy TTLs and grace periods, seconds ---
  @SecondsVar() CACHE_PRICE_TTL?: number;
  @SecondsVar() CACHE_HISTORY_TTL?: number;
  @SecondsVar() CACHE_HISTORY_INTRADAY_TTL?: number;
  @SecondsVar() CACHE_INFO_TTL?: number;
  @SecondsVar() CACHE_TICKERS_TTL?: number;
  @SecondsVar() CACHE_INDICATORS_TTL?: number;
  @SecondsVar() CACHE_SCORE_TTL?: number;
  @SecondsVar() CACHE_PREDICTION_TTL?: number;
  @SecondsVar() CACHE_PORTFOLIO_TTL?: number;
  @SecondsVar() CACHE_SCAN_TTL?: number;
  @SecondsVar() CACHE_SIGNALS_TTL?: number;
  @SecondsVar() CACHE_SCREENING_TTL?: number;
  @SecondsVar() CACHE_NOT_FOUND_TTL?: number;
  @SecondsVar() CACHE_DEFAULT_TTL?: number;
  /** Grace (stale-while-revalidate) as a fraction of TTL, in percent; 0 turns grace off everywhere. */
  @IntVar(0, 10_000) CACHE_GRACE_PERCENT?: number;
  /** `calendar`: lifetimes follow the exchange calendar and, for scores and scan records, volatility; `fixed`: the TTLs only. */
  @IsOptional() @IsIn(['calendar', 'fixed']) CACHE_TTL_RULES?: string;
  /** A value cached while the market is closed stays fresh this many seconds past the next open. */
  @IntVar(0, 3600) MARKET_OPEN_MARGIN_SECONDS?: number;
  /** Session lifetime of scores and scan records of the most volatile names (seconds). */
  @SecondsVar() CACHE_VOLATILITY_TTL_MIN?: number;
  /** Session lifetime of scores and scan records of the calmest names (seconds). */
  @SecondsVar() CACHE_VOLATILITY_TTL_MAX?: number;
  /** Annualized realized volatility (%) from which a name gets the shortest lifetime. */
  @IntVar(1, 1000) CACHE_VOLATILITY_HIGH_PERCENT?: number;
  /** Annualized realized volatility (%) up to which a name gets the longest lifetime. */
  @IntVar(0, 1000) CACHE_VOLATILITY_LOW_PERCENT?: number;

  // --- Market data ---
  @IsOptional() @IsIn(['synthetic', 'csv', 'polygon', 'yahoo']) MARKET_DATA_PROVIDER?: string;
  @IntVar(0, 2 ** 31 - 1) SYNTHETIC_SEED?: number;
  @IntVar(10, 50_000) SYNTHETIC_UNIVERSE_SIZE?: number;
  /** A `.csv`/`.csv.gz` file or a folder of them; the csv provider refuses to boot without it. */
  @IsOptional() @IsString() MARKET_DATA_CSV_PATH?: string;
  /** Secret: sent only as a Bearer header, never logged; the polygon provider refuses to boot without it. */
  @IsOptional() @IsString() POLYGON_API_KEY?: string;
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'POLYGON_BASE_URL must be an http(s) URL' })
  POLYGON_BASE_URL?: string;
  /** Deadline of one upstream HTTP request (polygon, yahoo). */
  @IntVar(50, 120_000) UPSTREAM_TIMEOUT_MS?: number;
  /** Provider calls in flight at once, across all routes; more wait in a FIFO queue. */
  @IntVar(1, 1024) UPSTREAM_MAX_CONCURRENCY?: number;
  /** Retries after a 429/5xx (exponential back-off with jitter); 0 disables them. */
  @IntVar(0, 10) UPSTREAM_MAX_RETRIES?: number;
  /** Upstream calls per second for the whole cluster (shared through Redis), a decimal; unset = no budget. */
  @ParsedVar(parseRatePerSecond) UPSTREAM_RATE_PER_SECOND?: string;
  /** Calls the budget lets through at once before pacing; default 1. */
  @IntVar(1, 100_000) UPSTREAM_RATE_BURST?: number;
  /** How long an interactive call may wait for budget before a stale answer or a 503; default 2000. */
  @IntVar(0, 60_000) UPSTREAM_RATE_MAX_WAIT_MS?: number;

  // --- Warmup and refresh-ahead ---
  /** Default: true, false when NODE_ENV=test. */
  @BoolVar() WARMUP_ON_BOOT?: boolean;
  @IntVar(0, 600_000) WARMUP_BOOT_MAX_WAIT_MS?: number;
  @CronVar() WARMUP_CRON?: string;
  @TimeZoneVar() WARMUP_TIMEZONE?: string;
  @ListVar((s) => SYMBOL_PATTERN.test(s), 'symbols like AAPL or BRK.B') WARMUP_SYMBOLS?: string[];
  @IntVar(0, 10_000) WARMUP_TOP_N?: number;
  @ListVar((s) => (WARM_POLICY_NAMES as readonly string[]).includes(s), WARM_POLICY_NAMES.join(', ')) WARMUP_POLICIES?: string[];
  @IntVar(1, 256) WARMUP_CONCURRENCY?: number;
  /** 0 disables refresh-ahead. */
  @IntVar(0, 3_600_000) REFRESH_AHEAD_INTERVAL_MS?: number;
  @IntVar(1, 86_400_000) REFRESH_AHEAD_WITHIN_MS?: number;

  // --- Active signals ---
  /** 0 turns the scheduled recompute off (the route still computes on a cold read). */
  @IntVar(0, 86_400_000) SIGNALS_REFRESH_INTERVAL_MS?: number;
  @IsOptional() @Matches(/^[a-z0-9-]{1,40}$/, { message: 'SIGNALS_UNIVERSE must be all, sp500 or a sector slug' })
  SIGNALS_UNIVERSE?: string;
  @IsOptional() @IsIn(SCORE_HORIZONS) SIGNALS_HORIZON?: string;
  @IntVar(0, 100) SIGNALS_COMPOSITE_HIGH?: number;
  @IntVar(0, 100) SIGNALS_COMPOSITE_LOW?: number;
  @IntVar(0, 100) SIGNALS_MOMENTUM_HIGH?: number;
  @IntVar(0, 100) SIGNALS_MIN_CONFIDENCE_PERCENT?: number;
  /** How long a day's screening is kept after its last run (state: no cache operation removes it). */
  @IntVar(1, 24 * 366) SIGNALS_SCREENING_RETENTION_HOURS?: number;

  // --- Price alerts ---
  /** 0 turns the provider poll off (warmups and reads still feed prices to the alerts). */
  @IntVar(0, 3_600_000) ALERTS_POLL_INTERVAL_MS?: number;
  @IntVar(100, 600_000) ALERTS_SSE_HEARTBEAT_MS?: number;
  /** Active alerts per caller (429 ALERT_LIMIT_REACHED past it). */
  @IntVar(1, 1_000_000) ALERTS_MAX_PER_CALLER?: number;
  /** Active alerts in all. */
  @IntVar(1, 10_000_000) ALERTS_MAX_TOTAL?: number;
  /** Fired, expired and deleted alerts stay readable this long. */
  @IntVar(1, 720) ALERTS_HISTORY_RETENTION_HOURS?: number;
  /** Fired notifications kept for Last-Event-ID replays. */
  @IntVar(100, 1_000_000) ALERTS_EVENTS_MAX?: number;
  @IntVar(1, 10_000) ALERTS_SSE_MAX_PER_CALLER?: number;
  @IntVar(1, 100_000) ALERTS_SSE_MAX_STREAMS?: number;
  @IntVar(1024, 16_777_216) ALERTS_SSE_MAX_BUFFER_BYTES?: number;
  @IntVar(50, 120_000) ALERTS_WEBHOOK_TIMEOUT_MS?: number;
  @IntVar(1, 20) ALERTS_WEBHOOK_MAX_ATTEMPTS?: number;
  @IntVar(0, 600_000) ALERTS_WEBHOOK_BACKOFF_MS?: number;
  /** Webhook attempts in flight at once on one replica. */
  @IntVar(1, 1000) ALERTS_WEBHOOK_MAX_CONCURRENCY?: number;
  /** Hosts (names or IP literals, no scheme or port) a webhook may reach even at a private address, and over http in production. */
  @ListVar(isAllowedHostItem, 'host names or IP addresses, without scheme, port or path', 100) ALERTS_WEBHOOK_ALLOWED_HOSTS?: string[];

  // --- Disk tier (history, info, tickers) ---
  /** Default: true when NODE_ENV=development, false otherwise. */
  @BoolVar() DISK_CACHE_ENABLED?: boolean;
  @IsOptional() @IsString() DISK_CACHE_DIR?: string;
  @IntVar(1024 * 1024, 1024 ** 4) DISK_CACHE_MAX_BYTES?: number;

  // --- ML inference ---
  /** The model artifact loaded at boot; relative paths are from the repository root. @default 'models/momentum-v1.json' */
  @IsOptional() @IsString() MODEL_PATH?: string;

  // --- Admin ---
  @IsOptional() @IsString() @MinLength(16) @MaxLength(256) ADMIN_API_KEY?: string;
  /** Successful admin requests per minute per caller (all admin routes together). */
  @IntVar(1, 100_000) ADMIN_RATE_LIMIT_PER_MINUTE?: number;
  /** How often the admin dashboard samples the cache's counters (15 minutes are kept). */
  @IntVar(100, 60_000) DASHBOARD_SAMPLE_INTERVAL_MS?: number;

  // --- Callers (src/auth, docs/SECURITY.md) ---
  /** Client credentials `name:scope+scope:secret,...` (scopes: read, compute, alerts, admin); a name may repeat (rotation). */
  @ParsedVar(parseClientCredentials) CLIENT_CREDENTIALS?: string;
  /** A JSON file of client credentials (a mounted Secret), re-read when it changes. */
  @IsOptional() @IsString() CLIENT_CREDENTIALS_FILE?: string;
  /** How often CLIENT_CREDENTIALS_FILE is checked for a change, ms. */
  @IntVar(50, 600_000) CLIENT_CREDENTIALS_RELOAD_MS?: number;
  /** What callers without a credential may do: `none` or a list of read, compute, alerts. */
  @ParsedVar(parseAnonymousScopes) AUTH_ANONYMOUS_SCOPES?: string;
  /** Requests per minute per caller on the compute routes (scans, portfolio, batches); 0 = no budget. */
  @IntVar(0, 1_000_000) CALLER_COMPUTE_PER_MINUTE?: number;
  /** Failed admin authentications per minute per client IP (apart from ADMIN_RATE_LIMIT_PER_MINUTE). */
  @IntVar(1, 100_000) ADMIN_FAILED_AUTH_PER_MINUTE?: number;

  // --- HTTP server (src/config/http.config.ts, docs/SECURITY.md "HTTP hardening") ---
  /** The whole request (headers and body) must arrive within this, ms; 0 = no bound. */
  @IntVar(0, 3_600_000) HTTP_REQUEST_TIMEOUT_MS?: number;
  /** The request headers must arrive within this, ms (at most HTTP_REQUEST_TIMEOUT_MS). */
  @IntVar(1000, 3_600_000) HTTP_HEADERS_TIMEOUT_MS?: number;
  /** An idle keep-alive connection is closed after this, ms. */
  @IntVar(1000, 3_600_000) HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;
  /** A socket without traffic either way is closed after this, ms; 0 = off. */
  @IntVar(0, 3_600_000) HTTP_CONNECTION_TIMEOUT_MS?: number;
  /** Proxies whose X-Forwarded-* headers are believed: false, a hop count, or addresses/CIDRs. */
  @ParsedVar(parseTrustProxy) TRUST_PROXY?: string;
}
