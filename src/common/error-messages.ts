/** Texts shown to clients for errors whose own message must not leak (internal faults). */
export const ERROR_MESSAGES = {
  internal: 'Internal error; quote the requestId when reporting it',
  upstreamUnavailable: 'The market-data provider is unavailable and no cached value exists; retry shortly',
  upstreamRateLimited: 'The market-data provider is rate limiting us and no cached value exists; retry shortly',
} as const;
