import { createCache, type Cache } from 'cache-manager';
import { Keyv, type KeyvStoreAdapter, type StoredData } from 'keyv';
import { CacheKeys } from './cache-keys';
import type { CacheStack } from './cache-stack';

/**
 * A Keyv store whose storage is our whole stack, so `CACHE_MANAGER` (cache-manager 7) reads and
 * writes the same two tiers as `CacheService`, with our semantics: L1 backfill with L2's
 * remaining TTL, L2 deadline and breaker, lossless values. cache-manager's own multi-store
 * logic (full-TTL backfill, racing non-blocking get) is deliberately not used: it sees one store.
 */
export class StackKeyvStore implements KeyvStoreAdapter {
  opts: Record<string, unknown> = { dialect: 'market-cache-stack' };
  namespace?: string;

  constructor(private readonly stack: CacheStack) {}

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return (await this.stack.get<StoredData<Value>>(CacheKeys.nest(key)))?.value;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const results = await this.stack.getMany<StoredData<Value>>(keys.map((k) => CacheKeys.nest(k)));
    return results.map((r) => r?.value);
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.stack.set('default', CacheKeys.nest(key), value, ttl ? { ttlMs: ttl, graceMs: 0 } : { graceMs: 0 });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    await this.stack.delete([CacheKeys.nest(key)]);
    return true;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    await this.stack.delete(keys.map((k) => CacheKeys.nest(k)));
    return true;
  }

  async has(key: string): Promise<boolean> {
    return this.stack.has(CacheKeys.nest(key));
  }

  /** Clears only what Nest-style code wrote, never the rest of the prefix. */
  async clear(): Promise<void> {
    await this.stack.deleteByPattern(`${CacheKeys.nest('')}*`);
  }

  // Keyv subscribes to `error`; our stack never throws for storage reasons, so nothing to forward.
  on(): this {
    return this;
  }
}

/** The `CACHE_MANAGER` instance: cache-manager 7 over one Keyv backed by our stack. */
export function createNestCacheManager(stack: CacheStack): Cache {
  const keyv = new Keyv({ store: new StackKeyvStore(stack), useKeyPrefix: false });
  // Values reach our stack as objects; it does its own lossless encoding.
  keyv.serialize = undefined;
  keyv.deserialize = undefined;
  return createCache({ stores: [keyv] });
}
