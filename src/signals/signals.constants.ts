/** The validated `signals` config slice, provided by the module from `ConfigService`. */
export const SIGNALS_CONFIG = Symbol('mc:signals-config');
/** The lease that lets one replica per interval recompute the signals. */
export const SIGNALS_LEASE = Symbol('mc:signals-lease');
/** Scheduler job name. */
export const SIGNALS_REFRESH_JOB = 'signals-refresh';
/** The stored screenings (`StateRecords<Screening>`): state, kept SIGNALS_SCREENING_RETENTION_HOURS after a day's last run. */
export const SCREENINGS = Symbol('mc:screenings');
