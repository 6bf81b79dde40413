import { Logger } from '@nestjs/common';
import { InvalidArgumentError, SymbolNotFoundError, UpstreamBadResponseError, UpstreamRateLimitedError, UpstreamUnavailableError } from '../../common/errors';

export interface PolygonClientOptions {
  /** Secret: sent only as `Authorization: Bearer`, never in a URL, a log line or an error. */
  apiKey: string;
  /** e.g. `https://api.polygon.io` (or `https://api.massive.com`). */
  baseUrl: string;
  /** Deadline of one HTTP attempt, body included. */
  timeoutMs: number;
  /** Retries after 429 / 413 / 499 / 5xx; 0 disables them. */
  maxRetries: number;
  /** First back-off step; doubles per retry, full jitter. @default 500 */
  backoffBaseMs?: number;
  /** Longest single wait, also the longest `Retry-After` honoured: beyond it we fail fast. @default 10000 */
  backoffMaxMs?: number;
  /** Pages followed through `next_url` before stopping with a warning. @default 20 */
  maxPages?: number;
  /** Injected so tests can pin the jitter. @default Math.random */
  random?: () => number;
  /** Told of every 429 that carries a Retry-After (the rate budget pauses the provider for every replica). */
  onRateLimited?: (retryAfterMs: number) => void;
}

const PROVIDER = 'polygon';
// The statuses the official Python client retries (upstream-formats.md A.5).
const RETRIED = new Set([413, 429, 499, 500, 502, 503, 504]);
const MAX_ERROR_TEXT = 200;

/** One JSON page plus where the next one is. */
interface Page {
  body: Record<string, unknown>;
  nextPath?: string;
}

/**
 * The HTTP side of the Polygon/Massive provider: auth header, deadline, bounded retries with
 * exponential back-off and jitter (honouring `Retry-After`), `next_url` paging, and the mapping of
 * every failure to a domain error. Knows nothing of bars or tickers.
 */
export class PolygonClient {
  private readonly logger = new Logger(PolygonClient.name);
  private readonly baseUrl: string;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxPages: number;
  private readonly random: () => number;

  constructor(private readonly options: PolygonClientOptions) {
    // An empty key would also make `redact` mangle every error text.
    if (!options.apiKey) throw new InvalidArgumentError('polygon provider needs an API key (POLYGON_API_KEY)');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 10_000;
    this.maxPages = options.maxPages ?? 20;
    this.random = options.random ?? Math.random;
  }

  /**
   * GETs `path` and every `next_url` page after it, returning each page's JSON object.
   * @param symbol when given, a 404 means this symbol is unknown.
   * @throws SymbolNotFoundError, UpstreamRateLimitedError, UpstreamUnavailableError, UpstreamBadResponseError
   */
  async getPages(path: string, symbol?: string): Promise<Record<string, unknown>[]> {
    const pages: Record<string, unknown>[] = [];
    let next: string | undefined = path;
    while (next !== undefined) {
      if (pages.length === this.maxPages) {
        this.logger.warn(`Stopped after ${this.maxPages} pages of ${path}; the rest is left out`);
        break;
      }
      const page = await this.getPage(next, symbol);
      pages.push(page.body);
      next = page.nextPath;
    }
    return pages;
  }

  /** One page, no paging. Same errors as `getPages`. */
  async getJson(path: string, symbol?: string): Promise<Record<string, unknown>> {
    return (await this.getPage(path, symbol)).body;
  }

  private async getPage(path: string, symbol: string | undefined): Promise<Page> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.fetchOnce(path);
      if (response.ok) return this.parsePage(response, path);
      const text = this.redact(await response.text().catch(() => ''));
      const status = response.status;
      if (status === 404 && symbol !== undefined) throw new SymbolNotFoundError(symbol);
      if (status === 401 || status === 403) {
        throw new UpstreamUnavailableError(PROVIDER, `authorization rejected (HTTP ${status}${describe(text)}); check POLYGON_API_KEY and the plan`);
      }
      if (!RETRIED.has(status)) throw new UpstreamUnavailableError(PROVIDER, `HTTP ${status} for ${pathOnly(path)}${describe(text)}`);
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if (status === 429 && retryAfterMs !== undefined) this.options.onRateLimited?.(retryAfterMs);
      const waitMs = retryAfterMs ?? this.backoff(attempt);
      if (attempt >= this.options.maxRetries || waitMs > this.backoffMaxMs) {
        if (status === 429) throw new UpstreamRateLimitedError(PROVIDER, retryAfterMs);
        throw new UpstreamUnavailableError(PROVIDER, `HTTP ${status} for ${pathOnly(path)} after ${attempt + 1} attempts${describe(text)}`);
      }
      this.logger.warn(`HTTP ${status} for ${pathOnly(path)}; retry ${attempt + 1}/${this.options.maxRetries} in ${Math.round(waitMs)} ms`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  private async fetchOnce(path: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${this.options.apiKey}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw this.transportError(error, path);
    }
  }

  private async parsePage(response: Response, path: string): Promise<Page> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The deadline also covers the body; anything else means the body was cut short.
      if (isTimeout(error)) throw this.transportError(error, path);
      throw new UpstreamBadResponseError(PROVIDER, `truncated body for ${pathOnly(path)}`, { cause: error });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new UpstreamBadResponseError(PROVIDER, `malformed JSON for ${pathOnly(path)}`, { cause: error });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new UpstreamBadResponseError(PROVIDER, `expected a JSON object for ${pathOnly(path)}`);
    }
    const record = body as Record<string, unknown>;
    const nextUrl = record.next_url;
    if (nextUrl !== undefined && nextUrl !== null && typeof nextUrl !== 'string') {
      throw new UpstreamBadResponseError(PROVIDER, `next_url is not a string for ${pathOnly(path)}`);
    }
    return { body: record, nextPath: nextUrl ? this.nextPath(nextUrl) : undefined };
  }

  /**
   * Follows `next_url` on our own base URL (as the official client does): the key never goes to
   * a host we were not configured with, and a stray `apiKey` parameter is dropped.
   */
  private nextPath(nextUrl: string): string {
    let url: URL;
    try {
      url = new URL(nextUrl, this.baseUrl);
    } catch (error) {
      throw new UpstreamBadResponseError(PROVIDER, 'next_url is not a URL', { cause: error });
    }
    url.searchParams.delete('apiKey');
    return `${url.pathname}${url.search}`;
  }

  private transportError(error: unknown, path: string): UpstreamUnavailableError {
    const reason = isTimeout(error) ? `timed out after ${this.options.timeoutMs} ms` : 'network error';
    return new UpstreamUnavailableError(PROVIDER, `${reason} for ${pathOnly(path)}`, { cause: error });
  }

  /** Full jitter: a random wait in [0, base·2^attempt], capped. */
  private backoff(attempt: number): number {
    return this.random() * Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** attempt);
  }

  private redact(text: string): string {
    return text.split(this.options.apiKey).join('***').slice(0, MAX_ERROR_TEXT);
  }
}

/** Seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// Duck-typed: fetch's DOMException comes from another realm under Jest, so instanceof fails there.
function isTimeout(error: unknown): boolean {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Upstream's own error text (`error` or `message` key), for the operator; already redacted. */
function describe(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : undefined;
    return message ? `: ${message.slice(0, MAX_ERROR_TEXT)}` : '';
  } catch {
    return '';
  }
}

/** Logs and errors name the path, never the query (cursors are long and opaque). */
function pathOnly(path: string): string {
  return path.split('?')[0];
}
