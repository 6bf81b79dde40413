import { randomUUID } from 'node:crypto';
import { CliError, EXIT } from './cli-errors';

export interface ClientOptions {
  /** Base URL, without a trailing slash. */
  url: string;
  apiKey?: string;
  /** Per-request deadline, ms. */
  timeoutMs: number;
  /** 429s (and a write's 503 OUTCOME_UNKNOWN or 409 IDEMPOTENCY_KEY_IN_FLIGHT, same key) are retried after Retry-After this many times, then fail. */
  maxRetries?: number;
}

type Method = 'GET' | 'POST' | 'DELETE';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `message` of our error body (a string or a list), else undefined. */
export function errorMessage(text: string): string | undefined {
  try {
    const { message } = JSON.parse(text) as { message?: string | string[] };
    return Array.isArray(message) ? message.join('; ') : message;
  } catch {
    return undefined;
  }
}

/**
 * HTTP to a running service: sends the admin key, waits out 429s, and turns every failure into a
 * `CliError` with the exit code that says what happened (unreachable, auth, usage, failed).
 */
export class AdminClient {
  constructor(private readonly options: ClientOptions) {}

  get url(): string {
    return this.options.url;
  }

  async json<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    return JSON.parse(await response.text()) as T;
  }

  /** The response once it is a 2xx (its body unread, so a stream can be consumed). */
  async request(method: Method, path: string, body?: unknown, timeoutMs = this.options.timeoutMs): Promise<Response> {
    // One key per call, sent with every attempt: a retry after an unknown outcome is safe.
    const idempotency: Record<string, string> = method === 'GET' ? {} : { 'idempotency-key': randomUUID() };
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.options.url}${path}`, {
          method,
          headers: {
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}),
            ...idempotency,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new CliError(EXIT.unreachable, `Cannot reach ${this.options.url}: ${cause}`);
      }
      if (response.ok) return response;
      const text = await response.text();
      if (retryable(response.status, text) && attempt < (this.options.maxRetries ?? 5)) {
        await sleep(Math.max(1, Number(response.headers.get('retry-after')) || 1) * 1000);
        continue;
      }
      throw this.failure(response.status, path, errorMessage(text) ?? `HTTP ${response.status}`);
    }
  }

  private failure(status: number, path: string, message: string): CliError {
    const admin = path.startsWith('/api/v1/admin/');
    if (status === 401 || status === 403) return new CliError(EXIT.auth, `Refused by the service (${status}): ${message}`);
    if (status === 503 && admin) return new CliError(EXIT.auth, `The service's admin API is off (503): ${message}`);
    if (status === 400) return new CliError(EXIT.usage, `Rejected by the service: ${message}`);
    if (status === 502 || status === 504) return new CliError(EXIT.unreachable, `No answer through the gateway (${status}): ${message}`);
    return new CliError(EXIT.failed, `The service answered ${status}: ${message}`);
  }
}

/** Rate limited, or a write whose outcome is unknown / whose first attempt still runs (same key: safe). */
function retryable(status: number, text: string): boolean {
  if (status === 429) return true;
  const code = errorCode(text);
  return (status === 503 && code === 'OUTCOME_UNKNOWN') || (status === 409 && code === 'IDEMPOTENCY_KEY_IN_FLIGHT');
}

function errorCode(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
