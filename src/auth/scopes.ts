/**
 * What a caller may do. `read`: market data and everything derived per symbol (cached GETs);
 * `compute`: the expensive routes (scans, portfolio, batch predictions, batch prices), under a
 * per-caller budget; `alerts`: create, read, delete and stream its own alerts; `admin`: the
 * operator API and dashboard, and every other scope (see docs/SECURITY.md).
 */
export const SCOPES = ['read', 'compute', 'alerts', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** A caller holding `admin` holds every scope. */
export function expandScopes(scopes: Iterable<Scope>): ReadonlySet<Scope> {
  const set = new Set<Scope>(scopes);
  return set.has('admin') ? new Set<Scope>(SCOPES) : set;
}
