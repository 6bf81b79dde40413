import type { EnvSchema } from './env.schema';

export interface AlertsConfig {
  /** How often the quotes of symbols with active alerts are polled from the provider, ms; 0 turns it off. @default 15000 */
  pollIntervalMs: number;
  /** SSE comment line sent to every stream this often, so proxies keep idle streams open, ms. @default 15000 */
  sseHeartbeatMs: number;
  /** Active alerts one caller may hold. @default 500 */
  maxPerCaller: number;
  /** Active alerts in all. @default 10000 */
  maxTotal: number;
  /** How long fired, expired and deleted alerts stay readable (`GET` shows their status), ms. @default 24 h */
  historyRetentionMs: number;
  /** Fired notifications the event log keeps for `Last-Event-ID` replays (approximately). @default 10000 */
  eventsMax: number;
  /** Open SSE streams per caller on one replica. @default 5 */
  sseMaxPerCaller: number;
  /** Open SSE streams on one replica. @default 200 */
  sseMaxStreams: number;
  /** Unsent bytes a stream's socket may hold before the stream is cut (slow reader). @default 65536 */
  sseMaxBufferBytes: number;
  webhook: {
    /** Deadline of one webhook POST, ms. @default 5000 */
    timeoutMs: number;
    /** Attempts in all (the first plus retries) before a delivery is given up. @default 4 */
    maxAttempts: number;
    /** Wait before the first retry, doubled each time, ms. @default 500 */
    backoffMs: number;
    /** Attempts in flight at once on one replica. @default 16 */
    maxConcurrency: number;
    /** Hosts that may be reached at a private address (and over http in production). @default [] */
    allowedHosts: string[];
    /** Plain http refused for hosts not allowed. @default true when NODE_ENV=production */
    httpsOnly: boolean;
  };
}

export function buildAlertsConfig(env: EnvSchema): AlertsConfig {
  return {
    pollIntervalMs: env.ALERTS_POLL_INTERVAL_MS ?? 15_000,
    sseHeartbeatMs: env.ALERTS_SSE_HEARTBEAT_MS ?? 15_000,
    maxPerCaller: env.ALERTS_MAX_PER_CALLER ?? 500,
    maxTotal: env.ALERTS_MAX_TOTAL ?? 10_000,
    historyRetentionMs: (env.ALERTS_HISTORY_RETENTION_HOURS ?? 24) * 3_600_000,
    eventsMax: env.ALERTS_EVENTS_MAX ?? 10_000,
    sseMaxPerCaller: env.ALERTS_SSE_MAX_PER_CALLER ?? 5,
    sseMaxStreams: env.ALERTS_SSE_MAX_STREAMS ?? 200,
    sseMaxBufferBytes: env.ALERTS_SSE_MAX_BUFFER_BYTES ?? 65_536,
    webhook: {
      timeoutMs: env.ALERTS_WEBHOOK_TIMEOUT_MS ?? 5000,
      maxAttempts: env.ALERTS_WEBHOOK_MAX_ATTEMPTS ?? 4,
      backoffMs: env.ALERTS_WEBHOOK_BACKOFF_MS ?? 500,
      maxConcurrency: env.ALERTS_WEBHOOK_MAX_CONCURRENCY ?? 16,
      allowedHosts: env.ALERTS_WEBHOOK_ALLOWED_HOSTS ?? [],
      httpsOnly: (env.NODE_ENV ?? 'development') === 'production',
    },
  };
}
