import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pino, type DestinationStream } from 'pino';
import { callerOf } from '../auth/caller';
import type { HttpCacheFastPath } from '../cache';
import type { AppConfig } from '../config/app.config';
import { baseLoggerOptions } from './logger.params';
import { redactUrl } from './url-redaction';

/**
 * The access line of a request the HTTP cache fast path answered (pino-http never sees those).
 * Same message and `req.id` / `res.statusCode` / `responseTime` / `caller` fields as pino-http's line, but
 * compact: no headers (so nothing to redact) and no per-request child logger, which on a cache
 * hit cost more than the answer itself (docs/BENCHMARKS.md).
 */
export function logFastPathHits(
  fastify: FastifyInstance,
  fastPath: HttpCacheFastPath,
  app: Pick<AppConfig, 'logLevel'>,
  destination?: DestinationStream,
): void {
  const options = baseLoggerOptions(app);
  // Buffered: one write(2) per ~4 KB of lines instead of one per hit (pino flushes it on exit).
  const logger = pino(options, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 }));
  if (!logger.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (fastPath.answered(request)) {
      logger.info(
        {
          req: { id: request.id, method: request.method, url: redactUrl(request.url), remoteAddress: request.ip },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
          cache: 'HIT-L1',
          caller: callerOf(request).name,
        },
        'request completed',
      );
    }
    done();
  });
}
