import { Injectable, Logger, RequestMethod, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import { callerOf } from '../auth';
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError, OutcomeUnknownError, StoreTimeoutError } from '../common/errors';
import { idempotencyScope, parseIdempotencyKey, REPLAYED_HEADER, requestFingerprint, IDEMPOTENCY_HEADER } from './idempotency-key';
import { IdempotencyStore } from './idempotency-store';

/** A write whose store call passed its deadline (or lost its connection) may still be applied. */
export function outcomeUnknown(error: unknown, keyed: boolean): OutcomeUnknownError {
  const how = keyed ? 'retry with the same Idempotency-Key, which is safe' : 'send an Idempotency-Key with this request and its retries to make retrying safe';
  return new OutcomeUnknownError(`The outcome is unknown: the write was sent to Redis, which did not confirm it (${(error as Error).message.replace(/; retry shortly$/, '')}); it may still be applied. ${how}`, {
    cause: error,
  });
}

/**
 * For the routes marked `@Idempotent()`: an `Idempotency-Key` header (optional) makes a request
 * run once per caller and key. The first request claims the key (`IdempotencyStore.begin`); its 2xx
 * answer is kept and replayed to every repeat (`Idempotent-Replayed: true`); its failure frees the
 * key (a retry runs again). The same key with another request is a 422, a repeat while the first
 * runs a 409. With or without a key, a write whose store call passed its deadline answers 503
 * `OUTCOME_UNKNOWN`, never a plain "retry shortly".
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    const unknownOutcome = (error: unknown) => throwError(() => (error instanceof StoreTimeoutError ? outcomeUnknown(error, key !== undefined) : error));
    if (key === undefined) return next.handle().pipe(catchError(unknownOutcome));

    const caller = callerOf(request).name;
    const scope = idempotencyScope(caller, key);
    const fingerprint = requestFingerprint(request.method, request.url, caller, request.body);
    const status = this.statusOf(context, request.method);
    const token = randomUUID();
    const release = () => this.store.release(scope, fingerprint, token).catch((failure: Error) => this.logger.warn(`Key not released: ${failure.message}`));
    return from(this.store.begin(scope, fingerprint, token)).pipe(
      // A claim that timed out may still land: take it back (best effort; it lapses after pendingMs anyway). Nothing ran.
      catchError((error: unknown) => {
        if (error instanceof StoreTimeoutError) void release();
        return throwError(() => error);
      }),
      mergeMap((begun) => {
        if (begun.kind === 'mismatch') throw new IdempotencyKeyReusedError('This Idempotency-Key was already used by this caller for a different request (method, path or body); use a new key');
        if (begun.kind === 'in-flight') throw new IdempotencyKeyInFlightError('The first request with this Idempotency-Key is still running; retry shortly for its answer');
        if (begun.kind === 'replay') {
          void reply.header(REPLAYED_HEADER, 'true');
          void reply.status(begun.answer.status);
          return of(begun.answer.body ?? undefined);
        }
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            // The write is done: an answer not kept only means a retry runs again (creates use idempotent ids).
            await this.store.complete(scope, fingerprint, token, { status, body: body ?? null }).catch((error: Error) => this.logger.warn(`Answer not kept: ${error.message}`));
            return body;
          }),
          catchError((error: unknown) => {
            // Failed (or unknown): free the key so a retry runs again; best effort, the claim lapses anyway.
            void release();
            return unknownOutcome(error);
          }),
        );
      }),
    );
  }

  private statusOf(context: ExecutionContext, method: string): number {
    const code = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler());
    return code ?? (method === RequestMethod[RequestMethod.POST] ? 201 : 200);
  }
}
