import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Histogram } from 'prom-client';
import { callerOf } from '../auth/caller';
import { MetricsRegistry } from './metrics-registry';

/** Route label of requests that matched no route (404s): raw URLs would make the label unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// Seconds; a cached hit answers in well under a millisecond, a cold universe scan in seconds.
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * HTTP request duration by method, route pattern, status and caller. A Fastify `onResponse` hook rather
 * than a Nest interceptor, so 404s, guard rejections, 304s and validation errors are counted too.
 */
@Injectable()
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_code' | 'caller'>;

  constructor(metrics: MetricsRegistry) {
    this.duration = metrics.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern (never the raw URL), status code and caller (a configured client name or anonymous).',
      labelNames: ['method', 'route', 'status_code', 'caller'],
      buckets: HTTP_BUCKETS,
    });
  }

  /** Must run before the app registers its routes (i.e. before `app.init()`). */
  attach(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      this.duration.observe(
        {
          method: KNOWN_METHODS.has(request.method) ? request.method : 'OTHER',
          // The pattern (e.g. /api/v1/market/prices/:symbol); undefined for Fastify's 404 handler.
          route: request.routeOptions.url ?? UNMATCHED_ROUTE,
          status_code: String(reply.statusCode),
          // Bounded: configured client names and `anonymous` (a wrong secret is anonymous too).
          caller: callerOf(request).name,
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
