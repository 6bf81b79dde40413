/** The validated `warmup` config slice, provided by the module from `ConfigService`. */
export const WARMUP_CONFIG = Symbol('mc:warmup-config');
/** The lease that lets one replica at a time run the scheduled warmup. */
export const WARMUP_LEASE = Symbol('mc:warmup-lease');

/** Scheduler job names. */
export const WARMUP_CRON_JOB = 'cache-warmup';
export const REFRESH_AHEAD_JOB = 'cache-refresh-ahead';
export const LEASE_RENEW_JOB = 'cache-warmup-lease-renew';
