import { CacheEvents } from '../../src/cache/cache.events';
import type { CacheModuleOptions } from '../../src/cache/cache.module-definition';
import type { PolicyName } from '../../src/cache/cache-policies';
import { CacheStack } from '../../src/cache/cache-stack';
import { CacheStats } from '../../src/cache/cache-stats';
import { CacheService } from '../../src/cache/cache.service';
import { RedisConnection } from '../../src/cache/redis-connection';
import { LocalTier } from '../../src/cache/tiers/local-tier';
import { buildCacheConfig } from '../../src/config/cache.config';
import { validateEnv } from '../../src/config/load-env';
import { freePort } from './free-port';

export interface BuiltCache {
  sut: CacheService;
  stack: CacheStack;
  events: CacheEvents;
  connection: RedisConnection;
  options: CacheModuleOptions;
  /** The `REDIS_PREFIX` in force, for tests that read Redis directly. */
  prefix: string;
  close(): Promise<void>;
}

const open: BuiltCache[] = [];

// Registered once per test file that imports the builder: nothing built here outlives its test.
// (Benchmarks import the builder outside Jest and close what they build themselves.)
if (typeof afterEach === 'function') {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.close()));
  });
}

/** Builds a `CacheService` the way `CacheModule` wires it, without Nest, for unit and integration tests. */
export class CacheBuilder {
  private readonly env: Record<string, string> = { REDIS_ENABLED: 'false', NODE_ENV: 'test' };
  private readonly tweaks: ((o: CacheModuleOptions) => void)[] = [];
  private failingL2 = false;

  /** A unique prefix per cache, so tests sharing a Redis never see each other's keys. */
  readonly prefix = `t${Math.random().toString(36).slice(2, 10)}:`;

  withL1Only(): this {
    this.env.REDIS_ENABLED = 'false';
    return this;
  }

  withRedis(url: string): this {
    Object.assign(this.env, { REDIS_ENABLED: 'true', REDIS_URL: url });
    return this;
  }

  /** L2 pointed at a port where nothing listens: every Redis call fails. */
  withFailingL2(): this {
    this.failingL2 = true;
    this.env.REDIS_ENABLED = 'true';
    return this;
  }

  withEnv(env: Record<string, string>): this {
    Object.assign(this.env, env);
    return this;
  }

  withPolicy(name: PolicyName, ttlMs: number, graceMs = 0): this {
    this.tweaks.push((o) => (o.policies[name] = { ...o.policies[name], ttlMs, graceMs, tags: [] }));
    return this;
  }

  withL1(bounds: Partial<CacheModuleOptions['l1']>): this {
    this.tweaks.push((o) => Object.assign(o.l1, bounds));
    return this;
  }

  withClock(now: () => number): this {
    this.tweaks.push((o) => (o.now = now));
    return this;
  }

  /** Builds; by default waits until a configured Redis is connected (pass false for "Redis absent at boot"). */
  async build(waitForRedis = true): Promise<BuiltCache> {
    if (this.failingL2) this.env.REDIS_URL = `redis://127.0.0.1:${await freePort()}`;
    const options: CacheModuleOptions = buildCacheConfig(validateEnv({ REDIS_PREFIX: this.prefix, ...this.env }));
    this.tweaks.forEach((tweak) => tweak(options));
    const events = new CacheEvents();
    const local = new LocalTier(options.l1);
    const connection = new RedisConnection(options, events, local);
    connection.onModuleInit();
    const stack = new CacheStack(local, connection.remote, options.policies, events, options.now, connection.lock);
    const sut = new CacheService(stack, new CacheStats(events), connection, options);
    const built: BuiltCache = { sut, stack, events, connection, options, prefix: options.prefix, close: () => connection.onModuleDestroy() };
    open.push(built);
    if (connection.client && waitForRedis && !this.failingL2) await waitUntil(() => connection.client!.isReady, 3000);
    return built;
  }
}

/** Polls `condition` every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
