import type { FastifyReply } from 'fastify';
import { X_CACHE_HEADER, X_CACHE_VALUES } from './cache.constants';
import type { CacheSource } from './cache.types';

/** What the HTTP cache stores per response: the body serialized once, and its validator. */
export interface CachedResponse {
  body: string;
  etag: string;
}

/** Where and when a cached response was made: all its headers need. */
export interface CachedResponseMeta {
  source: CacheSource;
  createdAt: number;
  staleAt: number;
}

/** `X-Cache`, `Age`, `Cache-Control` and `ETag` of a cached answer (the Fastify etag hook turns a match into 304). */
export function setCachedResponseHeaders(reply: FastifyReply, response: CachedResponse, meta: CachedResponseMeta, now = Date.now()): void {
  reply.header('content-type', 'application/json; charset=utf-8');
  reply.header(X_CACHE_HEADER, X_CACHE_VALUES[meta.source]);
  reply.header('age', String(Math.max(0, Math.floor((now - meta.createdAt) / 1000))));
  reply.header('cache-control', `max-age=${Math.max(0, Math.floor((meta.staleAt - now) / 1000))}`);
  reply.header('etag', response.etag);
}
