/** Name of the admin rate limit in `ThrottlerModule` (and of its `X-RateLimit-*-admin` headers). */
export const ADMIN_THROTTLER = 'admin';

/** The rate limit's window: `ADMIN_RATE_LIMIT_PER_MINUTE` counts over one minute. */
export const ADMIN_THROTTLE_WINDOW_MS = 60_000;

export const ADMIN_MESSAGES = {
  disabled: 'The admin API is disabled: set ADMIN_API_KEY (16-256 characters, e.g. `openssl rand -hex 32`) and restart to enable it',
  unauthorized: 'Missing or invalid admin API key: send it as the x-api-key header or as Authorization: Bearer <key>',
} as const;
