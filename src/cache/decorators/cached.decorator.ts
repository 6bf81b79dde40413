import type { CacheKey } from '../cache-keys';
import type { PolicyName } from '../cache-policies';
import type { WrapOptions } from '../cache-stack';
import { CacheService } from '../cache.service';

const serviceOf = new WeakMap<object, CacheService>();

function findCacheService(instance: object): CacheService {
  let found = serviceOf.get(instance);
  if (!found) {
    found = Object.values(instance).find((v): v is CacheService => v instanceof CacheService);
    if (!found) throw new Error(`@Cached on ${instance.constructor.name} needs a CacheService injected into the class`);
    serviceOf.set(instance, found);
  }
  return found;
}

/**
 * Caches an async method through `CacheService.wrap`, explicit about policy and key:
 * `@Cached('score', (symbol, horizon) => CacheKeys.score(symbol, horizon))`. The class must
 * inject `CacheService` (any property name); single-flight, grace and tiers all apply.
 */
export function Cached<A extends unknown[], R>(
  policy: PolicyName,
  keyOf: (...args: A) => CacheKey,
  options?: WrapOptions<R>,
): (target: object, name: string | symbol, descriptor: TypedPropertyDescriptor<(...args: A) => Promise<R>>) => void {
  return (_target, _name, descriptor) => {
    const original = descriptor.value;
    if (!original) return;
    descriptor.value = function (this: object, ...args: A): Promise<R> {
      return findCacheService(this).wrap(policy, keyOf(...args), () => original.apply(this, args), options);
    };
  };
}
