import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The one media type a request body may have. */
export const JSON_MEDIA_TYPE = 'application/json';

/** Whether the request carries a body (a length above 0, or a chunked one). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined && length !== '0') return true;
  return request.headers['transfer-encoding'] !== undefined;
}

/** `application/json; charset=utf-8` → `application/json`; undefined without a header. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';', 1)[0].trim().toLowerCase();
}

/**
 * Answers `415` to a request whose body is not JSON, before the body is read. Bodies of another
 * type were parsed too (Nest registers a form parser, Fastify a text one): a form post
 * `universe=sp500` started a scan, so any web page a browser inside the network opened could
 * make it spend CPU (a form is a "simple" cross-origin request, sent without a CORS preflight;
 * `application/json` is not). Register before `app.init()`.
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!hasBody(request)) return done();
    const type = mediaTypeOf(request.headers['content-type']);
    if (type === JSON_MEDIA_TYPE) return done();
    const got = type === undefined || type === '' ? 'no Content-Type' : `Content-Type ${type.slice(0, 100)}`;
    done(new HttpException(`Request bodies must be JSON: send Content-Type: ${JSON_MEDIA_TYPE} (got ${got})`, HttpStatus.UNSUPPORTED_MEDIA_TYPE));
  });
}
