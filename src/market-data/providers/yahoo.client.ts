import { Logger } from '@nestjs/common';
import {
  AppError,
  SymbolNotFoundError,
  UpstreamBadResponseError,
  UpstreamRateLimitedError,
  UpstreamUnavailableError,
} from '../../common/errors';

/** Per-call options the provider passes: the deadline's signal reaches every fetch of the call, crumb included. */
export interface YahooModuleOptions {
  fetchOptions: { signal: AbortSignal };
}

export interface YahooChartQuery {
  period1: Date;
  period2: Date;
  interval: '1d' | '1wk';
}

/**
 * The three `yahoo-finance2` 3.x methods the provider uses, results left `unknown` so the
 * provider validates what it reads. A `new YahooFinance()` satisfies it; tests pass a fake.
 */
export interface YahooFinanceClient {
  chart(symbol: string, query: YahooChartQuery, moduleOptions?: YahooModuleOptions): Promise<unknown>;
  quote(symbol: string, query: Record<string, never>, moduleOptions?: YahooModuleOptions): Promise<unknown>;
  quoteSummary(symbol: string, query: { modules: Array<'assetProfile' | 'price'> }, moduleOptions?: YahooModuleOptions): Promise<unknown>;
}

const PROVIDER = 'yahoo';
// Texts of Yahoo's `{code: "Not Found"}` errors, which the library rethrows as a plain Error.
const NOT_FOUND = /not found|no data found|delisted/i;
const TOO_MANY = /too many requests/i;

export interface YahooClientOptions {
  /** Size of the library's own request queue (it defaults to 4). */
  maxConcurrency: number;
  /** Replaces global fetch, so tests can drive the real library without network. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Creates the real client. Imported on demand: the library costs ~150 ms to load, which the
 * other providers should not pay at boot. Its queue is sized like ours so it never adds waiting.
 */
export async function createYahooFinanceClient(options: YahooClientOptions): Promise<YahooFinanceClient> {
  const { default: YahooFinance } = await import('yahoo-finance2');
  const logger = new Logger('YahooFinance');
  const log = (level: 'log' | 'warn' | 'error' | 'debug') => (...args: unknown[]) => logger[level](args.map(String).join(' '));
  return new YahooFinance({
    queue: { concurrency: options.maxConcurrency },
    // No calls home to npm from production; notices go through our logger, not console.
    versionCheck: false,
    suppressNotices: ['yahooSurvey'],
    // Its validation essay would be logged at ERROR per failure; mapYahooError names the field instead.
    validation: { logErrors: false },
    logger: { info: log('log'), warn: log('warn'), error: log('error'), debug: log('debug'), dir: log('debug') },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/**
 * Maps what `yahoo-finance2` throws to our domain errors. Errors are matched by `name`, not
 * `instanceof`: the library's classes may come from another copy of the module (or a realm).
 */
export function mapYahooError(error: unknown, symbol: string, timeoutMs: number): AppError {
  if (error instanceof AppError) return error;
  const { name, message, code } = describe(error);
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new UpstreamUnavailableError(PROVIDER, `timed out after ${timeoutMs} ms`, { cause: error });
  }
  if (name === 'HTTPError') {
    if (code === 429) return new UpstreamRateLimitedError(PROVIDER, undefined, { cause: error });
    if (code === 404) return new SymbolNotFoundError(symbol, { cause: error });
    return new UpstreamUnavailableError(PROVIDER, `HTTP ${code ?? 'error'}`, { cause: error });
  }
  if (name === 'FailedYahooValidationError') {
    return new UpstreamBadResponseError(PROVIDER, `response did not match the library schema${firstProblem(error)}`, { cause: error });
  }
  if (TOO_MANY.test(message)) return new UpstreamRateLimitedError(PROVIDER, undefined, { cause: error });
  if (NOT_FOUND.test(message)) return new SymbolNotFoundError(symbol, { cause: error });
  return new UpstreamUnavailableError(PROVIDER, `request failed (${name})`, { cause: error });
}

function describe(error: unknown): { name: string; message: string; code?: number } {
  if (typeof error !== 'object' || error === null) return { name: typeof error, message: String(error) };
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : '',
    code: typeof e.code === 'number' ? e.code : undefined,
  };
}

/** ` (/meta: Missing required properties)` from a FailedYahooValidationError's `errors`. */
function firstProblem(error: unknown): string {
  const errors = (error as { errors?: unknown }).errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (typeof first !== 'object' || first === null) return '';
  const { instancePath, message } = first as { instancePath?: unknown; message?: unknown };
  return typeof instancePath === 'string' && typeof message === 'string' ? ` (${instancePath || '/'}: ${message})` : '';
}
