import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bar } from '../../src/market-data/market-data.types';
import { newYorkCloseIso, newYorkDate } from '../../src/market-data/providers/new-york-time';

export interface PolygonMockOptions {
  /** The only key accepted (as `Authorization: Bearer`); anything else gets 401. @default 'test-key' */
  apiKey?: string;
  /** Delay before every answer, ms. @default 0 */
  latencyMs?: number;
  /** Requests served at once; the ones beyond get 429 (like a per-second plan limit). @default Infinity */
  maxInFlight?: number;
  /** `Retry-After` sent with those 429s, seconds. @default none */
  retryAfterSeconds?: number;
  /** Bars per aggregates page before a `next_url`. @default 50000 */
  aggsPageSize?: number;
  /** Host written into `next_url`, to prove clients stay on their own base. @default the mock's own URL */
  nextUrlBase?: string;
}

/**
 * A canned answer for `script()`: JSON `body` or `raw` text; or a connection that `hang`s before
 * the headers, `stall`s after half the body, is `cut` after half the body, or `drip`s the body
 * one byte every `drip` ms (bytes keep coming, so only a whole-request deadline stops it).
 */
export interface MockReply {
  status?: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  hang?: boolean;
  stall?: boolean;
  cut?: boolean;
  drip?: number;
}

export interface RecordedRequest {
  /** Path and query as received. */
  url: string;
  authorization: string | undefined;
  /** When it arrived (`Date.now()`), for per-second counts. */
  at: number;
}

const MS_PER_HOUR = 3_600_000;

/**
 * A loopback HTTP server speaking the Polygon/Massive formats of shared/docs/upstream-formats.md:
 * aggregates (with `next_url` paging), previous close, ticker details and the ticker list. Data
 * comes from `setBars`; faults from `script` (one reply per matching request, in order) and
 * from the latency and in-flight options. Counts every request, for tests and benchmarks.
 */
export class PolygonMockServer {
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlightSeen = 0;
  private readonly bars = new Map<string, Bar[]>();
  private readonly details = new Map<string, Record<string, unknown>>();
  private readonly scripted: Array<{ match: RegExp; reply: MockReply }> = [];
  private readonly apiKey: string;

  private constructor(
    private readonly server: Server,
    private readonly options: PolygonMockOptions,
  ) {
    this.apiKey = options.apiKey ?? 'test-key';
  }

  static async start(options: PolygonMockOptions = {}): Promise<PolygonMockServer> {
    const server = createServer();
    const mock = new PolygonMockServer(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void mock.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return mock;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get calls(): number {
    return this.requests.length;
  }

  /** Daily bars of a symbol (ascending); it also becomes a known ticker. */
  setBars(symbol: string, bars: readonly Bar[]): this {
    this.bars.set(symbol, [...bars]);
    return this;
  }

  /** Overrides (or, with `null`, removes) the ticker-details object of a symbol. */
  setDetails(symbol: string, details: Record<string, unknown> | null): this {
    this.details.set(symbol, details ?? {});
    return this;
  }

  /** The next requests whose path+query match get these replies, one each, before normal service. */
  script(match: RegExp, ...replies: MockReply[]): this {
    for (const reply of replies) this.scripted.push({ match, reply });
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    this.requests.push({ url, authorization: req.headers.authorization, at: Date.now() });
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    res.on('close', () => this.inFlight--);
    if (this.inFlight > (this.options.maxInFlight ?? Infinity)) {
      const headers: Record<string, string> = this.options.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(this.options.retryAfterSeconds) };
      return this.send(res, { status: 429, headers, body: error('ERROR', "You've exceeded the maximum requests per minute") });
    }
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    const index = this.scripted.findIndex((s) => s.match.test(url));
    if (index >= 0) return this.send(res, this.scripted.splice(index, 1)[0].reply);
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return this.send(res, { status: 401, body: error('ERROR', 'Unknown API Key') });
    this.send(res, this.route(new URL(url, this.baseUrl)));
  }

  private route(url: URL): MockReply {
    const path = url.pathname.split('/').map(decodeURIComponent);
    if (path[1] === 'v2' && path[2] === 'aggs' && path[3] === 'ticker' && path[5] === 'range') return this.aggregates(url, path);
    if (path[1] === 'v2' && path[2] === 'aggs' && path[5] === 'prev') return this.previousClose(path[4]);
    if (path[1] === 'v3' && path[2] === 'reference' && path[3] === 'tickers' && path[4]) return this.tickerDetails(path[4]);
    if (url.pathname === '/v3/reference/tickers') return this.tickerList(url);
    return { status: 404, body: error('NOT_FOUND', 'Route not found') };
  }

  private aggregates(url: URL, [, , , , ticker, , , , from, to]: string[]): MockReply {
    const all = (this.bars.get(ticker) ?? []).filter((b) => b.date >= asDate(from) && b.date <= asDate(to));
    const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString() || 0);
    const pageSize = this.options.aggsPageSize ?? 50_000;
    const page = all.slice(offset, offset + pageSize);
    const body: Record<string, unknown> = envelope(ticker, page.length);
    if (page.length > 0) body.results = page.map(toAggregate);
    if (offset + pageSize < all.length) {
      const cursor = Buffer.from(String(offset + pageSize)).toString('base64url');
      body.next_url = `${this.options.nextUrlBase ?? this.baseUrl}${url.pathname}?cursor=${cursor}`;
    }
    return { body };
  }

