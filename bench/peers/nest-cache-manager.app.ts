/**
 * The peer the issue compares with: a minimal Nest 11 + Fastify app caching a GET route with
 * `@nestjs/cache-manager` 3's `CacheInterceptor`, as its documentation shows it, over the default
 * in-memory store or over Redis (Keyv + @keyv/redis). It serves `GET /api/v1/market/prices/:symbol`
 * (the service's route), answered from a Polygon-format upstream when one is given, else with a fixed
 * JSON body (to compare throughput on the same bytes), and `GET /health` (never cached).
 *
 * In-process: `startNestCacheManagerPeer(options)`. As its own process (a replica):
 * `spawnNestCacheManagerPeer(options)`, which runs this file with the options in env vars.
 */
import KeyvRedis from '@keyv/redis';
import { CacheInterceptor, CacheModule } from '@nestjs/cache-manager';
import { BadGatewayException, Controller, Get, Inject, Module, Param, UseInterceptors, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Keyv } from 'keyv';
import { join } from 'node:path';
import { startChildServer, type ChildServer } from '../load-harness';
import { fetchUpstreamQuote, UpstreamError } from './upstream-quote';

export interface NestCacheManagerPeerOptions {
  store: 'memory' | 'redis';
  /** Required with `store: 'redis'`. */
  redisUrl?: string;
  /** A Polygon-format upstream (e.g. test/support/polygon-mock.server.ts); without it, `body` is served. */
  upstreamUrl?: string;
  /** @default 'bench-key' */
  upstreamApiKey?: string;
  /** The fixed answer without an upstream: an object, or its JSON text. @default a ~1 KB quote-like object */
  body?: object | string;
  /** @default a free port */
  port?: number;
  /** Cache TTL, ms. @default 60000 */
  ttlMs?: number;
}

export interface PeerServer {
  url: string;
  close(): Promise<void>;
}

type PriceSource = (symbol: string) => Promise<unknown>;
const PRICE_SOURCE = Symbol('price-source');

@Controller()
class PeerController {
  constructor(@Inject(PRICE_SOURCE) private readonly source: PriceSource) {}

  @Get('api/v1/market/prices/:symbol')
  @UseInterceptors(CacheInterceptor)
  price(@Param('symbol') symbol: string): Promise<unknown> {
    return this.source(symbol.toUpperCase());
  }

  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({})
class PeerModule {
  static with(options: NestCacheManagerPeerOptions, source: PriceSource): DynamicModule {
    const ttl = options.ttlMs ?? 60_000;
    if (options.store === 'redis' && !options.redisUrl) throw new Error('store redis needs redisUrl');
    // As @nestjs/cache-manager 3 documents it: no `stores` = cache-manager's in-memory Keyv; Redis through a Keyv store.
    const cache = options.store === 'memory' ? CacheModule.register({ ttl }) : CacheModule.register({ ttl, stores: [new Keyv({ store: new KeyvRedis(options.redisUrl) })] });
    return { module: PeerModule, imports: [cache], controllers: [PeerController], providers: [{ provide: PRICE_SOURCE, useValue: source }] };
  }
}

/** A ~1 KB JSON object shaped like a quote with company facts, for throughput runs without an upstream. */
export function defaultPeerBody(): Record<string, unknown> {
  return {
    symbol: 'AAPL',
    price: 187.44,
    previousClose: 185.92,
    change: 1.52,
    changePercent: 0.8175,
    volume: 51_245_300,
    asOf: '2026-11-20T21:00:00.000Z',
    currency: 'USD',
    name: 'Apple Inc.',
    sector: 'Information Technology',
    industry: 'Technology Hardware, Storage & Peripherals',
    exchange: 'XNAS',
    marketCap: 2_890_000_000_000,
    description: 'Designs, manufactures and markets smartphones, personal computers, tablets, wearables and accessories, and sells a variety of related services. '.repeat(5).trim(),
  };
}

function sourceOf(options: NestCacheManagerPeerOptions): PriceSource {
  const { upstreamUrl } = options;
  if (upstreamUrl) {
    const apiKey = options.upstreamApiKey ?? 'bench-key';
    return async (symbol) => {
      try {
        return await fetchUpstreamQuote(upstreamUrl, apiKey, symbol);
      } catch (error) {
        if (error instanceof UpstreamError) throw new BadGatewayException(error.message);
        throw error;
      }
    };
  }
  const body = typeof options.body === 'string' ? (JSON.parse(options.body) as unknown) : (options.body ?? defaultPeerBody());
  return () => Promise.resolve(body);
}

/** The peer app in this process, listening on loopback. */
export async function startNestCacheManagerPeer(options: NestCacheManagerPeerOptions): Promise<PeerServer> {
  const app = await NestFactory.create<NestFastifyApplication>(PeerModule.with(options, sourceOf(options)), new FastifyAdapter(), { logger: false });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { url, close: () => app.close() };
}

/** The peer app as its own process (a replica with its own event loop and memory store). */
export function spawnNestCacheManagerPeer(options: Omit<NestCacheManagerPeerOptions, 'port'>): Promise<ChildServer> {
  const env: Record<string, string> = { PEER_STORE: options.store };
  if (options.redisUrl) env.PEER_REDIS_URL = options.redisUrl;
  if (options.upstreamUrl) env.PEER_UPSTREAM_URL = options.upstreamUrl;
  if (options.upstreamApiKey) env.PEER_UPSTREAM_API_KEY = options.upstreamApiKey;
  if (options.body !== undefined) env.PEER_BODY = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  if (options.ttlMs !== undefined) env.PEER_TTL_MS = String(options.ttlMs);
  return startChildServer(`@nestjs/cache-manager peer (${options.store})`, join('bench', 'peers', 'nest-cache-manager.app.ts'), env, '/health');
}

function optionsFromEnv(env: NodeJS.ProcessEnv): NestCacheManagerPeerOptions {
  const store = env.PEER_STORE === 'redis' ? 'redis' : 'memory';
  return {
    store,
    redisUrl: env.PEER_REDIS_URL,
    upstreamUrl: env.PEER_UPSTREAM_URL,
    upstreamApiKey: env.PEER_UPSTREAM_API_KEY,
    body: env.PEER_BODY,
    port: Number(env.PORT ?? 0),
    ttlMs: env.PEER_TTL_MS ? Number(env.PEER_TTL_MS) : undefined,
  };
}

if (require.main === module) {
  startNestCacheManagerPeer(optionsFromEnv(process.env)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
