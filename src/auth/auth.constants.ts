/** Throttler names (`X-RateLimit-*-<name>` headers). `admin` keeps its pre-existing name. */
export const ADMIN_THROTTLER = 'admin';
export const ADMIN_FAILURES_THROTTLER = 'admin-failures';
export const COMPUTE_THROTTLER = 'compute';
/** Every budget counts over one minute. */
export const BUDGET_WINDOW_MS = 60_000;