  private previousClose(ticker: string): MockReply {
    const last = this.bars.get(ticker)?.at(-1);
    const body = envelope(ticker, last ? 1 : 0);
    if (last) body.results = [{ T: ticker, ...toAggregate(last), t: Date.parse(newYorkCloseIso(last.date)) }];
    return { body };
  }

  private tickerDetails(ticker: string): MockReply {
    const details = this.details.get(ticker) ?? (this.bars.has(ticker) ? defaultDetails(ticker) : undefined);
    if (!details || Object.keys(details).length === 0) return { status: 404, body: error('NOT_FOUND', 'Ticker not found.') };
    return { body: { status: 'OK', request_id: requestId(), results: details } };
  }

  private tickerList(url: URL): MockReply {
    const all = [...this.bars.keys()].sort().map((t) => this.details.get(t) ?? defaultDetails(t));
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString() || 0);
    const body: Record<string, unknown> = { status: 'OK', request_id: requestId(), count: 0, results: all.slice(offset, offset + limit) };
    body.count = (body.results as unknown[]).length;
    if (offset + limit < all.length) {
      const cursor = Buffer.from(String(offset + limit)).toString('base64url');
      body.next_url = `${this.options.nextUrlBase ?? this.baseUrl}/v3/reference/tickers?cursor=${cursor}&limit=${limit}`;
    }
    return { body };
  }

  private send(res: ServerResponse, reply: MockReply): void {
    if (reply.hang) return;
    const text = reply.raw ?? JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...reply.headers });
    if (reply.stall) {
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return;
    }
    if (reply.drip) {
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= text.length) return void (clearInterval(timer), res.end());
        res.write(text[sent++]);
      }, reply.drip);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (reply.cut) {
      // Destroy only once the headers and half the body are on the wire, or fetch sees no response at all.
      res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(text);
  }
}

/** Daily bars start at midnight New York, in ms (upstream-formats.md A.2). */
function toAggregate(bar: Bar): Record<string, unknown> {
  const t = Date.parse(newYorkCloseIso(bar.date)) - 16 * MS_PER_HOUR;
  return { v: bar.volume, vw: bar.close, o: bar.open, c: bar.close, h: bar.high, l: bar.low, t, n: 1000 };
}

/** `from`/`to` are `YYYY-MM-DD` or epoch ms. */
function asDate(value: string): string {
  return /^\d+$/.test(value) ? newYorkDate(Number(value)) : value;
}

function envelope(ticker: string, count: number): Record<string, unknown> {
  return { ticker, queryCount: count, resultsCount: count, adjusted: true, status: 'OK', request_id: requestId(), count };
}

function defaultDetails(ticker: string): Record<string, unknown> {
  return {
    ticker,
    name: `${ticker} Inc.`,
    market: 'stocks',
    locale: 'us',
    primary_exchange: 'XNAS',
    type: 'CS',
    active: true,
    currency_name: 'usd',
    market_cap: 1_000_000_000,
    sic_description: 'SERVICES-PREPACKAGED SOFTWARE',
  };
}

function error(status: string, text: string): Record<string, unknown> {
  // 403-style bodies carry `message`, the others `error` (upstream-formats.md A.5).
  return status === 'NOT_AUTHORIZED' || status === 'NOT_FOUND' ? { status, request_id: requestId(), message: text } : { status, request_id: requestId(), error: text };
}

function requestId(): string {
  return Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32);
}
