/** The validated `alerts` config slice, provided by the module from `ConfigService`. */
export const ALERTS_CONFIG = Symbol('mc:alerts-config');
/** The lease that lets one replica per interval poll the provider for alerted symbols. */
export const ALERTS_POLL_LEASE = Symbol('mc:alerts-poll-lease');

/** Scheduler job names. */
export const ALERTS_POLL_JOB = 'alerts-price-poll';
export const ALERTS_HEARTBEAT_JOB = 'alerts-sse-heartbeat';
