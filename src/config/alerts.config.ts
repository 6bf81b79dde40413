import type { EnvSchema } from './env.schema';

export interface AlertsConfig {
  /** How often the quotes of symbols with active alerts are polled from the provider, ms; 0 turns it off. @default 15000 */
  pollIntervalMs: number;
  /** SSE comment line sent to every stream this often, so proxies keep idle streams open, ms. @default 15000 */
  sseHeartbeatMs: number;
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
