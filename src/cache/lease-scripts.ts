/**
 * Lease scripts that stay correct whatever order a client delivers them in. node-redis 5.12.1's
 * Sentinel client can run a command issued later before one issued earlier on the same client
 * (`docs/node-redis-sentinel-reorder.md`), so "the release runs after the SET it undoes" does not
 * hold. A release therefore leaves a tombstone for its token (`leaseMs` long), and an acquire is one
 * script that refuses when its own token's tombstone exists: a release that overtakes its acquire
 * still wins, and no lease outlives its holder.
 */

// ACQUIRE (KEYS: lease, tombstone; ARGV: token, ttl ms) → 1 held, 0 someone else holds it, -1 already released.
export const ACQUIRE_LEASE = `if redis.call('exists', KEYS[2]) == 1 then return -1 end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

// RELEASE (KEYS: lease, tombstone; ARGV: token, tombstone ms) → 1 when this call deleted the lease.
export const RELEASE_LEASE = `redis.call('set', KEYS[2], '1', 'PX', ARGV[2])
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** True when Redis Cluster would hash `key` by a `{tag}` inside it. */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open < 0) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}

/**
 * The tombstone of `token` on the (full) lease key, in the lease key's hash slot so both scripts
 * stay single-slot on a Cluster: the key's own tag when it has one, else the whole key as the tag.
 * It starts with the lease key, so it stays inside `REDIS_PREFIX` (an ACL user limited to the prefix
 * may write it). A key with a stray `{` or `}` but no tag cannot be given one that way: its
 * tombstone is tagged in front (outside the prefix) or may sit in another slot; ours have none.
 */
export function tombstoneKey(leaseKey: string, token: string): string {
  if (hasHashTag(leaseKey) || leaseKey.includes('}')) return `${leaseKey}:tomb:${token}`;
  if (leaseKey.includes('{')) return `{${leaseKey}}:tomb:${token}`;
  return `${leaseKey}:tomb:{${leaseKey}}:${token}`;
}
