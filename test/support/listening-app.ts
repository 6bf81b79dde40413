import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { createApp } from '../../src/bootstrap';

/** No background work (boot/cron warmups, refresh-ahead, disk tier) competes with a fault scenario. */
export const QUIET_APP_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  WARMUP_ON_BOOT: 'false',
  WARMUP_CRON: 'off',
  // Fixed TTLs: the tests run at any hour (lifetimes by the exchange calendar are tested with a ManualClock).
  CACHE_TTL_RULES: 'fixed',
  REFRESH_AHEAD_INTERVAL_MS: '0',
  DISK_CACHE_ENABLED: 'false',
};

export interface ListeningApp {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Every JSON log line the app wrote, in order. */
  logs: string[];
  /** GETs a path and parses the JSON body. */
  json: <T = Record<string, unknown>>(path: string) => Promise<{ status: number; body: T }>;
  close: () => Promise<void>;
}

/**
 * The real app (same `createApp` as `main.ts`) listening on a free loopback port, so load goes
 * over real sockets rather than `inject`; its log lines are captured instead of printed.
 * The caller closes it.
 */
export async function listenApp(env: Record<string, string>): Promise<ListeningApp> {
  const logs: string[] = [];
  // nestjs-pino keeps the first app's logger for lines outside a request (boot, Redis outages) for
  // the whole process: without this reset, a second app's such lines land in the first one's capture.
  __resetOutOfContextForTests();
  const prefix = `f${Math.random().toString(36).slice(2, 8)}:`;
  const { app } = await createApp({ ...QUIET_APP_ENV, REDIS_PREFIX: prefix, ...env }, { logDestination: { write: (line: string) => void logs.push(line) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  const json = async <T>(path: string) => {
    const response = await fetch(baseUrl + path);
    return { status: response.status, body: (await response.json()) as T };
  };
  return { app, baseUrl, logs, json, close: () => app.close() };
}

/** `/health`'s cache detail: which backend serves, the breaker, and whether that is degraded. */
export interface CacheHealth {
  backend: 'redis' | 'memory';
  breaker: string;
  degraded: boolean;
  /** `resets`: clients replaced because their connection was out of step; `lastReset`: the latest one. */
  redis: { enabled: boolean; roundTripMs: number | null; resets: number; lastReset: { at: string; reason: string } | null };
}

export async function cacheHealth(app: ListeningApp): Promise<CacheHealth> {
  const { body } = await app.json<{ details: { cache: CacheHealth } }>('/health');
  return body.details.cache;
}
