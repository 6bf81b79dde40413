import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

interface InjectingServer {
  inject(options: { method: 'GET'; url: string; headers: Record<string, string> }): Promise<{ statusCode: number; body: string }>;
}

/** A public route answered with an error while being warmed. */
export class RouteWarmupError extends Error {
  readonly code = 'ROUTE_WARMUP_FAILED';
  constructor(
    readonly path: string,
    readonly status: number,
  ) {
    super(`GET ${path} answered ${status}`);
  }
}

/**
 * Warms the HTTP layer: the response cache keys routes by path and query, so a warmed service
 * value alone still answers `X-Cache: MISS` once. Requesting the route in-process (Fastify's
 * `inject`, no socket) stores the response exactly as a caller would get it; the service
 * values it needs are already in L1, so this costs no upstream call.
 */
@Injectable()
export class RouteWarmer {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async get(path: string): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getInstance() as Partial<InjectingServer> | undefined;
    // Without an HTTP server that can inject (a standalone context), there is no route to warm.
    if (typeof server?.inject !== 'function') return;
    const reply = await server.inject({ method: 'GET', url: path, headers: { 'user-agent': 'market-cache-warmup' } });
    if (reply.statusCode >= 400) throw new RouteWarmupError(path, reply.statusCode);
  }
}
